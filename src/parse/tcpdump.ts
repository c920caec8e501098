/**
 * tcpdump's one-line packet summaries, as a live capture prints them (`tcpdump -e -n -c N -i <dev>`)
 * and as operators paste them: with or without `-e` (link-level header: MACs, 802.1Q/QinQ tags),
 * `-n`, `-v` (IP header in parens, addresses on an indented continuation line), `-i any` (cooked
 * capture: interface and direction before the packet), `-#` packet numbers, and the VXLAN outer
 * packet followed by its inner frame on the next line. Protocol details beyond ICMP echo, ARP and
 * ports stay in `text`.
 */
import { isPasteNoise } from "./ofctl-flows.js";
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

export interface TcpdumpIcmp {
  /** `echo request`, `echo reply`, or the rest of tcpdump's ICMP summary as printed. */
  type: "echo request" | "echo reply" | (string & {});
  id?: number;
  seq?: number;
}

export interface TcpdumpArp {
  /** `request` (who-has), `reply` (is-at), or tcpdump's word(s) for other operations, lower-cased. */
  op: "request" | "reply" | (string & {});
  senderIp?: string;
  senderMac?: string;
  targetIp?: string;
  targetMac?: string;
}

export interface TcpdumpPacket {
  /** Timestamp as printed (`01:43:25.830115`, `2010-10-02 03:00:34.141848` with -tttt); absent with -t. */
  time?: string;
  /** The capture interface: the cooked header's (`-i any`), else the `listening on` banner's. */
  iface?: string;
  /** `-i any` only: `In`, `Out`, `B` (broadcast), `M` (multicast), `P` (to another host). */
  direction?: string;
  /** With -e. On `-i any` only the sender's address is known. */
  srcMac?: string;
  dstMac?: string;
  /** 802.1Q/802.1ad VLAN IDs, outermost first (with -e; tcpdump does not show tags without it). */
  vlans: number[];
  /** EtherType of the payload after any VLAN tags, `0x0800` as printed (with -e). */
  ethertype?: string;
  /** Frame length tcpdump reports after the link header (with -e; includes the cooked header on `-i any`). */
  length?: number;
  src?: string;
  dst?: string;
  /** Transport ports; a name (`vxlan`, `http`) when tcpdump resolved it. */
  srcPort?: number | string;
  dstPort?: number | string;
  /** -v IP header fields `(tos 0x0, ttl 64, …, proto ICMP (1), length 84)`, name -> value as printed. */
  ipHeader?: Record<string, string>;
  /** `ICMP`, `ICMP6`, `TCP`, `UDP` (from the summary or the -v header), `ARP`, or the first word for other frames (`LLDP`). */
  proto?: string;
  icmp?: TcpdumpIcmp;
  arp?: TcpdumpArp;
  /** VXLAN network identifier of an encapsulating packet. */
  vni?: number;
  /** The encapsulated frame tcpdump printed after a VXLAN header. */
  inner?: TcpdumpPacket;
  /** The IP addresses were lost from the printed text (blog pastes of -v output), not absent from the packet. */
  addressesUnknown?: true;
  /** The packet's lines as printed (its continuation lines included, the inner frame's not). */
  text: string;
  line: number;
}

export interface TcpdumpCapture {
  packets: TcpdumpPacket[];
  /** Interface and link type of the last `listening on` / `reading from file` banner. */
  iface?: string;
  linkType?: string;
  /** tcpdump's closing counters; summed when the text holds several captures. */
  captured?: number;
  received?: number;
  dropped?: number;
  droppedByInterface?: number;
  /** Other `tcpdump:` lines (warnings, errors), as printed. */
  messages: { line: number; text: string }[];
}

const MAC = "[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}";
const TIME_RE =
  /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{1,2}:\d{2}:\d{2}(?:\.\d+)?|\d{9,}\.\d+) (.*)$/;
