/**
 * `ovs-vsctl show`: bridges, their ports (with the local VLAN `tag`) and interfaces (type, patch
 * peer / tunnel options, `error`).
 *
 * The structure is taken from the keywords, not from the indentation: operators paste this output
 * into tickets and wikis where indentation breaks (the field guide itself has a `Port` line at
 * column 0 inside `Bridge br-int`, the osism excerpts indent Ports two columns too deep). A `Port`
 * always belongs to the last `Bridge`, an `Interface` to the last `Port`, and a known column goes to
 * the record that owns it (`tag:` to the Port, `type:` to the Interface). Indentation is only used
 * to place columns this parser does not know.
 */
import { asSet, asStringMap, isOvsdbMap, parseOvsdbTextValue } from "./ovsdb.js";
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

/** A `Manager` or `Controller` line and its status columns. */
export interface ShowTarget {
  target: string;
  line: number;
  isConnected?: boolean;
  other: Record<string, string>;
}

export interface ShowInterface {
  name: string;
  line: number;
  type?: string;
  options?: Record<string, string>;
  /** OVS could not use the interface, e.g. "could not open network device tap… (No such device)". */
  error?: string;
  other: Record<string, string>;
}

export interface ShowPort {
  name: string;
  line: number;
  tag?: number;
  trunks?: number[];
  vlanMode?: string;
  interfaces: ShowInterface[];
  other: Record<string, string>;
}

export interface ShowBridge {
  name: string;
  line: number;
  failMode?: string;
  datapathType?: string;
  controllers: ShowTarget[];
  ports: ShowPort[];
  other: Record<string, string>;
}

export interface OvsShow {
  /** Open_vSwitch row UUID (the first line), when it was kept. */
  uuid?: string;
  ovsVersion?: string;
  managers: ShowTarget[];
  bridges: ShowBridge[];
  /** Ports of an excerpt that starts below its `Bridge` line: their bridge is not known. */
  loosePorts: ShowPort[];
  /**
   * True when the text is visibly an excerpt (`...` lines, records before any `Bridge`): a port
   * missing from it proves nothing.
   */
  partial: boolean;
  other: Record<string, string>;
}

const HEADER_RE = /^(Bridge|Port|Interface|Manager|Controller)\s+(\S.*)$/;
const COLUMN_RE = /^([A-Za-z_][\w-]*):\s*(.*)$/;
const UUID_LINE_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ELISION_RE = /^(\.\.\.|…)$/;

/** A name or scalar as printed: `"em3"` and `em3` are the same (OVS < 2.8 quoted names with digits). */
function unquote(text: string): string {
  if (!text.startsWith('"')) return text;
  const parsed = parseOvsdbTextValue(text);
  return parsed.ok && typeof parsed.value === "string" ? parsed.value : text;
}

interface Open<T> {
  node: T;
  indent: number;
}

