/**
 * What the switch says about the port a NIC is plugged into, from every place operators get it:
 * `tcpdump -vvv ether proto 0x88cc` (LLDP, and CDP when captured), `lldpctl -f json`,
 * `lldpctl -f keyvalue` and plain `lldpctl`. All four give the same LldpNeighbor so checks never
 * care which one was collected.
 *
 * VLANs: `vlans` lists what the switch advertised in VLAN Name TLVs; the PVID (Port VLAN Id TLV)
 * goes to `pvid`. lldpctl prints a nameless `VLAN: <pvid>, pvid: yes` entry when the PVID is not in
 * the VLAN list; that entry carries only the PVID and is folded into `pvid`, so a PVID-only switch
 * looks the same whichever tool read it.
 */
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

export interface LldpVlan {
  id: number;
  name?: string;
  /** The switch flagged this VLAN as the port's PVID (native/untagged VLAN). */
  pvid?: boolean;
}

export interface LldpCapability {
  /** As the source names it: `Bridge`, `Router`, `Station` (LLDP), `L2 Switch` (CDP). */
  type: string;
  enabled: boolean;
}

export interface LldpNeighbor {
  /** Local interface the neighbour was heard on. */
  iface?: string;
  /** Protocol: `LLDP`, `CDPv2`, … */
  via?: string;
  chassisId?: string;
  /** Chassis ID subtype as printed: `mac`, `MAC address`, `local`, … */
  chassisIdType?: string;
  systemName?: string;
  systemDescr?: string;
  portId?: string;
  /** Port ID subtype as printed: `ifname`, `Interface Name`, `local`, … */
  portIdType?: string;
  portDescr?: string;
  pvid?: number;
  vlans: LldpVlan[];
  mgmtAddrs: string[];
  /** Seconds. */
  ttl?: number;
  capabilities?: LldpCapability[];
  /** Everything else under the source's own key names; repeated keys are joined with newlines. */
  extra: Record<string, string>;
}

function newNeighbor(iface?: string): LldpNeighbor {
  const n: LldpNeighbor = { vlans: [], mgmtAddrs: [], extra: {} };
  if (iface !== undefined) n.iface = iface;
  return n;
}

function addExtra(n: LldpNeighbor, key: string, value: string): void {
  const old = n.extra[key];
  n.extra[key] = old === undefined ? value : `${old}\n${value}`;
}

function addCapability(n: LldpNeighbor, type: string, enabled: boolean): void {
  const caps = n.capabilities ?? [];
  const known = caps.find((c) => c.type === type);
  if (known) known.enabled ||= enabled;
  else caps.push({ type, enabled });
  n.capabilities = caps;
}

function addMgmt(n: LldpNeighbor, addr: string): void {
  if (addr !== "" && !n.mgmtAddrs.includes(addr)) n.mgmtAddrs.push(addr);
}

function toInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  return Number.parseInt(text, 10);
}

function isYes(v: unknown): boolean {
  return v === true || (typeof v === "string" && /^(yes|on|true)$/i.test(v.trim()));
}

/** lldpctl VLAN entry (json, keyvalue, text): see the module comment for the nameless PVID entry. */
function addLldpctlVlan(n: LldpNeighbor, id: number, pvid: boolean, name: string | undefined): void {
  if (pvid) n.pvid = id;
  if (name === undefined && pvid) return;
  const v: LldpVlan = { id };
  if (name !== undefined) v.name = name;
  if (pvid) v.pvid = true;
  n.vlans.push(v);
}

// ---------------------------------------------------------------------------------------------
// tcpdump

const TIMESTAMP = /^\s*(?:\d+\s+)?(?:\d{4}-\d\d-\d\d\s+)?\d\d:\d\d:\d\d\.\d+\s/;
const LLDP_TLV = /^(.+?) TLV \((\d+)\), length (\d+)(?::\s*(.*))?$/;
const CDP_FIELD = /^(.+?) \(0x[0-9a-f]{4}\), value length: \d+ bytes?:\s*(.*)$/i;