/** `tcpdump -#` (and tcpdump's own test outputs) put the packet number first. */
const NUMBERED_RE = /^\s*\d+\s+(?=\d)/;
const BANNER_RE = /^(?:tcpdump: )?(?:listening on (\S+?),|reading from file .*?,) link-type (\S+)/;
const COUNTER_RE =
  /^(?:\^C)?(\d+) packets? (captured|received by filter|dropped by kernel|dropped by interface)\s*$/;
const ETHER_RE = new RegExp(`^(${MAC}) > (${MAC}), ([^,]*), length (\\d+): ?(.*)$`);
/** Cooked capture (`-i any`): `ndtcp-va Out ifindex 34 76:bc:… ethertype ARP (0x0806), length 48: …` with -e. */
const COOKED_E_RE = new RegExp(
  `^(?:(\\S+) )?(In|Out|B|M|P) +(?:ifindex \\d+ )?(?:(${MAC}) )?(ethertype [^,]*), length (\\d+): ?(.*)$`,
);
const COOKED_RE = /^(\S+) (In|Out|B|M|P) +(.*)$/;
const ETHERTYPE_RE = /^ethertype (.+?)(?: \((0x[0-9a-fA-F]+)\))?$/;
const VLAN_RE = /^vlan (\d+), p \d+(?:, DEI)?, (ethertype [^,]*|LLC|802\.3), ?(.*)$/;
/** Older tcpdump omits the hex after the name. */
const ETHERTYPE_BY_NAME: Record<string, string> = {
  IPv4: "0x0800",
  ARP: "0x0806",
  IPv6: "0x86dd",
  "802.1Q": "0x8100",
  "802.1Q-QinQ": "0x88a8",
  LLDP: "0x88cc",
};
const VLAN_TPIDS = new Set(["0x8100", "0x88a8", "0x9100"]);
const IPV4_RE = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** What a packet still expects from the following lines. */
interface Pending {
  pkt: TcpdumpPacket;
  /** -v: the header was printed, `src > dst: …` comes on the next line. */
  awaitsAddrs: boolean;
  /** VXLAN: the inner frame comes on the next line. */
  awaitsInner: boolean;
}

function newPacket(text: string, line: number): TcpdumpPacket {
  return { vlans: [], text, line };
}

/** `10.0.0.1.41746` -> address and port; IPv6 has one more dot when it carries a port (four when v4-mapped). */
function splitEndpoint(token: string): { addr: string; port?: number | string } {
  const dot = token.lastIndexOf(".");
  const head = token.slice(0, dot);
  const dots = token.split(".").length - 1;
  const hasPort = token.includes(":") ? dots === 1 || dots === 4 : dots === 4 && IPV4_RE.test(head);
  if (!hasPort) return { addr: token };
  const port = token.slice(dot + 1);
  return { addr: head, port: /^\d+$/.test(port) ? Number(port) : port };
}

