/**
 * `ovs-ofctl show <bridge>` and `ovs-ofctl dump-ports-desc <bridge>`, OpenFlow 1.0 and 1.3 forms:
 * the datapath id, table count, and the port list (OpenFlow port number → name, MAC, config and
 * state flags, link features, speed). This is where a flow's `in_port=1` gets its name.
 */
import { isPasteNoise } from "./ofctl-flows.js";
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

export interface OfctlPort {
  /** OpenFlow port number, or "LOCAL" for the bridge's own internal port. */
  ofport: number | "LOCAL";
  name: string;
  addr: string;
  /** `config:` flags (PORT_DOWN, NO_FWD, …); empty when OVS printed 0. */
  config: string[];
  /** `state:` flags (LINK_DOWN, LIVE, STP_…); empty when OVS printed 0. */
  state: string[];
  /** Link features (`10GB-FD COPPER`), when printed. */
  current?: string[];
  advertised?: string[];
  supported?: string[];
  peer?: string[];
  /** `speed: 10000 Mbps now, 0 Mbps max`. */
  speed?: { nowMbps: number; maxMbps: number };
  /** Lines under the port that are not one of the above, trimmed, as written. */
  extra: string[];
  /** 1-based line of the port's first line. */
  line: number;
}

export interface OfctlShowHeader {
  /** `OFPT_FEATURES_REPLY`, `OFPST_PORT_DESC`, `OFPT_GET_CONFIG_REPLY`, … */
  kind: string;
  /** `OF1.3` when printed. */
  ofVersion?: string;
  xid?: string;
  /** Text after the colon (`dpid:…`, `frags=normal miss_send_len=0`), when any. */
  rest?: string;
  line: number;
}

export interface OfctlShow {
  headers: OfctlShowHeader[];
  /** 16 hex digits as printed. */
  dpid?: string;
  nTables?: number;
  nBuffers?: number;
  capabilities?: string[];
  /** OpenFlow 1.0 only: the supported action list. */
  actions?: string[];
  ports: OfctlPort[];
  /** OFPT_GET_CONFIG_REPLY settings (`frags`, `miss_send_len`). */
  switchConfig?: Record<string, string>;
  /** Top-level lines not recognised, as written (each also reported as a warning). */
  extra: { line: number; text: string }[];
}

const HEADER =
  /^([A-Z][A-Z0-9_]*[A-Z0-9])(?: reply)?(?: \((OF[\d.]+)\))?(?: \(xid=(0x[0-9a-fA-F]+)\))?:\s*(.*)$/;
const PORT = /^(\d+|LOCAL)\((.*)\): addr:(\S*)$/;
const PROPERTY = /^([a-z_]+):\s*(.*)$/;
const SPEED = /^(\d+) Mbps now, (\d+) Mbps max$/;

/** `0` means "no flags"; otherwise a space-separated list. */
function flags(text: string): string[] {
  return text === "0" || text === "" ? [] : text.split(/\s+/);
}

export function parseOfctlShow(text: string): ParseResult<OfctlShow> {
  const value: OfctlShow = { headers: [], ports: [], extra: [] };
  const issues: ParseIssue[] = [];
  let port: OfctlPort | undefined;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const lineNo = i + 1;
    // trim() also drops the non-breaking spaces of outputs pasted from web pages.
    const t = raw.trim();
    if (t === "") continue;
    const indented = /^\s/.test(raw);
    const portLine = PORT.exec(t);
    if (portLine !== null) {
      const [, num, name, addr] = portLine as unknown as [string, string, string, string];
      port = {
        ofport: num === "LOCAL" ? "LOCAL" : Number(num),
        name,
        addr,
        config: [],
        state: [],
        extra: [],
        line: lineNo,
      };
      value.ports.push(port);
      continue;
    }
    if (indented && port !== undefined) {
      readPortLine(port, t);
      continue;
    }
    const header = HEADER.exec(t);
    if (header !== null && !t.startsWith("n_tables:")) {
      port = undefined;
      const kind = header[1] as string;
      const rest = header[4] ?? "";
      value.headers.push({
        kind,
        ofVersion: header[2],
        xid: header[3],
        rest: rest === "" ? undefined : rest,
        line: lineNo,
      });
      readHeaderRest(value, kind, rest);
      continue;
    }
    if (readSwitchLine(value, t)) continue;
    if (isPasteNoise(raw)) continue;
    value.extra.push({ line: lineNo, text: raw });
    issues.push(issue(lineNo, "not an ovs-ofctl show line", raw, "warning"));
  }
  if (value.headers.length === 0 && value.ports.length === 0) {
    issues.push(issue(0, "no OFPT_FEATURES_REPLY/OFPST_PORT_DESC header and no port lines"));
  }
  return { value, issues };
}

function readHeaderRest(value: OfctlShow, kind: string, rest: string): void {
  if (kind === "OFPT_FEATURES_REPLY") {
    const dpid = /^dpid:([0-9a-fA-F]+)/.exec(rest);
    if (dpid !== null) value.dpid = dpid[1];
  } else if (kind === "OFPT_GET_CONFIG_REPLY") {
    const config: Record<string, string> = {};
    for (const kv of rest.split(/\s+/)) {
      const eq = kv.indexOf("=");
      if (eq > 0) config[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    value.switchConfig = config;
  }
}

/** The FEATURES_REPLY body lines before the ports; false when the line is not one of them. */
function readSwitchLine(value: OfctlShow, t: string): boolean {
  const tables = /^n_tables:(\d+)(?:,\s*n_buffers:(\d+))?/.exec(t);
  if (tables !== null) {
    value.nTables = Number(tables[1]);
    if (tables[2] !== undefined) value.nBuffers = Number(tables[2]);
    return true;
  }
  const prop = PROPERTY.exec(t);
  if (prop?.[1] === "capabilities") value.capabilities = flags(prop[2] as string);
  else if (prop?.[1] === "actions") value.actions = flags(prop[2] as string);
  else return false;
  return true;
}

function readPortLine(port: OfctlPort, t: string): void {
  const prop = PROPERTY.exec(t);
  const key = prop?.[1];
  const rest = (prop?.[2] ?? "").trim();
  switch (key) {
    case "config":
      port.config = flags(rest);
      return;
    case "state":
      port.state = flags(rest);
      return;
    case "current":
    case "advertised":
    case "supported":
    case "peer":
      port[key] = flags(rest);
      return;
    case "speed": {
      const m = SPEED.exec(rest);
      if (m !== null) {
        port.speed = { nowMbps: Number(m[1]), maxMbps: Number(m[2]) };
        return;
      }
    }
  }
  port.extra.push(t);
}