/** Where we are inside one decoded frame. */
interface FrameState {
  n: LldpNeighbor;
  tlvType: number;
  /** TLV name (LLDP) or field name (CDP) the following lines belong to. */
  tlvName: string;
  /** Heading line of an organisationally specific subtype (`Port VLAN Id Subtype (1)`). */
  subtype?: string;
  /** VLAN Name TLV: the `vlan id` line comes before its `vlan name` line. */
  vlan?: LldpVlan;
}

/**
 * `tcpdump -v[vv] [-e] ether proto 0x88cc` (also with CDP frames, as in tcpdump's own test suite).
 * Tolerates what pasting does to it: lost tab indentation, non-breaking spaces, TLVs left out.
 * Frames repeated by the same neighbour collapse into one record (the last frame wins).
 */
export function parseLldpTcpdump(text: string): ParseResult<LldpNeighbor[]> {
  const issues: ParseIssue[] = [];
  const frames: LldpNeighbor[] = [];
  let iface: string | undefined;
  let st: FrameState | undefined;
  let inOtherFrame = false;

  splitLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const banner = /^tcpdump: listening on ([^\s,]+)/.exec(line);
    if (banner) {
      iface = banner[1] === "any" ? undefined : banner[1];
      return;
    }
    if (
      /^tcpdump: /.test(line) ||
      /^\d+ packets? (captured|received by filter|dropped by kernel)$/.test(line)
    ) {
      return;
    }
    // frame header: timestamped, or without one (-t) recognised by its LLDP/CDP decode
    if (TIMESTAMP.test(raw) || /^LLDP, length \d+|ethertype LLDP \(0x88cc\)|\bCDPv\d+, ttl:/.test(line)) {
      st = frameStart(line, iface);
      inOtherFrame = st === undefined;
      if (st) frames.push(st.n);
      return;
    }
    if (/^0x[0-9a-f]{4}:/i.test(line)) return; // hex dump of the TLV just decoded
    if (!st) {
      if (!inOtherFrame) issues.push(issue(i + 1, "line outside an LLDP/CDP frame ignored", raw, "warning"));
      return;
    }
    if (st.n.via === "LLDP") lldpLine(st, line);
    else cdpLine(st, line);
  });

  return { value: dedupe(frames), issues };
}

/** A frame header line: a new neighbour record for LLDP and CDP frames, undefined for anything else. */
function frameStart(line: string, iface: string | undefined): FrameState | undefined {
  const cdp = /\b(CDPv\d+), ttl: (\d+)s/.exec(line);
  if (!cdp && !/\bLLDP, length \d+/.test(line)) return undefined;
  const n = newNeighbor(iface);
  n.via = cdp?.[1] ?? "LLDP";
  if (cdp) n.ttl = Number(cdp[2]);
  // with -e the frame's source MAC is the switch port's own address
  const src = /\s([0-9a-f]{2}(?::[0-9a-f]{2}){5}) > [0-9a-f:]+,/i.exec(line);
  if (src?.[1]) n.extra["frame.src"] = src[1];
  return { n, tlvType: -1, tlvName: "" };
}

function cdpLine(st: FrameState, line: string): void {
  const { n } = st;
  const f = CDP_FIELD.exec(line);
  if (!f) {
    // multi-line values (Version String) continue on lines without a field heading
    if (st.tlvName === "Version String") n.systemDescr = n.systemDescr ? `${n.systemDescr}\n${line}` : line;
    else addExtra(n, st.tlvName || "cdp", line);
    return;
  }
  st.tlvName = f[1] ?? "";
  const value = (f[2] ?? "").replace(/^'(.*)'$/, "$1");
  switch (st.tlvName) {
    case "Device-ID":
      n.systemName = value;
      return;
    case "Port-ID":
      n.portId = value;
      return;
    case "Version String":
      if (value !== "") n.systemDescr = value;
      return;
    case "Native VLAN ID": {
      const id = toInt(value);
      if (id !== undefined) n.pvid = id;
      else addExtra(n, st.tlvName, value);
      return;
    }
    case "Address":
    case "Management Addresses": {
      // "IPv4 (1) 10.0.0.1": the address is the last word
      const m = /\)\s+(\S+)$/.exec(value);
      if (m?.[1]) addMgmt(n, m[1]);
      else addExtra(n, st.tlvName, value);
      return;
    }
    case "Capability": {
      const m = /:\s*(.+)$/.exec(value);
      for (const c of (m?.[1] ?? "").split(",")) if (c.trim()) addCapability(n, c.trim(), true);
      return;
    }
    default:
      addExtra(n, st.tlvName, value);
  }
}

