/**
 * iproute2 outputs: `ip addr` / `ip link` (text with -d, -s, -o, and JSON with -j), `ip netns`, `ip route`,
 * `ip rule`. Text and JSON give the same IpLink model so checks never care which one was collected.
 */
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

export interface IpAddr {
  family: "inet" | "inet6";
  local: string;
  prefixlen: number;
  /** Point-to-point peer (`inet 10.0.0.1 peer 10.0.0.2/32`). */
  peer?: string;
  brd?: string;
  scope?: string;
  /** IPv4 label: the device name, or an alias such as `eth0:1`. */
  label?: string;
  dynamic?: boolean;
  /** As text prints them: `forever` or `86355sec` (JSON seconds are converted to this form). */
  validLft?: string;
  preferredLft?: string;
  /** Flags and fields not modelled: text tokens as written (`nodad`, `secondary`), JSON as `key=<json>`. */
  extra: string[];
}

export interface IpCounters {
  bytes: number;
  packets: number;
  errors: number;
  dropped: number;
  /** Other columns under their printed names (`overrun`, `mcast`, `carrier`; JSON: `over_errors`, …). */
  other: Record<string, number>;
}

export interface IpLink {
  index?: number;
  name: string;
  /** The part after `@`: `if2` (peer in another namespace), `qvbXXX` (veth peer here), `NONE`. */
  peer?: string;
  peerIfindex?: number;
  flags: string[];
  /** Administratively up (UP flag). */
  up: boolean;
  /** Carrier present (LOWER_UP flag). */
  lowerUp: boolean;
  mtu?: number;
  qdisc?: string;
  master?: string;
  /** Operational state: UP, DOWN, UNKNOWN, LOWERLAYERDOWN. */
  state?: string;
  mode?: string;
  group?: string;
  qlen?: number;
  mac?: string;
  /** `ether`, `loopback`, `none`, … (the `link/<type>` word). */
  linkType?: string;
  /** From -d: veth, openvswitch, tun, bridge, vxlan, vlan, … */
  kind?: string;
  /** From -d, as JSON names it: `bridge`, `openvswitch`, `bond` (text prints `bridge_slave`). */
  slaveKind?: string;
  /** 802.1Q id of a `vlan` kind device. */
  vlanId?: number;
  linkNetnsid?: number;
  /** `link-netns <name>` (text only: ip resolves the nsid to a name when it can). */
  linkNetns?: string;
  addrs: IpAddr[];
  stats?: { rx: IpCounters; tx: IpCounters };
  /** Text: unparsed parts of lines, verbatim; JSON: `key=<json>` for keys not modelled. */
  extra: string[];
  /** 1-based line of the header (text only). */
  line?: number;
  /** Known only from an address line (`ip -o addr`, a grep'd `inet` line): flags and state are unknown. */
  partial?: true;
}

const LINK_HEADER = /^(\d+):\s+([^\s:@]+)(?:@([^\s:]+))?:\s+<([^>]*)>\s*(.*)$/;
/** `ip -o addr` record: `2: eth0    inet 10.0.0.1/24 …` (no flags, no colon after the name). */
const ONELINE_ADDR = /^(\d+):\s+([^\s:@]+)(?:@\S+)?\s+(inet6?)\s+(.*)$/;
const ADDRESS = /^[0-9a-fA-F:.]+(?:\/\d+)?$/;
const LIFETIME_FOREVER = 4294967295;

export interface IfHeader {
  index: number;
  name: string;
  peer?: string;
  peerIfindex?: number;
  flags: string[];
  /** Text after `<FLAGS>`. */
  rest: string;
}

