/**
 * libvirt domain XML (`virsh dumpxml`, /etc/libvirt/qemu/instance-*.xml, /run/libvirt/qemu/*.xml):
 * which tap device and bridge each VM NIC uses, and the Neutron port behind it. Also reads a bare
 * `<interface>` element and pasted fragments that are not well-formed (unclosed elements are read as
 * if closed at the end, with an issue).
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

export interface LibvirtInterface {
  /** `bridge` (hybrid plug on qbr…, or br-int with an openvswitch virtualport), `ethernet` (os-vif tap), `network`, … */
  type: string;
  mac?: string;
  /** The tap device on the host. */
  targetDev?: string;
  sourceBridge?: string;
  /** `<virtualport type='openvswitch'><parameters interfaceid=…>`: interfaceId is the Neutron port id. */
  virtualport?: { type: string; interfaceId?: string };
  model?: string;
  mtu?: number;
  /** Other attributes and elements: `driver@name`, `address@slot`, `source@network`, `@trustGuestRxFilters`. */
  extra: Record<string, string>;
}

export interface LibvirtDomain {
  /** `<domain type=…>`: kvm, qemu. */
  domainType?: string;
  name?: string;
  uuid?: string;
  /** Nova instance UUID: the domain uuid when Nova created the domain (nova:instance metadata or instance-XXXXXXXX name). */
  novaInstanceUuid?: string;
  /** Instance display name from `<nova:name>`. */
  novaName?: string;
  interfaces: LibvirtInterface[];
  /** Console log file (serial/console `<log file=…>`, or `<source path=…>` of a file serial). */
  consoleLogPath?: string;
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nodes(v: unknown): Node[] {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  // An empty element without attributes (`<interface/>`) parses as "".
  return list.map((x) => (isNode(x) ? x : {}));
}

function attr(node: unknown, name: string): string | undefined {
  const v = isNode(node) ? node[`@_${name}`] : undefined;
  return typeof v === "string" ? v : undefined;
}

function textOf(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (isNode(v) && typeof v["#text"] === "string") return v["#text"];
  return undefined;
}

function addExtra(extra: Record<string, string>, key: string, value: string): void {
  const old = extra[key];
  extra[key] = old === undefined ? value : `${old}\n${value}`;
}

/** Attributes as `path@attr`, text as `path`, children as `path/child`. */
function flatten(extra: Record<string, string>, path: string, v: unknown): void {
  if (Array.isArray(v)) {
    for (const item of v) flatten(extra, path, item);
    return;
  }
  if (!isNode(v)) {
    addExtra(extra, path, String(v ?? ""));
    return;
  }
  for (const [k, sub] of Object.entries(v)) {
    if (k.startsWith("@_")) addExtra(extra, `${path}@${k.slice(2)}`, String(sub));
    else if (k === "#text") addExtra(extra, path, String(sub));
    else flatten(extra, `${path}/${k}`, sub);
  }
}

/** flatten() without the keys already read into typed fields. */
function flattenRest(extra: Record<string, string>, path: string, v: unknown, typed: string[]): void {
  const rest: Record<string, string> = {};
  flatten(rest, path, v);
  for (const [k, x] of Object.entries(rest)) if (!typed.includes(k)) addExtra(extra, k, x);
}

function toInterface(node: Node): LibvirtInterface {
  const iface: LibvirtInterface = { type: attr(node, "type") ?? "", extra: {} };
  for (const [k, v] of Object.entries(node)) {
    if (k === "@_type") continue;
    if (k.startsWith("@_")) addExtra(iface.extra, `@${k.slice(2)}`, String(v));
    else if (k === "mac" && attr(v, "address")) iface.mac = attr(v, "address");
    else if (k === "target" && attr(v, "dev")) iface.targetDev = attr(v, "dev");
    else if (k === "model" && attr(v, "type")) iface.model = attr(v, "type");
    else if (k === "mtu" && /^\d+$/.test(attr(v, "size") ?? "")) iface.mtu = Number(attr(v, "size"));
    else if (k === "source" && attr(v, "bridge")) {
      iface.sourceBridge = attr(v, "bridge");
      flattenRest(iface.extra, k, v, ["source@bridge"]);
    } else if (k === "virtualport" && isNode(v)) {
      iface.virtualport = { type: attr(v, "type") ?? "" };
      const id = nodes(v["parameters"])
        .map((p) => attr(p, "interfaceid"))
        .find((x) => x !== undefined);
      if (id) iface.virtualport.interfaceId = id;
      flattenRest(iface.extra, k, v, ["virtualport@type", "virtualport/parameters@interfaceid"]);
    } else flatten(iface.extra, k, v);
  }
  return iface;
}

// libvirt device elements never nest, so one found inside another was swallowed by an unclosed
// element of a pasted fragment (the guide's <interface> holds its <serial>): lift it back out.
const DEVICES = new Set([
  "interface",
  "serial",
  "console",
  "channel",
  "disk",
  "controller",
  "input",
  "graphics",
  "video",
  "memballoon",
  "rng",
  "sound",
  "hostdev",
  "filesystem",
  "watchdog",
]);

function collectDevices(holder: Node, into: Map<string, Node[]>): void {
  for (const [kind, v] of Object.entries(holder)) {
    if (!DEVICES.has(kind)) continue;
    for (const dev of nodes(v)) {
      const own: Node = {};
      for (const [k, child] of Object.entries(dev)) {
        if (DEVICES.has(k)) collectDevices({ [k]: child }, into);
        else own[k] = child;
      }
      into.set(kind, [...(into.get(kind) ?? []), own]);
    }
  }
}

function consoleLog(devices: Map<string, Node[]>): string | undefined {
  for (const dev of [...(devices.get("serial") ?? []), ...(devices.get("console") ?? [])]) {
    const file =
      attr(dev["log"], "file") ?? (attr(dev, "type") === "file" ? attr(dev["source"], "path") : undefined);
    if (file) return file;
  }
  return undefined;
}

function lineOf(text: string, pattern: RegExp): number {
  let found = 0;
  splitLines(text).forEach((l, i) => {
    if (pattern.test(l)) found = i + 1;
  });
  return found;
}

/** What the validator says, turned into issues; unclosed elements get one issue each, at their opening line. */
function wellFormedness(text: string): ParseIssue[] {
  const res = XMLValidator.validate(text);
  if (res === true) return [];
  const { msg, line } = res.err;
  const lines = splitLines(text);
  const unclosed = /^Invalid '\[(.*)\]' found/s.exec(msg);
  if (unclosed) {
    return [...(unclosed[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => {
      const ln = lineOf(text, new RegExp(`<${m[1]}[\\s>/]|<${m[1]}$`));
      return issue(ln, `<${m[1]}> is never closed; read as if closed at the end`, lines[ln - 1], "warning");
    });
  }
  return [issue(line, `XML is not well-formed: ${msg}`, lines[line - 1])];
}

export function parseLibvirtDomain(text: string): ParseResult<LibvirtDomain> {
  const issues = wellFormedness(text);
  const value: LibvirtDomain = { interfaces: [] };
  let doc: Node;
  try {
    doc = parser.parse(text) as Node;
  } catch (err) {
    issues.push(issue(0, `XML could not be read: ${String(err)}`));
    return { value, issues };
  }

  const devices = new Map<string, Node[]>();
  if (doc["interface"] !== undefined) {
    collectDevices(doc, devices);
    value.interfaces = (devices.get("interface") ?? []).map(toInterface);
    return { value, issues };
  }
  const domain = nodes(doc["domain"])[0];
  if (!domain) {
    issues.push(issue(0, "no <domain> or <interface> element"));
    return { value, issues };
  }
  value.domainType = attr(domain, "type");
  value.name = textOf(domain["name"]);
  value.uuid = textOf(domain["uuid"]);
  const metadata = isNode(domain["metadata"]) ? domain["metadata"] : {};
  const nova = nodes(metadata["nova:instance"])[0];
  if (nova) value.novaName = textOf(nova["nova:name"]);
  if (value.uuid && (nova || /^instance-[0-9a-f]{8}$/.test(value.name ?? "")))
    value.novaInstanceUuid = value.uuid;
  if (isNode(domain["devices"])) collectDevices(domain["devices"], devices);
  // Pasted fragments may hold devices right under <domain>, without <devices>.
  collectDevices(domain, devices);
  value.interfaces = (devices.get("interface") ?? []).map(toInterface);
  value.consoleLogPath = consoleLog(devices);
  return { value, issues };
}