/** tcpdump prints control characters as `^J`; give System Description its newlines back. */
function unescapeTcpdump(s: string): string {
  return s.replace(/\^J/g, "\n").replace(/\^M/g, "");
}

function lldpLine(st: FrameState, line: string): void {
  const { n } = st;
  const t = LLDP_TLV.exec(line);
  if (t) {
    st.tlvName = t[1] ?? "";
    st.tlvType = Number(t[2]);
    st.subtype = undefined;
    lldpTlvHead(n, st.tlvType, st.tlvName, t[4] ?? "");
    return;
  }
  // 802.1 lines are matched without their TLV heading: pasted captures lose heading lines.
  const pvid = /^port vlan id \(PVID\):\s*(\d+)/i.exec(line);
  if (pvid) {
    n.pvid = Number(pvid[1]);
    return;
  }
  const vid = /^vlan id \(VID\):\s*(\d+)/i.exec(line);
  if (vid) {
    st.vlan = { id: Number(vid[1]) };
    n.vlans.push(st.vlan);
    return;
  }
  const vname = /^vlan name:\s*(.*)$/i.exec(line);
  if (vname && st.vlan) {
    st.vlan.name = vname[1] ?? "";
    return;
  }
  if (/^[\w ./-]+ Subtype \(\d+\)$/.test(line)) {
    st.subtype = line;
    return;
  }
  const sub = /^Subtype (.+?) \(\d+\):\s*(.*)$/.exec(line);
  if (sub && st.tlvType === 1) {
    n.chassisIdType = sub[1];
    n.chassisId = sub[2];
    return;
  }
  if (sub && st.tlvType === 2) {
    n.portIdType = sub[1];
    n.portId = sub[2];
    return;
  }
  if (st.tlvType === 6) {
    const d = unescapeTcpdump(line);
    n.systemDescr = n.systemDescr ? `${n.systemDescr}\n${d}` : d;
    return;
  }
  const caps = /^(System|Enabled)\s+Capabilities \[(.*)\]/.exec(line);
  if (caps && st.tlvType === 7) {
    for (const c of (caps[2] ?? "").split(",")) {
      if (c.trim()) addCapability(n, c.trim(), caps[1] === "Enabled");
    }
    return;
  }
  const mgmt = /^Management Address length \d+, AFI .*\):\s*(\S+)$/.exec(line);
  if (mgmt?.[1] && st.tlvType === 8) {
    addMgmt(n, mgmt[1]);
    return;
  }
  addExtra(n, st.subtype ?? (st.tlvName || "lldp"), line);
}

function lldpTlvHead(n: LldpNeighbor, type: number, name: string, value: string): void {
  switch (type) {
    case 3: {
      const m = /TTL (\d+)s?/.exec(value);
      if (m) n.ttl = Number(m[1]);
      return;
    }
    case 4:
      n.portDescr = value;
      return;
    case 5:
      n.systemName = value;
      return;
    case 6:
      if (value !== "") n.systemDescr = unescapeTcpdump(value);
      return;
    default:
      // 127's value is only the OUI name, a heading for the lines below
      if (value !== "" && type !== 127) addExtra(n, name, value);
  }
}