/** The `N: name[@peer]: <FLAGS> …` header shared by `ip link`, `ip addr` and `bridge link`. */
export function parseIfHeader(line: string): IfHeader | undefined {
  const m = LINK_HEADER.exec(line.trim());
  if (!m) return undefined;
  const header: IfHeader = {
    index: Number(m[1]),
    name: m[2]!,
    flags: m[4]!.split(",").filter((f) => f !== ""),
    rest: m[5]!.trim(),
  };
  if (m[3] !== undefined) {
    header.peer = m[3];
    const ifindex = /^if(\d+)$/.exec(m[3]);
    if (ifindex) header.peerIfindex = Number(ifindex[1]);
  }
  return header;
}

/** A logical line: text pasted from blogs uses NBSP for indentation and `\` to wrap long lines. */
interface Logical {
  line: number;
  text: string;
}

function logicalLines(text: string): Logical[] {
  const out: Logical[] = [];
  const raw = splitLines(text.replace(/\u00a0/g, " "));
  for (let i = 0; i < raw.length; i++) {
    const start = i + 1;
    let cur = raw[i]!.trimEnd();
    while (cur.endsWith("\\") && i + 1 < raw.length) {
      i++;
      cur = `${cur.slice(0, -1).trimEnd()} ${raw[i]!.trim()}`.trimEnd();
    }
    // `ip -o` prints a backslash where a newline would be.
    for (const part of cur.replace(/\\$/, "").split(/\\(?=\s)/)) out.push({ line: start, text: part });
  }
  return out;
}

function num(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** Header remainder: `mtu 1500 qdisc mq master ovs-system state UP mode DEFAULT group default qlen 1000`. */
function applyHeaderRest(link: IpLink, rest: string): void {
  const t = rest.split(/\s+/).filter((x) => x !== "");
  const unknown: string[] = [];
  for (let i = 0; i < t.length; i++) {
    const key = t[i]!;
    const value = t[i + 1];
    const n = num(value);
    if (key === "mtu" && n !== undefined) link.mtu = n;
    else if (key === "qlen" && n !== undefined) link.qlen = n;
    else if (
      value !== undefined &&
      (key === "qdisc" || key === "master" || key === "state" || key === "mode" || key === "group")
    )
      link[key] = value;
    else {
      unknown.push(key);
      continue;
    }
    i++;
  }
  if (unknown.length > 0) link.extra.push(unknown.join(" "));
}

/** `link/ether MAC brd MAC [link-netnsid N | link-netns NAME] promiscuity …`. */
function applyLinkLine(link: IpLink, text: string): void {
  const t = text.split(/\s+/);
  link.linkType = t[0]!.slice("link/".length);
  let i = 1;
  if (t[i] !== undefined && /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2})+$/.test(t[i]!)) link.mac = t[i++];
  const unknown: string[] = [];
  for (; i < t.length; i++) {
    const key = t[i]!;
    const n = num(t[i + 1]);
    if (key === "link-netnsid" && n !== undefined) {
      link.linkNetnsid = n;
      i++;
    } else if (key === "link-netns" && t[i + 1] !== undefined) {
      link.linkNetns = t[++i];
    } else unknown.push(key);
  }
  if (unknown.length > 0) link.extra.push(unknown.join(" "));
}

/** Address flags iproute2 prints between `scope` and the IPv4 label. */
const ADDR_FLAG_WORDS = new Set([
  "secondary",
  "temporary",
  "nodad",
  "optimistic",
  "dadfailed",
  "home",
  "deprecated",
  "tentative",
  "permanent",
  "mngtmpaddr",
  "noprefixroute",
  "autojoin",
  "stable-privacy",
]);

const ADDR_FLAGS_WITH_VALUE = new Set(["peer", "brd", "scope", "metric", "proto"]);