export function parseOvsVsctlShow(text: string): ParseResult<OvsShow> {
  const issues: ParseIssue[] = [];
  const show: OvsShow = { managers: [], bridges: [], loosePorts: [], partial: false, other: {} };
  let bridge: Open<ShowBridge> | undefined;
  let target: Open<ShowTarget> | undefined;
  let port: Open<ShowPort> | undefined;
  let iface: Open<ShowInterface> | undefined;

  const newPort = (name: string, line: number, indent: number): void => {
    const node: ShowPort = { name, line, interfaces: [], other: {} };
    if (bridge) bridge.node.ports.push(node);
    else {
      show.loosePorts.push(node);
      show.partial = true;
    }
    port = { node, indent };
    target = undefined;
    iface = undefined;
  };

  /** Where a column nobody claims goes: the deepest open record indented less than the column. */
  const ownerByIndent = (indent: number): Record<string, string> => {
    for (const open of [iface, port, target, bridge])
      if (open && open.indent < indent) return open.node.other;
    return show.other;
  };

  splitLines(text).forEach((raw, idx) => {
    const line = idx + 1;
    const body = raw.trim();
    if (body === "") return;
    const indent = raw.length - raw.trimStart().length;
    if (ELISION_RE.test(body)) {
      show.partial = true;
      return;
    }
    const started = show.managers.length + show.bridges.length + show.loosePorts.length > 0;
    if (UUID_LINE_RE.test(body) && show.uuid === undefined && !started) {
      show.uuid = body;
      return;
    }

    const header = HEADER_RE.exec(body);
    if (header) {
      const name = unquote(header[2] ?? "");
      switch (header[1]) {
        case "Manager": {
          const node: ShowTarget = { target: name, line, other: {} };
          show.managers.push(node);
          target = { node, indent };
          bridge = port = iface = undefined;
          break;
        }
        case "Bridge": {
          const node: ShowBridge = { name, line, controllers: [], ports: [], other: {} };
          show.bridges.push(node);
          bridge = { node, indent };
          target = port = iface = undefined;
          break;
        }
        case "Controller": {
          const node: ShowTarget = { target: name, line, other: {} };
          if (bridge) bridge.node.controllers.push(node);
          else issues.push(issue(line, "Controller outside any Bridge", raw, "warning"));
          target = { node, indent };
          port = iface = undefined;
          break;
        }
        case "Port":
          newPort(name, line, indent);
          break;
        default: {
          // An excerpt may start at an Interface: give it a Port of its own name so its columns land.
          if (!port) {
            issues.push(
              issue(line, "Interface outside any Port; assumed a Port of the same name", raw, "warning"),
            );
            newPort(name, line, indent);
          }
          const node: ShowInterface = { name, line, other: {} };
          port?.node.interfaces.push(node);
          iface = { node, indent };
        }
      }
      return;
    }

    const column = COLUMN_RE.exec(body);
    if (!column) {
      issues.push(issue(line, "not a Bridge/Port/Interface line or a `column: value` line", raw));
      return;
    }
    const key = column[1] ?? "";
    const value = (column[2] ?? "").trim();
    const misplaced = (owner: string): void => {
      issues.push(issue(line, `${key}: outside any ${owner}`, raw, "warning"));
      ownerByIndent(indent)[key] = unquote(value);
    };
    const malformed = (other: Record<string, string>, what: string): void => {
      issues.push(issue(line, `${key}: ${what}; kept as text`, raw));
      other[key] = value;
    };

    switch (key) {
      case "ovs_version":
        show.ovsVersion = unquote(value);
        break;
      case "is_connected":
        if (!target) misplaced("Manager or Controller");
        else if (value === "true" || value === "false") target.node.isConnected = value === "true";
        else malformed(target.node.other, "expected true or false");
        break;
      case "fail_mode":
      case "datapath_type":
        if (!bridge) misplaced("Bridge");
        else if (key === "fail_mode") bridge.node.failMode = unquote(value);
        else bridge.node.datapathType = unquote(value);
        break;
      case "tag":
        if (!port) misplaced("Port");
        else if (/^\d+$/.test(value)) port.node.tag = Number(value);
        else malformed(port.node.other, "not a VLAN number");
        break;
      case "trunks": {
        if (!port) {
          misplaced("Port");
          break;
        }
        const parsed = parseOvsdbTextValue(value);
        const vlans = parsed.ok ? asSet(parsed.value) : [];
        if (parsed.ok && vlans.every((v) => typeof v === "number")) port.node.trunks = vlans as number[];
        else malformed(port.node.other, "not a list of VLAN numbers");
        break;
      }
      case "vlan_mode":
        if (!port) misplaced("Port");
        else port.node.vlanMode = unquote(value);
        break;
      case "type":
      case "error":
        if (!iface) misplaced("Interface");
        else if (key === "type") iface.node.type = unquote(value);
        else iface.node.error = unquote(value);
        break;
      case "options": {
        if (!iface) {
          misplaced("Interface");
          break;
        }
        const parsed = parseOvsdbTextValue(value);
        if (parsed.ok && isOvsdbMap(parsed.value)) {
          iface.node.options = asStringMap(parsed.value);
        } else malformed(iface.node.other, "not a {key=value} map");
        break;
      }
      default:
        ownerByIndent(indent)[key] = unquote(value);
    }
  });
  return { value: show, issues };
}