/**
 * One record per neighbour and protocol: later frames from the same chassis/port replace earlier ones. VLANs
 * equal to the PVID get the pvid flag, as lldpctl shows them.
 */
function dedupe(frames: LldpNeighbor[]): LldpNeighbor[] {
  const byKey = new Map<string, LldpNeighbor>();
  for (const f of frames) {
    for (const v of f.vlans) if (v.id === f.pvid) v.pvid = true;
    const key = JSON.stringify([f.iface, f.via, f.chassisId ?? f.systemName, f.portId ?? f.portDescr]);
    byKey.set(key, f);
  }
  return [...byKey.values()];
}

// ---------------------------------------------------------------------------------------------
// lldpctl -f json (lldpd 1.0.x)

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asList(v: Json): Json[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function scalar(v: Json): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** Unknown JSON goes to `extra` under keyvalue-style dotted keys (`port.auto-negotiation.current`). */
function flattenInto(n: LldpNeighbor, prefix: string, v: Json): void {
  if (Array.isArray(v)) for (const item of v) flattenInto(n, prefix, item);
  else if (isObject(v)) for (const [k, sub] of Object.entries(v)) flattenInto(n, `${prefix}.${k}`, sub);
  else addExtra(n, prefix, scalar(v) ?? "");
}

/** `lldpctl -f json`: `{"lldp":{"interface":{"em3":{…}}}}`, or an array of such objects when several. */
export function parseLldpctlJson(text: string): ParseResult<LldpNeighbor[]> {
  const issues: ParseIssue[] = [];
  let root: Json;
  try {
    root = JSON.parse(text);
  } catch (err) {
    // a JSON syntax error spoils the whole document: line 0
    issues.push(issue(0, `not valid JSON: ${String(err)}`));
    return { value: [], issues };
  }
  const lldp = isObject(root) ? root["lldp"] : undefined;
  if (!isObject(lldp)) {
    issues.push(issue(0, 'no top-level "lldp" object (not lldpctl -f json output; json0 is not read)'));
    return { value: [], issues };
  }
  const out: LldpNeighbor[] = [];
  for (const entry of asList(lldp["interface"])) {
    if (!isObject(entry)) {
      issues.push(issue(0, "interface entry is not an object", JSON.stringify(entry)));
      continue;
    }
    for (const [iface, data] of Object.entries(entry)) {
      for (const d of asList(data)) {
        if (isObject(d)) out.push(jsonNeighbor(iface, d));
        else issues.push(issue(0, `interface ${iface}: entry is not an object`, JSON.stringify(d)));
      }
    }
  }
  return { value: out, issues };
}

function jsonNeighbor(iface: string, d: Record<string, Json>): LldpNeighbor {
  const n = newNeighbor(iface);
  for (const [key, v] of Object.entries(d)) {
    if (key === "via") n.via = scalar(v);
    else if (key === "chassis" && isObject(v)) jsonChassis(n, v);
    else if (key === "port" && isObject(v)) jsonPort(n, v);
    else if (key === "vlan") {
      for (const vl of asList(v)) {
        const id = isObject(vl) ? toInt(scalar(vl["vlan-id"])) : undefined;
        if (isObject(vl) && id !== undefined) addLldpctlVlan(n, id, isYes(vl["pvid"]), scalar(vl["value"]));
        else flattenInto(n, key, vl);
      }
    } else flattenInto(n, key, v);
  }
  return n;
}

function jsonChassis(n: LldpNeighbor, chassis: Record<string, Json>): void {
  // Named chassis: {"<sysname>": {id, descr, …}}; without a system name lldpd writes the fields directly.
  let body = chassis;
  const id = chassis["id"];
  if (!(isObject(id) && "value" in id)) {
    const [name, inner] = Object.entries(chassis)[0] ?? [];
    if (name === undefined || !isObject(inner)) return;
    n.systemName = name;
    body = inner;
  }
  for (const [key, v] of Object.entries(body)) {
    if (key === "id" && isObject(v)) {
      n.chassisIdType = scalar(v["type"]);
      n.chassisId = scalar(v["value"]);
    } else if (key === "name") n.systemName = scalar(v);
    else if (key === "descr") n.systemDescr = scalar(v);
    else if (key === "mgmt-ip") for (const a of asList(v)) addMgmt(n, scalar(a) ?? "");
    else if (key === "ttl") n.ttl = toInt(scalar(v));
    else if (key === "capability") {
      for (const c of asList(v)) {
        const type = isObject(c) ? scalar(c["type"]) : undefined;
        if (isObject(c) && type !== undefined) addCapability(n, type, isYes(c["enabled"]));
        else flattenInto(n, "chassis.capability", c);
      }
    } else flattenInto(n, `chassis.${key}`, v);
  }
}

function jsonPort(n: LldpNeighbor, port: Record<string, Json>): void {
  for (const [key, v] of Object.entries(port)) {
    if (key === "id" && isObject(v)) {
      n.portIdType = scalar(v["type"]);
      n.portId = scalar(v["value"]);
    } else if (key === "descr") n.portDescr = scalar(v);
    else if (key === "ttl") n.ttl = toInt(scalar(v));
    else flattenInto(n, `port.${key}`, v);
  }
}

// ---------------------------------------------------------------------------------------------
// lldpctl -f keyvalue

const ID_SUBTYPES = new Set(["mac", "ip", "local", "ifname", "ifalias"]);
const TOP_KEYS = new Set([
  "via",
  "rid",
  "age",
  "chassis",
  "port",
  "vlan",
  "ppvid",
  "pi",
  "lldp-med",
  "unknown-tlvs",
]);

/** Interface names may contain dots (`eth0.100`): the name ends before the first known field. */
function splitIfaceKey(rest: string): [iface: string, sub: string] {
  const parts = rest.split(".");
  const at = parts.findIndex((p, i) => i > 0 && TOP_KEYS.has(p));
  if (at < 0) return [parts[0] ?? "", parts.slice(1).join(".")];
  return [parts.slice(0, at).join("."), parts.slice(at).join(".")];
}

/** `lldpctl -f keyvalue`: `lldp.<iface>.<path>=<value>`; a line without `key=` continues the value above. */
export function parseLldpctlKeyvalue(text: string): ParseResult<LldpNeighbor[]> {
  const issues: ParseIssue[] = [];
  const entries: { key: string; value: string }[] = [];
  splitLines(text).forEach((line, i) => {
    const m = /^lldp\.([^\s=]+)=(.*)$/.exec(line);
    const last = entries[entries.length - 1];
    if (m) entries.push({ key: m[1] ?? "", value: m[2] ?? "" });
    else if (/^[\w-]+(\.[^\s=]+)+=/.test(line))
      issues.push(issue(i + 1, "not an lldp.* key (ignored)", line));
    else if (last) last.value += `\n${line}`;
    else if (line.trim() !== "") issues.push(issue(i + 1, "continuation line without a key", line));
  });

  const out: LldpNeighbor[] = [];
  let n: LldpNeighbor | undefined;
  let vlan: { id: number; pvid: boolean; name?: string } | undefined;
  const flushVlan = (): void => {
    if (n && vlan) addLldpctlVlan(n, vlan.id, vlan.pvid, vlan.name);
    vlan = undefined;
  };
  for (const { key, value } of entries) {
    const [iface, sub] = splitIfaceKey(key);
    if (!n || n.iface !== iface || (sub === "via" && n.via !== undefined)) {
      flushVlan();
      n = newNeighbor(iface);
      out.push(n);
    }
    const [head, ...tail] = sub.split(".");
    const rest = tail.join(".");
    if (sub === "via") n.via = value;
    else if (head === "chassis" && ID_SUBTYPES.has(rest)) {
      n.chassisIdType = rest;
      n.chassisId = value;
    } else if (sub === "chassis.name") n.systemName = value;
    else if (sub === "chassis.descr") n.systemDescr = value;
    else if (sub === "chassis.mgmt-ip") addMgmt(n, value);
    else if (head === "chassis" && tail.length === 2 && tail[1] === "enabled") {
      addCapability(n, tail[0] ?? "", isYes(value));
    } else if (head === "port" && ID_SUBTYPES.has(rest)) {
      n.portIdType = rest;
      n.portId = value;
    } else if (sub === "port.descr") n.portDescr = value;
    else if (sub === "port.ttl" || sub === "chassis.ttl") n.ttl = toInt(value);
    else if (sub === "vlan.vlan-id") {
      flushVlan();
      const id = toInt(value);
      if (id !== undefined) vlan = { id, pvid: false };
      else addExtra(n, sub, value);
    } else if (sub === "vlan.pvid" && vlan) vlan.pvid = isYes(value);
    else if (sub === "vlan" && vlan) vlan.name = value;
    else addExtra(n, sub, value);
  }
  flushVlan();
  return { value: out, issues };
}

// ---------------------------------------------------------------------------------------------
// plain lldpctl

/** Plain `lldpctl`: one `Interface:` block per neighbour, `Key: value` lines nested by indentation. */
export function parseLldpctlText(text: string): ParseResult<LldpNeighbor[]> {
  const issues: ParseIssue[] = [];
  const out: LldpNeighbor[] = [];
  let n: LldpNeighbor | undefined;
  let stack: { indent: number; key: string }[] = [];
  // Where the last value started: deeper-indented lines without a key continue it (SysDescr).
  let last: { path: string; valueCol: number } | undefined;

  splitLines(text).forEach((line, i) => {
    if (line.trim() === "" || /^-+$/.test(line.trim()) || line.trim() === "LLDP neighbors:") {
      last = undefined;
      return;
    }
    const indent = line.length - line.trimStart().length;
    const head = /^Interface:\s+([^,]+),\s*via:\s*([^,]+)(?:,\s*RID:\s*(\d+))?(?:,\s*Time:\s*(.*))?$/.exec(
      line,
    );
    if (head) {
      n = newNeighbor(head[1]?.trim());
      n.via = head[2]?.trim();
      if (head[3]) n.extra["rid"] = head[3];
      if (head[4]) n.extra["age"] = head[4].trim();
      out.push(n);
      stack = [];
      last = undefined;
      return;
    }
    if (!n) {
      issues.push(issue(i + 1, "line before the first Interface: block ignored", line, "warning"));
      return;
    }
    if (last && indent >= last.valueCol) {
      textValue(n, last.path, line.trim(), true);
      return;
    }
    const kv = /^(\s*)([^:]+?):(\s*)(.*)$/.exec(line);
    if (!kv) {
      issues.push(issue(i + 1, "expected 'Key: value'", line));
      return;
    }
    const key = kv[2] ?? "";
    const value = (kv[4] ?? "").trim();
    stack = stack.filter((s) => s.indent < indent);
    stack.push({ indent, key });
    const path = stack.map((s) => s.key).join(".");
    last = value === "" ? undefined : { path, valueCol: indent + key.length + 1 + (kv[3] ?? "").length };
    if (value !== "") textValue(n, path, value, false);
  });
  return { value: out, issues };
}

function textValue(n: LldpNeighbor, path: string, value: string, continued: boolean): void {
  if (continued) {
    if (path === "Chassis.SysDescr") n.systemDescr = `${n.systemDescr ?? ""}\n${value}`;
    else addExtra(n, path, value);
    return;
  }
  const typed = /^(\S+)\s+(.*)$/.exec(value);
  switch (path) {
    case "Chassis.ChassisID":
      n.chassisIdType = typed?.[1];
      n.chassisId = typed?.[2] ?? value;
      return;
    case "Chassis.SysName":
      n.systemName = value;
      return;
    case "Chassis.SysDescr":
      n.systemDescr = value;
      return;
    case "Chassis.MgmtIP":
      addMgmt(n, value);
      return;
    case "Chassis.Capability": {
      const m = /^(.+),\s*(on|off)$/.exec(value);
      if (m) addCapability(n, m[1] ?? "", m[2] === "on");
      else addExtra(n, path, value);
      return;
    }
    case "Port.PortID":
      n.portIdType = typed?.[1];
      n.portId = typed?.[2] ?? value;
      return;
    case "Port.PortDescr":
      n.portDescr = value;
      return;
    case "Port.TTL":
    case "Chassis.TTL":
      n.ttl = toInt(value);
      return;
    case "VLAN": {
      const m = /^(\d+)(?:,\s*pvid:\s*(yes|no))?\s*(.*)$/.exec(value);
      if (m) addLldpctlVlan(n, Number(m[1]), m[2] === "yes", m[3] === "" ? undefined : m[3]);
      else addExtra(n, path, value);
      return;
    }
    default:
      addExtra(n, path, value);
  }
}

// ---------------------------------------------------------------------------------------------
// access or trunk?

export interface LldpPortMode {
  mode: "access" | "trunk" | "unknown";
  reason: string;
  /** Expected VLANs the port cannot be shown to carry (only when the mode is known). */
  missing?: number[];
}

/** `319-328, 330`: short VLAN lists for reasons. */
function formatIds(ids: number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i] as number;
    let end = start;
    while (sorted[i + 1] === end + 1) end = sorted[++i] as number;
    parts.push(end === start ? String(start) : `${start}-${end}`);
  }
  return parts.join(", ");
}