/** `inet 10.0.0.1/24 brd 10.0.0.255 scope global dynamic eth0`; undefined when the address itself is missing. */
function parseAddrLine(text: string): IpAddr | undefined {
  const t = text.split(/\s+/);
  const family = t[0] as "inet" | "inet6";
  const local = t[1];
  if (local === undefined || !ADDRESS.test(local) || !/[.:]/.test(local)) return undefined;
  const [addr, plen] = local.split("/");
  const a: IpAddr = {
    family,
    local: addr!,
    prefixlen: plen !== undefined ? Number(plen) : family === "inet" ? 32 : 128,
    extra: [],
  };
  const rest = t.slice(2);
  for (let i = 0; i < rest.length; i++) {
    const key = rest[i]!;
    const value = rest[i + 1];
    if (ADDR_FLAGS_WITH_VALUE.has(key) && value !== undefined) {
      if (key === "peer") {
        const [p, pl] = value.split("/");
        a.peer = p;
        if (plen === undefined && pl !== undefined) a.prefixlen = Number(pl);
      } else if (key === "brd") a.brd = value;
      else if (key === "scope") a.scope = value;
      else a.extra.push(`${key} ${value}`);
      i++;
    } else if (key === "dynamic") a.dynamic = true;
    else if (family === "inet" && i === rest.length - 1 && !ADDR_FLAG_WORDS.has(key)) a.label = key;
    else a.extra.push(key);
  }
  return a;
}

function applyLifetimes(a: IpAddr, text: string): void {
  const m = /^valid_lft\s+(\S+)\s+preferred_lft\s+(\S+)\s*$/.exec(text);
  if (m) {
    a.validLft = m[1];
    a.preferredLft = m[2];
  } else a.extra.push(text);
}

function emptyCounters(): IpCounters {
  return { bytes: 0, packets: 0, errors: 0, dropped: 0, other: {} };
}

function setCounter(c: IpCounters, name: string, value: number): void {
  if (name === "bytes" || name === "packets" || name === "errors" || name === "dropped") c[name] = value;
  else c.other[name] = value;
}

/** Words that open an indented line of a link block and are not a -d kind. */
const NOT_KIND = new Set(["inet", "inet6", "valid_lft", "altname", "alias", "vf", "prop"]);

/**
 * `ip a`, `ip addr show`, `ip -d address`, `ip -o addr`, `ip link`, `ip -d link`, `ip -s -d link`,
 * including grep'd subsets, blog pastes with NBSP indentation and `\`-wrapped lines.
 */