/** Split at `, ` outside parens and brackets: `(tos 0x0, flags [DF], proto ICMP (1))`. */
function splitItems(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(" || c === "[") depth++;
    else if ((c === ")" || c === "]") && depth > 0) depth--;
    else if (c === "," && depth === 0 && s[i + 1] === " ") {
      out.push(s.slice(start, i));
      start = i + 2;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** Index of the paren closing the one at `open`, or -1. */
function closingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === "(") depth++;
    else if (s[i] === ")" && --depth === 0) return i;
  }
  return -1;
}

function ethertypeOf(text: string): string | undefined {
  const m = ETHERTYPE_RE.exec(text);
  if (m === null) return undefined;
  const [, name = "", hex] = m;
  return hex?.toLowerCase() ?? ETHERTYPE_BY_NAME[name] ?? name;
}

/** The transport summary after `src > dst: ` (or after a lost `>`). Returns true when an inner frame follows. */
function readTransport(pkt: TcpdumpPacket, s: string): boolean {
  const icmp = /^(ICMP6?),? (.*)$/.exec(s);
  if (icmp !== null) {
    pkt.proto = icmp[1];
    const [type = "", ...rest] = splitItems(icmp[2] ?? "");
    pkt.icmp = { type };
    for (const item of rest) {
      const m = /^(id|seq) (\d+)$/.exec(item);
      if (m !== null) pkt.icmp[m[1] as "id" | "seq"] = Number(m[2]);
    }
    return false;
  }
  if (s.startsWith("Flags [")) pkt.proto = "TCP";
  else if (/^UDP\b/.test(s)) pkt.proto = "UDP";
  else if (/^VXLAN\b/.test(s)) {
    pkt.proto = "UDP";
    const vni = /\bvni (\d+)/.exec(s);
    if (vni !== null) pkt.vni = Number(vni[1]);
    return true;
  }
  return false;
}

/**
 * `src > dst: summary` of an IP packet. Returns what the packet still waits for, or an error message.
 * The -v header `(tos …)` may come first; the addresses then follow on the next line.
 */
function readIp(
  pkt: TcpdumpPacket,
  s: string,
  line: number,
  raw: string,
  issues: ParseIssue[],
): Omit<Pending, "pkt"> {
  let rest = s.trim();
  if (rest.startsWith("(")) {
    const close = closingParen(rest, 0);
    if (close > 0) {
      const header: Record<string, string> = {};
      for (const item of splitItems(rest.slice(1, close))) {
        const colon = item.indexOf(": ");
        const cut = colon >= 0 ? colon : item.indexOf(" ");
        if (cut < 0) header[item] = "";
        else header[item.slice(0, cut)] = item.slice(cut + (colon >= 0 ? 2 : 1));
      }
      pkt.ipHeader = header;
      const proto = header["proto"] ?? header["next-header"];
      if (proto !== undefined) pkt.proto = proto.split(" ")[0];
      rest = rest.slice(close + 1).trim();
      if (rest === "") return { awaitsAddrs: true, awaitsInner: false };
    }
  }
  if (rest.startsWith(">")) {
    pkt.addressesUnknown = true;
    issues.push(
      issue(
        line,
        "source and destination addresses missing from the text; packet kept without them",
        raw,
        "warning",
      ),
    );
    return { awaitsAddrs: false, awaitsInner: readTransport(pkt, rest.slice(1).trim()) };
  }
  const gt = rest.indexOf(" > ");
  const after = gt < 0 ? "" : rest.slice(gt + 3);
  const colon = after.endsWith(":") ? after.length - 1 : after.indexOf(": ");
  if (gt < 0 || colon < 0) {
    issues.push(issue(line, "IP packet without `src > dst:`", raw, "warning"));
    return { awaitsAddrs: false, awaitsInner: false };
  }
  const src = splitEndpoint(rest.slice(0, gt));
  const dst = splitEndpoint(after.slice(0, colon));
  pkt.src = src.addr;
  pkt.dst = dst.addr;
  if (src.port !== undefined) pkt.srcPort = src.port;
  if (dst.port !== undefined) pkt.dstPort = dst.port;
  return { awaitsAddrs: false, awaitsInner: readTransport(pkt, after.slice(colon + 1).trim()) };
}

/** ARP summary: `Request who-has 10.0.0.2 tell 10.0.0.1, length 28`, `Reply 10.0.0.2 is-at aa:…, length 28`. */
function readArp(pkt: TcpdumpPacket, s: string): void {
  pkt.proto = "ARP";
  const body = s.replace(/^Ethernet \(len 6\), IPv4 \(len 4\), /, "");
  const req = new RegExp(`^Request who-has (\\S+)(?: \\((${MAC})\\))? tell (\\S+?),`).exec(body);
  if (req !== null) {
    pkt.arp = { op: "request", targetIp: req[1], senderIp: req[3] };
    if (req[2] !== undefined) pkt.arp.targetMac = req[2];
    return;
  }
  const rep = new RegExp(`^Reply (\\S+) is-at (${MAC}),`).exec(body);
  if (rep !== null) {
    pkt.arp = { op: "reply", senderIp: rep[1], senderMac: rep[2] };
    return;
  }
  pkt.arp = { op: (/^[A-Za-z -]+?(?= \S*\d|,|$)/.exec(body)?.[0] ?? body).toLowerCase() };
}

/** The payload after an EtherType: VLAN tags, then IP, ARP or something kept as text. */
function readEtherPayload(
  pkt: TcpdumpPacket,
  ethertype: string | undefined,
  payload: string,
  line: number,
  raw: string,
  issues: ParseIssue[],
): Omit<Pending, "pkt"> {
  let type = ethertype;
  let rest = payload;
  while (type !== undefined && VLAN_TPIDS.has(type)) {
    const m = VLAN_RE.exec(rest);
    if (m === null) break;
    pkt.vlans.push(Number(m[1]));
    type = ethertypeOf(m[2] ?? "");
    rest = m[3] ?? "";
  }
  if (type !== undefined) pkt.ethertype = type;
  if (type === "0x0800" || type === "0x86dd") return readIp(pkt, rest, line, raw, issues);
  if (type === "0x0806") readArp(pkt, rest);
  else readOther(pkt, rest);
  return { awaitsAddrs: false, awaitsInner: false };
}

/** Frames tcpdump summarises without addresses (`LLDP, length 326`, `LLC, dsap STP …`): name the protocol. */
function readOther(pkt: TcpdumpPacket, s: string): void {
  const word = /^([A-Za-z][\w./-]*)/.exec(s)?.[1];
  if (word !== undefined) pkt.proto = word;
}

/** The summary without -e: `IP a > b: …`, `IP6 …`, `ARP, …`, `LLDP, …`. */
function readNoLink(
  pkt: TcpdumpPacket,
  s: string,
  line: number,
  raw: string,
  issues: ParseIssue[],
): Omit<Pending, "pkt"> {
  const ip = /^IP6? (.*)$/.exec(s);
  if (ip !== null) return readIp(pkt, ip[1] ?? "", line, raw, issues);
  if (s.startsWith("ARP, ")) readArp(pkt, s.slice(5));
  else readOther(pkt, s);
  return { awaitsAddrs: false, awaitsInner: false };
}

/** One packet summary (after the timestamp, or a VXLAN inner frame line). */
function readFrame(
  body: string,
  line: number,
  raw: string,
  iface: string | undefined,
  issues: ParseIssue[],
): Pending | undefined {
  const pkt = newPacket(raw, line);
  if (iface !== undefined) pkt.iface = iface;
  const ether = ETHER_RE.exec(body);
  if (ether !== null) {
    const [, srcMac = "", dstMac = "", middle = "", length = "", payload = ""] = ether;
    pkt.srcMac = srcMac;
    pkt.dstMac = dstMac;
    pkt.length = Number(length);
    return { pkt, ...readEtherPayload(pkt, ethertypeOf(middle), payload, line, raw, issues) };
  }
  if (new RegExp(`^${MAC} > `).test(body)) {
    issues.push(issue(line, "link-level header (-e) not as tcpdump prints it", raw));
    return undefined;
  }
  const cookedE = COOKED_E_RE.exec(body);
  if (cookedE !== null) {
    const [, dev, direction = "", srcMac, middle = "", length = "", payload = ""] = cookedE;
    if (dev !== undefined) pkt.iface = dev;
    pkt.direction = direction;
    if (srcMac !== undefined) pkt.srcMac = srcMac;
    pkt.length = Number(length);
    return { pkt, ...readEtherPayload(pkt, ethertypeOf(middle), payload, line, raw, issues) };
  }
  const cooked = COOKED_RE.exec(body);
  if (cooked !== null) {
    pkt.iface = cooked[1];
    pkt.direction = cooked[2];
    return { pkt, ...readNoLink(pkt, cooked[3] ?? "", line, raw, issues) };
  }
  return { pkt, ...readNoLink(pkt, body, line, raw, issues) };
}

/** Without a timestamp (-t, or a pasted fragment), a line still starts a packet when it reads like one. */
const PACKET_START_RE = new RegExp(`^(?:${MAC} > |IP6? |ARP, )`);

/**
 * A whole tcpdump run: banners, packets, closing counters. Continuation lines (indented) belong to
 * the packet before them; an unindented line that is no packet and follows one is taken as a
 * continuation whose indentation was lost in pasting, with a warning.
 */
export function parseTcpdumpPackets(text: string): ParseResult<TcpdumpCapture> {
  const issues: ParseIssue[] = [];
  const out: TcpdumpCapture = { packets: [], messages: [] };
  let listenIface: string | undefined;
  let pending: Pending | undefined;

  const addCounter = (key: "captured" | "received" | "dropped" | "droppedByInterface", n: number): void => {
    out[key] = (out[key] ?? 0) + n;
  };
  const startPacket = (body: string, time: string | undefined, line: number, raw: string): void => {
    const p = readFrame(body, line, raw, listenIface, issues);
    if (p === undefined) {
      pending = undefined;
      return;
    }
    if (time !== undefined) p.pkt.time = time;
    out.packets.push(p.pkt);
    pending = p;
  };
  const continueWith = (raw: string, line: number): void => {
    if (pending === undefined) return;
    pending.pkt.text += `\n${raw}`;
    if (pending.awaitsAddrs) {
      pending.awaitsAddrs = false;
      pending.awaitsInner = readIp(pending.pkt, raw, line, raw, issues).awaitsInner;
    }
  };

  splitLines(text).forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === "") return;
    const unnumbered = raw.replace(NUMBERED_RE, "");
    const stamped = TIME_RE.exec(unnumbered);
    if (stamped !== null) {
      startPacket(stamped[2] ?? "", stamped[1], line, raw);
      return;
    }
    if (/^\s/.test(raw)) {
      if (pending !== undefined) continueWith(raw, line);
      else issues.push(issue(line, "continuation line without a packet before it", raw));
      return;
    }
    const banner = BANNER_RE.exec(raw);
    if (banner !== null) {
      listenIface = banner[1] === "any" ? undefined : banner[1];
      if (banner[1] !== undefined) out.iface = banner[1];
      out.linkType = banner[2];
      pending = undefined;
      return;
    }
    const counter = COUNTER_RE.exec(raw.trim());
    if (counter !== null) {
      const n = Number(counter[1]);
      const what = counter[2];
      if (what === "captured") addCounter("captured", n);
      else if (what === "received by filter") addCounter("received", n);
      else if (what === "dropped by kernel") addCounter("dropped", n);
      else addCounter("droppedByInterface", n);
      pending = undefined;
      return;
    }
    if (raw.startsWith("tcpdump: ")) {
      out.messages.push({ line, text: raw });
      return;
    }
    if (pending?.awaitsInner === true) {
      const outer = pending.pkt;
      const inner = readFrame(raw, line, raw, undefined, issues);
      pending = inner;
      if (inner !== undefined) outer.inner = inner.pkt;
      return;
    }
    if (isPasteNoise(raw)) return;
    if (PACKET_START_RE.test(raw) && pending?.awaitsAddrs !== true) {
      startPacket(raw, undefined, line, raw);
      return;
    }
    if (pending !== undefined) {
      if (!pending.awaitsAddrs)
        issues.push(
          issue(line, "unindented line taken as the previous packet's continuation", raw, "warning"),
        );
      continueWith(raw, line);
      return;
    }
    issues.push(issue(line, "not a tcpdump packet, banner or counter line", raw));
  });
  return { value: out, issues };
}