/**
 * Access or trunk, from what the switch advertised, and why. The guide's NB rules this: a trunk
 * port may look exactly like a port without VLAN settings, so PVID 1 with no VLAN list stays
 * "unknown"; the classifier never guesses beyond what the TLVs say.
 */
export function lldpPortMode(n: LldpNeighbor, expectedVlans?: number[]): LldpPortMode {
  const listed = [...new Set(n.vlans.map((v) => v.id))];
  const native = n.pvid ?? n.vlans.find((v) => v.pvid)?.id;
  const carried = native === undefined ? listed : [...new Set([...listed, native])];
  const expected = expectedVlans && expectedVlans.length > 0 ? expectedVlans : undefined;
  const verdict = (mode: LldpPortMode["mode"], reason: string): LldpPortMode => {
    if (!expected) return { mode, reason };
    if (mode === "unknown") {
      return { mode, reason: `${reason}; cannot confirm the expected VLANs ${formatIds(expected)}` };
    }
    const missing = expected.filter((v) => !carried.includes(v));
    const tail =
      missing.length === 0
        ? `all expected VLANs ${formatIds(expected)} are on the port`
        : `expected VLANs not on the port: ${formatIds(missing)}`;
    return { mode, reason: `${reason}; ${tail}`, missing };
  };

  if (listed.length >= 2) {
    const nat = native === undefined ? "" : `, native VLAN (PVID) ${native}`;
    return verdict("trunk", `switch advertises ${listed.length} VLANs (${formatIds(listed)})${nat}`);
  }
  if (listed.length === 1) {
    const only = listed[0] as number;
    if (native === only) return verdict("access", `switch advertises only VLAN ${only}, and it is the PVID`);
    if (native === undefined) {
      return verdict(
        "unknown",
        `switch advertises only VLAN ${only} and no PVID: tagged on a trunk or access`,
      );
    }
    return verdict("trunk", `switch advertises VLAN ${only} besides native VLAN (PVID) ${native}`);
  }
  if (native === undefined) return verdict("unknown", "no PVID and no VLAN list in the advertisement");
  if (native === 1) {
    return verdict(
      "unknown",
      "PVID 1 and no VLAN list: a trunk port looks the same as a port without VLAN settings (trunk or untagged)",
    );
  }
  return verdict(
    "access",
    `only PVID ${native}, no VLAN list: access port in VLAN ${native} as in the guide's example ` +
      `(the switch sends no VLAN list that would show tagged VLANs)`,
  );
}