export function parseIpAddr(text: string): ParseResult<IpLink[]> {
  const links: IpLink[] = [];
  const issues: ParseIssue[] = [];
  let cur: IpLink | undefined;
  let lastAddr: IpAddr | undefined;
  let pendingStats: { dir: "rx" | "tx"; names: string[] } | undefined;

  const findOrAdd = (name: string, index?: number): IpLink => {
    let l = links.find(
      (x) => x.name === name && (index === undefined || x.index === undefined || x.index === index),
    );
    if (!l) {
      l = { name, flags: [], up: false, lowerUp: false, addrs: [], extra: [], partial: true };
      if (index !== undefined) l.index = index;
      links.push(l);
    }
    return l;
  };

  const addAddr = (link: IpLink, lineNo: number, body: string): void => {
    const a = parseAddrLine(body);
    if (a) {
      link.addrs.push(a);
      lastAddr = a;
    } else {
      // Kept as evidence that an address existed even though its value was lost (blog copies).
      link.extra.push(body);
      lastAddr = undefined;
      issues.push(issue(lineNo, `${link.name}: address line without an address`, body, "warning"));
    }
  };

  for (const { line, text: raw } of logicalLines(text)) {
    const t = raw.trim();
    if (t === "") continue;

    if (pendingStats) {
      const p = pendingStats;
      pendingStats = undefined;
      const values = t.split(/\s+/);
      if (cur && values.every((v) => /^\d+$/.test(v))) {
        cur.stats ??= { rx: emptyCounters(), tx: emptyCounters() };
        const c = cur.stats[p.dir];
        p.names.forEach((n, i) => {
          if (values[i] !== undefined) setCounter(c, n, Number(values[i]));
        });
        continue;
      }
      issues.push(issue(line, "expected counter values after the RX:/TX: header", raw));
    }

    const header = parseIfHeader(t);
    if (header) {
      cur = {
        index: header.index,
        name: header.name,
        flags: header.flags,
        up: header.flags.includes("UP"),
        lowerUp: header.flags.includes("LOWER_UP"),
        addrs: [],
        extra: [],
        line,
      };
      if (header.peer !== undefined) cur.peer = header.peer;
      if (header.peerIfindex !== undefined) cur.peerIfindex = header.peerIfindex;
      applyHeaderRest(cur, header.rest);
      // A link already met through `ip -o addr` keeps its addresses.
      const known = links.findIndex((x) => x.partial && x.name === header.name);
      if (known >= 0) {
        cur.addrs = links[known]!.addrs;
        links[known] = cur;
      } else links.push(cur);
      lastAddr = undefined;
      continue;
    }

    const oneline = ONELINE_ADDR.exec(t);
    if (oneline) {
      cur = findOrAdd(oneline[2]!, Number(oneline[1]));
      addAddr(cur, line, `${oneline[3]} ${oneline[4]}`);
      continue;
    }

    const word = t.split(/\s+/, 1)[0]!;
    if (word === "inet" || word === "inet6") {
      if (cur) {
        addAddr(cur, line, t);
        continue;
      }
      // A grep'd `inet` line: the IPv4 label names the device.
      const a = parseAddrLine(t);
      if (a?.label !== undefined) {
        cur = findOrAdd(a.label.split(":")[0]!);
        cur.addrs.push(a);
        lastAddr = a;
      } else issues.push(issue(line, "address line outside any link", raw));
      continue;
    }

    if (!cur) {
      issues.push(issue(line, "not an ip link/addr line", raw));
      continue;
    }

    const statsHeader = /^(RX|TX)(?::| errors:)\s+(.*)$/.exec(t);
    if (word === "valid_lft") {
      if (lastAddr) applyLifetimes(lastAddr, t);
      else cur.extra.push(t);
    } else if (word.startsWith("link/")) {
      applyLinkLine(cur, t);
    } else if (statsHeader) {
      // `RX errors:` (ip -s -s) is a second header whose values still belong to the same direction.
      pendingStats = { dir: statsHeader[1] === "RX" ? "rx" : "tx", names: statsHeader[2]!.split(/\s+/) };
    } else if (!NOT_KIND.has(word) && /^[a-z][a-z0-9_]*$/.test(word) && cur.addrs.length === 0) {
      const rest = t.slice(word.length).trim();
      if (word.endsWith("_slave")) cur.slaveKind = word.slice(0, -"_slave".length);
      else if (cur.kind === undefined) {
        cur.kind = word;
        const id = /(?:^|\s)id (\d+)/.exec(rest);
        if (word === "vlan" && id) cur.vlanId = Number(id[1]);
      } else {
        cur.extra.push(t);
        continue;
      }
      if (rest !== "") cur.extra.push(rest);
    } else cur.extra.push(t);
  }
  if (pendingStats) issues.push(issue(0, "RX:/TX: header without values at the end of the input"));
  return { value: links, issues };
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function jsonExtra(obj: Json, known: ReadonlySet<string>): string[] {
  return Object.entries(obj)
    .filter(([k]) => !known.has(k))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
}

function lifetime(v: unknown): string | undefined {
  if (typeof v !== "number") return undefined;
  return v === LIFETIME_FOREVER ? "forever" : `${v}sec`;
}

const JSON_ADDR_KEYS = new Set([
  "family",
  "local",
  "prefixlen",
  "address",
  "broadcast",
  "scope",
  "label",
  "dynamic",
  "valid_life_time",
  "preferred_life_time",
]);

function jsonAddr(o: Json): IpAddr | undefined {
  if (
    (o.family !== "inet" && o.family !== "inet6") ||
    typeof o.local !== "string" ||
    typeof o.prefixlen !== "number"
  )
    return undefined;
  const a: IpAddr = {
    family: o.family,
    local: o.local,
    prefixlen: o.prefixlen,
    extra: jsonExtra(o, JSON_ADDR_KEYS),
  };
  if (typeof o.address === "string") a.peer = o.address;
  if (typeof o.broadcast === "string") a.brd = o.broadcast;
  if (typeof o.scope === "string") a.scope = o.scope;
  if (typeof o.label === "string") a.label = o.label;
  if (o.dynamic === true) a.dynamic = true;
  const valid = lifetime(o.valid_life_time);
  const preferred = lifetime(o.preferred_life_time);
  if (valid !== undefined) a.validLft = valid;
  if (preferred !== undefined) a.preferredLft = preferred;
  return a;
}

function jsonCounters(o: unknown): IpCounters {
  const c = emptyCounters();
  if (isObject(o)) for (const [k, v] of Object.entries(o)) if (typeof v === "number") setCounter(c, k, v);
  return c;
}

const JSON_LINK_KEYS = new Set([
  "ifindex",
  "ifname",
  "link",
  "link_index",
  "link_netnsid",
  "flags",
  "mtu",
  "qdisc",
  "master",
  "operstate",
  "linkmode",
  "group",
  "txqlen",
  "link_type",
  "address",
  "linkinfo",
  "addr_info",
  "stats64",
  "stats",
]);

function jsonLink(o: Json): IpLink {
  const flags = Array.isArray(o.flags) ? o.flags.filter((f): f is string => typeof f === "string") : [];
  const link: IpLink = {
    name: String(o.ifname),
    flags,
    up: flags.includes("UP"),
    lowerUp: flags.includes("LOWER_UP"),
    addrs: [],
    extra: jsonExtra(o, JSON_LINK_KEYS),
  };
  if (typeof o.ifindex === "number") link.index = o.ifindex;
  // Text prints `@NONE` where JSON has "link": null, and `@ifN` where JSON has only link_index.
  if (typeof o.link === "string") link.peer = o.link;
  else if (o.link === null) link.peer = "NONE";
  if (typeof o.link_index === "number") {
    link.peerIfindex = o.link_index;
    link.peer ??= `if${o.link_index}`;
  }
  if (typeof o.link_netnsid === "number") link.linkNetnsid = o.link_netnsid;
  if (typeof o.mtu === "number") link.mtu = o.mtu;
  if (typeof o.qdisc === "string") link.qdisc = o.qdisc;
  if (typeof o.master === "string") link.master = o.master;
  if (typeof o.operstate === "string") link.state = o.operstate;
  if (typeof o.linkmode === "string") link.mode = o.linkmode;
  if (typeof o.group === "string") link.group = o.group;
  if (typeof o.txqlen === "number") link.qlen = o.txqlen;
  if (typeof o.link_type === "string") link.linkType = o.link_type;
  if (typeof o.address === "string") link.mac = o.address;
  if (isObject(o.linkinfo)) {
    const li = o.linkinfo;
    if (typeof li.info_kind === "string") link.kind = li.info_kind;
    if (typeof li.info_slave_kind === "string") link.slaveKind = li.info_slave_kind;
    if (link.kind === "vlan" && isObject(li.info_data) && typeof li.info_data.id === "number")
      link.vlanId = li.info_data.id;
    link.extra.push(...jsonExtra(li, new Set(["info_kind", "info_slave_kind"])).map((e) => `linkinfo.${e}`));
  }
  if (Array.isArray(o.addr_info))
    for (const a of o.addr_info)
      if (isObject(a)) {
        const addr = jsonAddr(a);
        if (addr) link.addrs.push(addr);
        else link.extra.push(`addr_info=${JSON.stringify(a)}`);
      }
  const stats = o.stats64 ?? o.stats;
  if (isObject(stats)) link.stats = { rx: jsonCounters(stats.rx), tx: jsonCounters(stats.tx) };
  return link;
}

/** `ip -j [-d] [-s] addr` / `ip -j link`. */
export function parseIpJson(text: string): ParseResult<IpLink[]> {
  const issues: ParseIssue[] = [];
  // Tolerate a prompt or a banner around the array.
  const start = text.indexOf("[");
  const end = text.lastIndexOf("]");
  if (start < 0 || end < start) return { value: [], issues: [issue(0, "no JSON array found")] };
  let data: unknown;
  try {
    data = JSON.parse(text.slice(start, end + 1));
  } catch (e) {
    return { value: [], issues: [issue(0, `invalid JSON: ${(e as Error).message}`)] };
  }
  const links: IpLink[] = [];
  (data as unknown[]).forEach((o, i) => {
    // Some iproute2 versions print `{}` for links an address filter left out.
    if (isObject(o) && Object.keys(o).length === 0) return;
    if (isObject(o) && typeof o.ifname === "string") links.push(jsonLink(o));
    else issues.push(issue(0, `array element ${i} is not a link object`, JSON.stringify(o)));
  });
  return { value: links, issues };
}

export interface IpNetns {
  name: string;
  id?: number;
}

/** `ip netns` / `ip netns list`, with or without `(id: N)`. */
export function parseIpNetns(text: string): ParseResult<IpNetns[]> {
  const value: IpNetns[] = [];
  const issues: ParseIssue[] = [];
  splitLines(text).forEach((raw, i) => {
    const t = raw.trim();
    if (t === "") return;
    const m = /^(\S+)(?:\s+\(id:\s*(\d+)\))?$/.exec(t);
    if (!m) {
      issues.push(issue(i + 1, "not a namespace line", raw));
      return;
    }
    value.push(m[2] !== undefined ? { name: m[1]!, id: Number(m[2]) } : { name: m[1]! });
  });
  return { value, issues };
}

export interface IpNexthop {
  via?: string;
  dev?: string;
  weight?: number;
  extra: string[];
}

export interface IpRoute {
  line: number;
  /** unicast is implied when absent; `local`, `broadcast`, `multicast`, `unreachable`, `blackhole`, … */
  type?: string;
  /** `default` or an address/prefix as printed. */
  dst: string;
  via?: string;
  dev?: string;
  table?: string;
  proto?: string;
  scope?: string;
  src?: string;
  metric?: number;
  /** Multipath routes: the indented `nexthop` lines. */
  nexthops?: IpNexthop[];
  /** Unmodelled keywords as written: `pref medium`, `linkdown`, `mtu lock 1400`. */
  extra: string[];
}

const ROUTE_TYPES = new Set([
  "unicast",
  "local",
  "broadcast",
  "multicast",
  "throw",
  "unreachable",
  "prohibit",
  "blackhole",
  "nat",
  "anycast",
]);
const ROUTE_KEYS = new Set(["via", "dev", "table", "proto", "scope", "src", "metric"]);
/** Keywords that take one value, kept together in `extra`. */
const ROUTE_PAIRS = new Set([
  "pref",
  "expires",
  "hoplimit",
  "advmss",
  "weight",
  "realm",
  "realms",
  "nhid",
  "tos",
  "rtt",
]);

/** Reads `key value` tokens into `target`; `via inet6 fe80::1` keeps the family word out of the value. */
function routeTokens(t: string[], assign: (key: string, value: string) => boolean, extra: string[]): void {
  for (let i = 0; i < t.length; i++) {
    const key = t[i]!;
    let value = t[i + 1];
    if (key === "via" && (value === "inet" || value === "inet6") && t[i + 2] !== undefined) {
      value = t[i + 2];
      i++;
    }
    if (value !== undefined && assign(key, value)) i++;
    else if (value !== undefined && ROUTE_PAIRS.has(key)) {
      extra.push(`${key} ${value}`);
      i++;
    } else if (key === "mtu" && value === "lock" && t[i + 2] !== undefined) {
      extra.push(`mtu lock ${t[i + 2]}`);
      i += 2;
    } else extra.push(key);
  }
}

/** `ip route`, `ip route show table all`, `ip -6 route`, old iproute2 with double spaces. */
export function parseIpRoute(text: string): ParseResult<IpRoute[]> {
  const value: IpRoute[] = [];
  const issues: ParseIssue[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const t = raw
      .trim()
      .split(/\s+/)
      .filter((x) => x !== "");
    if (t.length === 0) return;
    if (t[0] === "nexthop") {
      const prev = value[value.length - 1];
      if (!prev) {
        issues.push(issue(line, "nexthop line without a route", raw));
        return;
      }
      const nh: IpNexthop = { extra: [] };
      routeTokens(
        t.slice(1),
        (k, v) => {
          if (k === "via" || k === "dev") nh[k] = v;
          else if (k === "weight" && /^\d+$/.test(v)) nh.weight = Number(v);
          else return false;
          return true;
        },
        nh.extra,
      );
      prev.nexthops ??= [];
      prev.nexthops.push(nh);
      return;
    }
    let k = 0;
    const type = ROUTE_TYPES.has(t[0]!) ? t[k++] : undefined;
    const dst = t[k++];
    if (dst === undefined || (dst !== "default" && !ADDRESS.test(dst))) {
      issues.push(issue(line, "not a route line", raw));
      return;
    }
    const r: IpRoute = { line, dst, extra: [] };
    if (type !== undefined) r.type = type;
    routeTokens(
      t.slice(k),
      (key, v) => {
        if (!ROUTE_KEYS.has(key)) return false;
        if (key === "metric") {
          if (!/^\d+$/.test(v)) return false;
          r.metric = Number(v);
        } else r[key as "via" | "dev" | "table" | "proto" | "scope" | "src"] = v;
        return true;
      },
      r.extra,
    );
    value.push(r);
  });
  return { value, issues };
}

export interface IpRule {
  line: number;
  priority: number;
  not?: boolean;
  from?: string;
  to?: string;
  iif?: string;
  oif?: string;
  fwmark?: string;
  /** `lookup <table>` (printed as `table` by very old iproute2). */
  table?: string;
  /** Non-lookup action: `unreachable`, `blackhole`, `prohibit`, `nop`, `goto N`. */
  action?: string;
  proto?: string;
  extra: string[];
}

const RULE_ACTIONS = new Set(["unreachable", "blackhole", "prohibit", "nop"]);

/** `ip rule` / `ip rule list` / `ip -4 rule list`. */
export function parseIpRule(text: string): ParseResult<IpRule[]> {
  const value: IpRule[] = [];
  const issues: ParseIssue[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "") return;
    const m = /^\s*(\d+):\s*(.*)$/.exec(raw);
    if (!m) {
      issues.push(issue(line, "not a rule line", raw));
      return;
    }
    const r: IpRule = { line, priority: Number(m[1]), extra: [] };
    const t = m[2]!.split(/\s+/).filter((x) => x !== "");
    for (let k = 0; k < t.length; k++) {
      const key = t[k]!;
      const v = t[k + 1];
      if (key === "not") r.not = true;
      else if (RULE_ACTIONS.has(key)) r.action = key;
      else if (v === undefined) r.extra.push(key);
      else {
        if (
          key === "from" ||
          key === "to" ||
          key === "iif" ||
          key === "oif" ||
          key === "fwmark" ||
          key === "proto"
        )
          r[key] = v;
        else if (key === "lookup" || key === "table") r.table = v;
        else if (key === "goto") r.action = `goto ${v}`;
        else {
          r.extra.push(key);
          continue;
        }
        k++;
      }
    }
    value.push(r);
  });
  return { value, issues };
}
