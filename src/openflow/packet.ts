/**
 * The packet the pipeline simulator pushes through flow tables, and the registry of every field
 * name a flow dump can use for it.
 *
 * Internally a packet is an array of 32-bit words laid out like OVS's `struct flow`: fields that
 * OVS stores in one place share a slot here too (ARP SPA/TPA live in nw_src/nw_dst, the ARP opcode
 * in nw_proto, ICMP type/code in tp_src/tp_dst, ND SLL/TLL in arp_sha/arp_tha). Mirroring that layout
 * is what makes odd matches behave as in OVS (`arp,nw_src=…` is `arp_spa`, `icmp,tp_dst=3` is
 * `icmp_code=3`). A field is a view on a slot: a bit offset and a width, so `vlan_tci`, `dl_vlan`,
 * `vlan_vid` and `dl_vlan_pcp` are four views of one 16-bit TCI, and `xreg0` spans `reg0`/`reg1`.
 * Multi-word slots keep their most significant word first.
 *
 * The public `Packet` is the readable form (MACs and IPs as text); `packetToWords`/`wordsToPacket`
 * convert, and `parsePacket`/`formatPacket` read and write OVS flow syntax (what `ofproto/trace`
 * takes and prints).
 */
import { dlVlanTci, VID_MASK, VLAN_PCP_SHIFT, VLAN_PRESENT, vlanPcpTci } from "./vlan.js";

// ---------------------------------------------------------------------------------------------
// Word layout

export const W_IN_PORT = 0;
export const W_DL_DST = 1; // 2 words
const W_DL_SRC = 3; // 2 words
export const W_DL_TYPE = 5;
/** Outer 802.1Q TCI (0 when untagged); the inner one of a double-tagged frame follows. */
export const W_VLAN0 = 6;
export const W_VLAN1 = 7;
const W_NW_SRC = 8;
const W_NW_DST = 9;
export const W_NW_PROTO = 10;
export const W_NW_TOS = 11;
export const W_NW_TTL = 12;
const W_NW_FRAG = 13;
export const W_TP_SRC = 14;
export const W_TP_DST = 15;
const W_TCP_FLAGS = 16;
const W_ARP_SHA = 17; // 2 words
const W_ARP_THA = 19; // 2 words
const W_IPV6_SRC = 21; // 4 words
const W_IPV6_DST = 25; // 4 words
const W_IPV6_LABEL = 29;
const W_ND_TARGET = 30; // 4 words
const W_TUN_ID = 34; // 2 words
const W_TUN_SRC = 36;
const W_TUN_DST = 37;
const W_METADATA = 38; // 2 words
export const W_REGS = 40; // 16 words
const W_PKT_MARK = 56;
export const W_CT_STATE = 57;
export const W_CT_ZONE = 58;
export const W_CT_MARK = 59;
export const W_CT_LABEL = 60; // 4 words
export const W_CONJ_ID = 64;
export const N_WORDS = 65;

const ETH_TYPE_IP = 0x0800;
const ETH_TYPE_ARP = 0x0806;
const ETH_TYPE_RARP = 0x8035;
const ETH_TYPE_IPV6 = 0x86dd;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;

/** OpenFlow 1.0 reserved port numbers (OVS prints and accepts these names). */
export const OFPP = {
  IN_PORT: 0xfff8,
  TABLE: 0xfff9,
  NORMAL: 0xfffa,
  FLOOD: 0xfffb,
  ALL: 0xfffc,
  CONTROLLER: 0xfffd,
  LOCAL: 0xfffe,
  NONE: 0xffff,
} as const;

const RESERVED_PORTS: ReadonlyMap<string, number> = new Map([...Object.entries(OFPP), ["ANY", OFPP.NONE]]);

/** Port name → OpenFlow port number of one bridge (`ovs-ofctl show`, OVSDB `ofport`). */
export type PortNumbers = ReadonlyMap<string, number>;

/** A port given as a number, a reserved name (`LOCAL`) or a port name; undefined when unknown. */
export function resolvePortNumber(text: string, ports?: PortNumbers): number | undefined {
  const n = parseUint(text);
  if (n !== undefined) return Number(n);
  return RESERVED_PORTS.get(text.toUpperCase()) ?? ports?.get(text);
}

// ---------------------------------------------------------------------------------------------
// Fields

/** What must hold for a field to exist in a packet (OVS's "prerequisites" in meta-flow). */
export type Prereq =
  | "none"
  | "ip"
  | "ipv6"
  | "ip_any"
  | "arp"
  | "ip_any_or_arp"
  | "tcp"
  | "udp"
  | "sctp"
  | "l4_ports"
  | "l4_or_icmp"
  | "icmp_any"
  | "nd"
  | "nd_ns"
  | "nd_na";

export type FieldFormat =
  | "int"
  | "mac"
  | "ipv4"
  | "ipv6"
  | "port"
  | "ct_state"
  | "tcp_flags"
  | "frag"
  | "tos"
  | "dl_vlan"
  | "vlan_pcp";

export interface FieldDef {
  /** OVS's own name for the field (the one `ovs-ofctl` prints). */
  name: string;
  /** First (most significant) word of the slot and how many words the slot has. */
  word: number;
  words: number;
  /** Bit offset of the field's least significant bit in the slot, and its width. */
  shift: number;
  bits: number;
  prereq: Prereq;
  format: FieldFormat;
}

const FIELDS = new Map<string, FieldDef>();

function def(
  names: readonly string[],
  word: number,
  words: number,
  shift: number,
  bits: number,
  prereq: Prereq,
  format: FieldFormat = "int",
): void {
  const [name = ""] = names;
  const d: FieldDef = { name, word, words, shift, bits, prereq, format };
  for (const n of names) FIELDS.set(n.toLowerCase(), d);
}

def(["in_port", "NXM_OF_IN_PORT", "OXM_OF_IN_PORT", "in_port_oxm"], W_IN_PORT, 1, 0, 16, "none", "port");
def(["dl_dst", "eth_dst", "NXM_OF_ETH_DST", "OXM_OF_ETH_DST"], W_DL_DST, 2, 0, 48, "none", "mac");
def(["dl_src", "eth_src", "NXM_OF_ETH_SRC", "OXM_OF_ETH_SRC"], W_DL_SRC, 2, 0, 48, "none", "mac");
def(["dl_type", "eth_type", "NXM_OF_ETH_TYPE", "OXM_OF_ETH_TYPE"], W_DL_TYPE, 1, 0, 16, "none");
def(["vlan_tci", "NXM_OF_VLAN_TCI"], W_VLAN0, 1, 0, 16, "none");
def(["vlan_vid", "OXM_OF_VLAN_VID"], W_VLAN0, 1, 0, 13, "none");
def(["dl_vlan"], W_VLAN0, 1, 0, 12, "none", "dl_vlan");
def(["dl_vlan_pcp", "vlan_pcp", "OXM_OF_VLAN_PCP"], W_VLAN0, 1, VLAN_PCP_SHIFT, 3, "none", "vlan_pcp");
def(["nw_src", "ip_src", "NXM_OF_IP_SRC", "OXM_OF_IPV4_SRC"], W_NW_SRC, 1, 0, 32, "ip", "ipv4");
def(["nw_dst", "ip_dst", "NXM_OF_IP_DST", "OXM_OF_IPV4_DST"], W_NW_DST, 1, 0, 32, "ip", "ipv4");
def(["arp_spa", "NXM_OF_ARP_SPA", "OXM_OF_ARP_SPA"], W_NW_SRC, 1, 0, 32, "arp", "ipv4");
def(["arp_tpa", "NXM_OF_ARP_TPA", "OXM_OF_ARP_TPA"], W_NW_DST, 1, 0, 32, "arp", "ipv4");
def(["arp_op", "NXM_OF_ARP_OP", "OXM_OF_ARP_OP"], W_NW_PROTO, 1, 0, 16, "arp");
def(["arp_sha", "NXM_NX_ARP_SHA", "OXM_OF_ARP_SHA"], W_ARP_SHA, 2, 0, 48, "arp", "mac");
def(["arp_tha", "NXM_NX_ARP_THA", "OXM_OF_ARP_THA"], W_ARP_THA, 2, 0, 48, "arp", "mac");
def(["nd_sll", "NXM_NX_ND_SLL", "OXM_OF_IPV6_ND_SLL"], W_ARP_SHA, 2, 0, 48, "nd_ns", "mac");
def(["nd_tll", "NXM_NX_ND_TLL", "OXM_OF_IPV6_ND_TLL"], W_ARP_THA, 2, 0, 48, "nd_na", "mac");
def(["nd_target", "NXM_NX_ND_TARGET", "OXM_OF_IPV6_ND_TARGET"], W_ND_TARGET, 4, 0, 128, "nd", "ipv6");
def(["ipv6_src", "NXM_NX_IPV6_SRC", "OXM_OF_IPV6_SRC"], W_IPV6_SRC, 4, 0, 128, "ipv6", "ipv6");
def(["ipv6_dst", "NXM_NX_IPV6_DST", "OXM_OF_IPV6_DST"], W_IPV6_DST, 4, 0, 128, "ipv6", "ipv6");
def(["ipv6_label", "NXM_NX_IPV6_LABEL", "OXM_OF_IPV6_FLABEL"], W_IPV6_LABEL, 1, 0, 20, "ipv6");
def(["nw_proto", "ip_proto", "NXM_OF_IP_PROTO", "OXM_OF_IP_PROTO"], W_NW_PROTO, 1, 0, 8, "ip_any");
def(["nw_tos", "NXM_OF_IP_TOS"], W_NW_TOS, 1, 0, 8, "ip_any", "tos");
def(["ip_dscp", "OXM_OF_IP_DSCP"], W_NW_TOS, 1, 2, 6, "ip_any");
def(["nw_ecn", "ip_ecn", "NXM_NX_IP_ECN", "OXM_OF_IP_ECN"], W_NW_TOS, 1, 0, 2, "ip_any");
def(["nw_ttl", "NXM_NX_IP_TTL"], W_NW_TTL, 1, 0, 8, "ip_any");
def(["nw_frag", "ip_frag", "NXM_NX_IP_FRAG"], W_NW_FRAG, 1, 0, 2, "ip_any", "frag");
// ovs-ofctl reads `tp_src`/`tp_dst` as ICMP type/code on ICMP flows (`icmp,tp_dst=3` → icmp_code=3).
def(["tp_src"], W_TP_SRC, 1, 0, 16, "l4_or_icmp");
def(["tp_dst"], W_TP_DST, 1, 0, 16, "l4_or_icmp");
def(["tcp_src", "NXM_OF_TCP_SRC", "OXM_OF_TCP_SRC"], W_TP_SRC, 1, 0, 16, "tcp");
def(["tcp_dst", "NXM_OF_TCP_DST", "OXM_OF_TCP_DST"], W_TP_DST, 1, 0, 16, "tcp");
def(["udp_src", "NXM_OF_UDP_SRC", "OXM_OF_UDP_SRC"], W_TP_SRC, 1, 0, 16, "udp");
def(["udp_dst", "NXM_OF_UDP_DST", "OXM_OF_UDP_DST"], W_TP_DST, 1, 0, 16, "udp");
def(["sctp_src", "OXM_OF_SCTP_SRC"], W_TP_SRC, 1, 0, 16, "sctp");
def(["sctp_dst", "OXM_OF_SCTP_DST"], W_TP_DST, 1, 0, 16, "sctp");
// OVS prints `icmp_type` for ICMPv6 flows too (`icmp6,icmp_type=130`).
def(["icmp_type", "icmpv4_type", "NXM_OF_ICMP_TYPE", "OXM_OF_ICMPV4_TYPE"], W_TP_SRC, 1, 0, 8, "icmp_any");
def(["icmp_code", "icmpv4_code", "NXM_OF_ICMP_CODE", "OXM_OF_ICMPV4_CODE"], W_TP_DST, 1, 0, 8, "icmp_any");
def(["icmpv6_type", "NXM_NX_ICMPV6_TYPE", "OXM_OF_ICMPV6_TYPE"], W_TP_SRC, 1, 0, 8, "icmp_any");
def(["icmpv6_code", "NXM_NX_ICMPV6_CODE", "OXM_OF_ICMPV6_CODE"], W_TP_DST, 1, 0, 8, "icmp_any");
def(["tcp_flags", "NXM_NX_TCP_FLAGS", "OXM_OF_TCP_FLAGS"], W_TCP_FLAGS, 1, 0, 12, "tcp", "tcp_flags");
def(["tun_id", "tunnel_id", "NXM_NX_TUN_ID", "OXM_OF_TUNNEL_ID"], W_TUN_ID, 2, 0, 64, "none");
def(["tun_src", "NXM_NX_TUN_IPV4_SRC"], W_TUN_SRC, 1, 0, 32, "none", "ipv4");
def(["tun_dst", "NXM_NX_TUN_IPV4_DST"], W_TUN_DST, 1, 0, 32, "none", "ipv4");
def(["metadata", "OXM_OF_METADATA"], W_METADATA, 2, 0, 64, "none");
for (let i = 0; i < 16; i++) def([`reg${i}`, `NXM_NX_REG${i}`], W_REGS + i, 1, 0, 32, "none");
// xregN is reg(2N) (high half) and reg(2N+1); xxregN is reg(4N)..reg(4N+3).
for (let i = 0; i < 8; i++) def([`xreg${i}`, `OXM_OF_PKT_REG${i}`], W_REGS + 2 * i, 2, 0, 64, "none");
for (let i = 0; i < 4; i++) def([`xxreg${i}`, `NXM_NX_XXREG${i}`], W_REGS + 4 * i, 4, 0, 128, "none");
def(["pkt_mark", "NXM_NX_PKT_MARK"], W_PKT_MARK, 1, 0, 32, "none");
def(["ct_state", "NXM_NX_CT_STATE"], W_CT_STATE, 1, 0, 8, "none", "ct_state");
def(["ct_zone", "NXM_NX_CT_ZONE"], W_CT_ZONE, 1, 0, 16, "none");
def(["ct_mark", "NXM_NX_CT_MARK"], W_CT_MARK, 1, 0, 32, "none");
def(["ct_label", "NXM_NX_CT_LABEL"], W_CT_LABEL, 4, 0, 128, "none");
def(["conj_id"], W_CONJ_ID, 1, 0, 32, "none");

/** The field a name stands for (any of OVS's spellings, case-insensitive); undefined when not modelled. */
export function fieldByName(name: string): FieldDef | undefined {
  return FIELDS.get(name.toLowerCase());
}

/** Protocol shorthands: `tcp` is `dl_type=0x0800,nw_proto=6`, and so on. */
export const PROTOCOLS: ReadonlyMap<string, { dlType: number; nwProto?: number }> = new Map([
  ["ip", { dlType: ETH_TYPE_IP }],
  ["ipv6", { dlType: ETH_TYPE_IPV6 }],
  ["icmp", { dlType: ETH_TYPE_IP, nwProto: IPPROTO_ICMP }],
  ["icmp6", { dlType: ETH_TYPE_IPV6, nwProto: IPPROTO_ICMPV6 }],
  ["tcp", { dlType: ETH_TYPE_IP, nwProto: IPPROTO_TCP }],
  ["tcp6", { dlType: ETH_TYPE_IPV6, nwProto: IPPROTO_TCP }],
  ["udp", { dlType: ETH_TYPE_IP, nwProto: IPPROTO_UDP }],
  ["udp6", { dlType: ETH_TYPE_IPV6, nwProto: IPPROTO_UDP }],
  ["sctp", { dlType: ETH_TYPE_IP, nwProto: IPPROTO_SCTP }],
  ["sctp6", { dlType: ETH_TYPE_IPV6, nwProto: IPPROTO_SCTP }],
  ["arp", { dlType: ETH_TYPE_ARP }],
  ["rarp", { dlType: ETH_TYPE_RARP }],
  ["mpls", { dlType: 0x8847 }],
  ["mplsm", { dlType: 0x8848 }],
]);

/**
 * Whether a field exists given the packet's (or a match's) Ethernet type, IP protocol and ICMP
 * type and code; undefined means "not known" (a match that leaves the field wildcarded).
 */
export function prereqOk(
  p: Prereq,
  dlType: number | undefined,
  nwProto: number | undefined,
  icmpType?: number,
  icmpCode?: number,
): boolean {
  const ip = dlType === ETH_TYPE_IP;
  const ipAny = ip || dlType === ETH_TYPE_IPV6;
  const arp = dlType === ETH_TYPE_ARP || dlType === ETH_TYPE_RARP;
  const icmpAny =
    (ip && nwProto === IPPROTO_ICMP) || (dlType === ETH_TYPE_IPV6 && nwProto === IPPROTO_ICMPV6);
  const ports = ipAny && (nwProto === IPPROTO_TCP || nwProto === IPPROTO_UDP || nwProto === IPPROTO_SCTP);
  // Neighbour discovery is ICMPv6 type 135/136 with code 0.
  const nd = dlType === ETH_TYPE_IPV6 && nwProto === IPPROTO_ICMPV6 && icmpCode === 0;
  switch (p) {
    case "none":
      return true;
    case "ip":
      return ip;
    case "ipv6":
      return dlType === ETH_TYPE_IPV6;
    case "ip_any":
      return ipAny;
    case "arp":
      return arp;
    case "ip_any_or_arp":
      return ipAny || arp;
    case "tcp":
      return ipAny && nwProto === IPPROTO_TCP;
    case "udp":
      return ipAny && nwProto === IPPROTO_UDP;
    case "sctp":
      return ipAny && nwProto === IPPROTO_SCTP;
    case "l4_ports":
      return ports;
    case "l4_or_icmp":
      return ports || icmpAny;
    case "icmp_any":
      return icmpAny;
    case "nd":
      return nd && (icmpType === 135 || icmpType === 136);
    case "nd_ns":
      return nd && icmpType === 135;
    case "nd_na":
      return nd && icmpType === 136;
  }
}

/** prereqOk for a packet held as words. */
export function packetHas(p: Prereq, w: Int32Array): boolean {
  return p === "none" || prereqOk(p, w[W_DL_TYPE], w[W_NW_PROTO], w[W_TP_SRC], w[W_TP_DST]);
}

// ---------------------------------------------------------------------------------------------
// Values

/** Unsigned decimal or 0x-hex integer; undefined when the text is not one. */
export function parseUint(text: string): bigint | undefined {
  const t = text.trim();
  if (/^0x[0-9a-f]+$/i.test(t) || /^\d+$/.test(t)) return BigInt(t);
  return undefined;
}

export function parseMac(text: string): bigint | undefined {
  const m =
    /^([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})$/i.exec(
      text.trim(),
    );
  if (m === null) return undefined;
  let v = 0n;
  for (let i = 1; i <= 6; i++) v = (v << 8n) | BigInt(Number.parseInt(m[i] as string, 16));
  return v;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.trim().split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function formatIpv4(v: bigint | number): string {
  const n = typeof v === "number" ? v >>> 0 : Number(v & 0xffffffffn);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function parseIpv6(text: string): bigint | undefined {
  let t = text.trim();
  if (t.startsWith("[") && t.endsWith("]")) t = t.slice(1, -1);
  // An embedded IPv4 tail (`::ffff:10.0.0.1`) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4 !== null) {
    const n = parseIpv4(v4[1] as string);
    if (n === undefined) return undefined;
    t = t.slice(0, v4.index) + (n >> 16n).toString(16) + ":" + (n & 0xffffn).toString(16);
  }
  const halves = t.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let v = 0n;
  for (const g of [...head, ...Array<string>(missing).fill("0"), ...tail]) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    v = (v << 16n) | BigInt(Number.parseInt(g, 16));
  }
  return v;
}

/** RFC 5952 text: lowercase, the longest run of two or more zero groups as `::`. */
export function formatIpv6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(":");
  return best < 0 ? hex(g) : hex(g.slice(0, best)) + "::" + hex(g.slice(best + bestLen));
}

/** Connection tracking state bits (NXM_NX_CT_STATE). */
export const CT_STATE_BITS: ReadonlyMap<string, number> = new Map([
  ["new", 0x01],
  ["est", 0x02],
  ["rel", 0x04],
  ["rpl", 0x08],
  ["inv", 0x10],
  ["trk", 0x20],
  ["snat", 0x40],
  ["dnat", 0x80],
]);

const TCP_FLAG_BITS: ReadonlyMap<string, number> = new Map([
  ["fin", 0x001],
  ["syn", 0x002],
  ["rst", 0x004],
  ["psh", 0x008],
  ["ack", 0x010],
  ["urg", 0x020],
  ["ece", 0x040],
  ["cwr", 0x080],
  ["ns", 0x100],
]);

/**
 * `+trk-est` (value and mask), `est|trk` (exact value, as flows print) or a number with an
 * optional `/mask`; undefined when malformed.
 */
function parseFlags(
  bits: ReadonlyMap<string, number>,
  text: string,
  maskText: string | undefined,
  width: number,
): { value: bigint; mask: bigint } | undefined {
  const full = (1n << BigInt(width)) - 1n;
  const n = parseUint(text);
  if (n !== undefined)
    return { value: n, mask: maskText === undefined ? full : (parseUint(maskText) ?? full) };
  if (/^[+-]/.test(text)) {
    let value = 0;
    let mask = 0;
    for (const m of text.matchAll(/([+-])([a-z]+)/g)) {
      const bit = bits.get(m[2] as string);
      if (bit === undefined) return undefined;
      mask |= bit;
      if (m[1] === "+") value |= bit;
    }
    return { value: BigInt(value), mask: BigInt(mask) };
  }
  let value = 0;
  for (const name of text.split("|")) {
    const bit = bits.get(name);
    if (bit === undefined) return undefined;
    value |= bit;
  }
  return { value: BigInt(value), mask: full };
}

/** `est|trk`, the way OVS prints an exact ct_state (or tcp_flags). */
function formatFlags(bits: ReadonlyMap<string, number>, value: number): string {
  const names = [...bits].filter(([, b]) => (value & b) !== 0).map(([n]) => n);
  return names.length === 0 ? "0" : names.join("|");
}

const FRAG: ReadonlyMap<string, [number, number]> = new Map([
  ["no", [0, 3]],
  ["yes", [1, 1]],
  ["first", [1, 3]],
  ["later", [3, 3]],
  ["not_later", [0, 2]],
]);

/** `/24` or a dotted/colon mask for an address of `bits` bits. */
function prefixMask(
  text: string,
  bits: number,
  parse: (t: string) => bigint | undefined,
): bigint | undefined {
  if (/^\d+$/.test(text)) {
    const len = Number(text);
    if (len > bits) return undefined;
    return ((1n << BigInt(len)) - 1n) << BigInt(bits - len);
  }
  return parse(text);
}

/**
 * A field value (and mask) as written in a flow or a packet, in the field's own bits (not yet
 * shifted into its slot). `ports` resolves `in_port` names. Undefined when the text does not parse.
 */
export function parseFieldValue(
  f: FieldDef,
  text: string,
  maskText?: string,
  ports?: PortNumbers,
): { value: bigint; mask: bigint } | undefined {
  const full = (1n << BigInt(f.bits)) - 1n;
  const withMask = (value: bigint | undefined, parse: (t: string) => bigint | undefined = parseUint) => {
    if (value === undefined) return undefined;
    const mask = maskText === undefined ? full : parse(maskText);
    return mask === undefined ? undefined : { value: value & mask & full, mask: mask & full };
  };
  switch (f.format) {
    case "int":
    case "vlan_pcp":
    case "tos":
      return withMask(parseUint(text));
    case "dl_vlan": {
      // Not cut to 12 bits: 0xffff is OpenFlow 1.0's "no tag" (slotMatch and writeField know it).
      const n = parseUint(text);
      return n === undefined ? undefined : { value: n, mask: full };
    }
    case "port": {
      const n = resolvePortNumber(text, ports);
      return n === undefined ? undefined : { value: BigInt(n) & full, mask: full };
    }
    case "mac":
      return withMask(parseMac(text), parseMac);
    case "ipv4":
      return withMask(parseIpv4(text), (m) => prefixMask(m, 32, parseIpv4));
    case "ipv6":
      return withMask(parseIpv6(text), (m) => prefixMask(m, 128, parseIpv6));
    case "ct_state":
      return parseFlags(CT_STATE_BITS, text, maskText, f.bits);
    case "tcp_flags":
      return parseFlags(TCP_FLAG_BITS, text, maskText, f.bits);
    case "frag": {
      const v = FRAG.get(text);
      return v === undefined ? withMask(parseUint(text)) : { value: BigInt(v[0]), mask: BigInt(v[1]) };
    }
  }
}

/**
 * A field match in slot bits: the views with their own encoding (`dl_vlan`, the PCP views,
 * `nw_tos`) are translated here; the rest is shifted into place.
 */
export function slotMatch(f: FieldDef, value: bigint, mask: bigint): { value: bigint; mask: bigint } {
  switch (f.format) {
    case "dl_vlan": {
      const t = dlVlanTci(Number(value));
      return { value: BigInt(t.value), mask: BigInt(t.mask) };
    }
    case "vlan_pcp": {
      const t = vlanPcpTci(Number(value));
      return { value: BigInt(t.value), mask: BigInt(t.mask) };
    }
    case "tos":
      return { value: value & 0xfcn, mask: mask & 0xfcn };
    default:
      return { value: value << BigInt(f.shift), mask: mask << BigInt(f.shift) };
  }
}

// ---------------------------------------------------------------------------------------------
// Bits of a slot in the word array

/** Bits [lsb, lsb+n) of the slot starting at `word` (`words` long), as a bigint. */
export function readBits(w: Int32Array, word: number, words: number, lsb: number, n: number): bigint {
  if (words === 1) return BigInt((((w[word] as number) >>> lsb) & (n === 32 ? -1 : (1 << n) - 1)) >>> 0);
  let out = 0n;
  let done = 0;
  while (done < n) {
    const pos = lsb + done;
    const wi = word + words - 1 - (pos >>> 5);
    const off = pos & 31;
    const take = Math.min(32 - off, n - done);
    const chunk = ((w[wi] as number) >>> off) & (take === 32 ? 0xffffffff : (1 << take) - 1);
    out |= BigInt(chunk >>> 0) << BigInt(done);
    done += take;
  }
  return out;
}

/** Writes `value` into bits [lsb, lsb+n) of a slot. */
export function writeBits(
  w: Int32Array,
  word: number,
  words: number,
  lsb: number,
  n: number,
  value: bigint,
): void {
  if (words === 1) {
    const mask = n === 32 ? -1 : ((1 << n) - 1) << lsb;
    w[word] = ((w[word] as number) & ~mask) | ((Number(value & ((1n << BigInt(n)) - 1n)) << lsb) & mask);
    return;
  }
  let done = 0;
  let v = value;
  while (done < n) {
    const pos = lsb + done;
    const wi = word + words - 1 - (pos >>> 5);
    const off = pos & 31;
    const take = Math.min(32 - off, n - done);
    const chunkMask = take === 32 ? -1 : ((1 << take) - 1) << off;
    const chunk = Number(v & ((1n << BigInt(take)) - 1n));
    w[wi] = ((w[wi] as number) & ~chunkMask) | ((chunk << off) & chunkMask);
    v >>= BigInt(take);
    done += take;
  }
}

/** A field's whole value. */
function getField(w: Int32Array, f: FieldDef): bigint {
  return readBits(w, f.word, f.words, f.shift, f.bits);
}

function setField(w: Int32Array, f: FieldDef, value: bigint): void {
  writeBits(w, f.word, f.words, f.shift, f.bits, value);
}

// ---------------------------------------------------------------------------------------------
// The readable packet

export interface Vlan {
  vid: number;
  pcp: number;
}

/**
 * A packet as the simulator takes and reports it. Fields a packet does not have (no IP header on an
 * ARP frame) are left out. Numbers and addresses are what OVS prints; absent optional fields are 0.
 */
export interface Packet {
  in_port: number;
  dl_src: string;
  dl_dst: string;
  /** 802.1Q tags, outermost first; empty when untagged. OVS keeps at most two. */
  vlans: Vlan[];
  dl_type: number;
  /** IPv4 addresses. */
  nw_src?: string;
  nw_dst?: string;
  ipv6_src?: string;
  ipv6_dst?: string;
  ipv6_label?: number;
  nw_proto?: number;
  /** DSCP bits of the TOS byte (ECN cleared), as `nw_tos=` prints it. */
  nw_tos?: number;
  nw_ecn?: number;
  nw_ttl?: number;
  nw_frag?: "no" | "first" | "later";
  tp_src?: number;
  tp_dst?: number;
  tcp_flags?: number;
  icmp_type?: number;
  icmp_code?: number;
  nd_target?: string;
  nd_sll?: string;
  nd_tll?: string;
  arp_op?: number;
  arp_spa?: string;
  arp_tpa?: string;
  arp_sha?: string;
  arp_tha?: string;
  tun_id?: bigint;
  tun_src?: string;
  tun_dst?: string;
  metadata?: bigint;
  /** reg0…reg15; missing entries are 0. */
  regs?: number[];
  pkt_mark?: number;
  ct_state?: number;
  ct_zone?: number;
  ct_mark?: number;
  ct_label?: bigint;
  conj_id?: number;
}

const ZERO_MAC = "00:00:00:00:00:00";

/** A packet with every unspecified field at 0, as `ofproto/trace` fills a partial flow. */
export function makePacket(fields: Partial<Packet> & { in_port: number }): Packet {
  return { dl_src: ZERO_MAC, dl_dst: ZERO_MAC, vlans: [], dl_type: 0, ...fields };
}

function put(w: Int32Array, name: string, value: bigint | number | string | undefined): void {
  if (value === undefined) return;
  const f = FIELDS.get(name) as FieldDef;
  const v = typeof value === "string" ? parseFieldValue(f, value)?.value : BigInt(value);
  if (v === undefined) throw new Error(`bad ${name} value: ${value}`);
  setField(w, f, v);
}

function tciOf(v: Vlan): number {
  return VLAN_PRESENT | (v.vid & VID_MASK) | ((v.pcp & 7) << VLAN_PCP_SHIFT);
}

function vlanOf(tci: number): Vlan {
  return { vid: tci & VID_MASK, pcp: (tci >>> VLAN_PCP_SHIFT) & 7 };
}

/** The packet's tags, outermost first. */
export function readVlans(w: Int32Array): Vlan[] {
  const vlans: Vlan[] = [];
  const tci0 = w[W_VLAN0] as number;
  if ((tci0 & VLAN_PRESENT) !== 0) {
    vlans.push(vlanOf(tci0));
    const tci1 = w[W_VLAN1] as number;
    if ((tci1 & VLAN_PRESENT) !== 0) vlans.push(vlanOf(tci1));
  }
  return vlans;
}

/** Replaces the packet's tags (at most two, as OVS keeps). */
export function writeVlans(w: Int32Array, vlans: readonly Vlan[]): void {
  w[W_VLAN0] = vlans[0] === undefined ? 0 : tciOf(vlans[0]);
  w[W_VLAN1] = vlans[1] === undefined ? 0 : tciOf(vlans[1]);
}

export function packetToWords(p: Packet): Int32Array {
  const w = new Int32Array(N_WORDS);
  w[W_IN_PORT] = p.in_port;
  put(w, "dl_src", p.dl_src);
  put(w, "dl_dst", p.dl_dst);
  w[W_DL_TYPE] = p.dl_type;
  writeVlans(w, p.vlans);
  put(w, "nw_src", p.nw_src ?? p.arp_spa);
  put(w, "nw_dst", p.nw_dst ?? p.arp_tpa);
  put(w, "ipv6_src", p.ipv6_src);
  put(w, "ipv6_dst", p.ipv6_dst);
  put(w, "ipv6_label", p.ipv6_label);
  put(w, "nw_proto", p.nw_proto ?? p.arp_op);
  w[W_NW_TOS] = ((p.nw_tos ?? 0) & 0xfc) | ((p.nw_ecn ?? 0) & 3);
  put(w, "nw_ttl", p.nw_ttl);
  w[W_NW_FRAG] = p.nw_frag === "first" ? 1 : p.nw_frag === "later" ? 3 : 0;
  put(w, "tp_src", p.tp_src ?? p.icmp_type);
  put(w, "tp_dst", p.tp_dst ?? p.icmp_code);
  put(w, "tcp_flags", p.tcp_flags);
  put(w, "nd_target", p.nd_target);
  put(w, "arp_sha", p.arp_sha ?? p.nd_sll);
  put(w, "arp_tha", p.arp_tha ?? p.nd_tll);
  put(w, "tun_id", p.tun_id);
  put(w, "tun_src", p.tun_src);
  put(w, "tun_dst", p.tun_dst);
  put(w, "metadata", p.metadata);
  p.regs?.forEach((r, i) => {
    if (i < 16) w[W_REGS + i] = r;
  });
  put(w, "pkt_mark", p.pkt_mark);
  put(w, "ct_state", p.ct_state);
  put(w, "ct_zone", p.ct_zone);
  put(w, "ct_mark", p.ct_mark);
  put(w, "ct_label", p.ct_label);
  put(w, "conj_id", p.conj_id);
  return w;
}

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** The MAC in the 2-word slot at `i` (16 high bits, then 32), without going through bigint. */
function macAt(w: Int32Array, i: number): string {
  const hi = w[i] as number;
  const lo = w[i + 1] as number;
  return `${HEX2[(hi >>> 8) & 255]}:${HEX2[hi & 255]}:${HEX2[lo >>> 24]}:${HEX2[(lo >>> 16) & 255]}:${HEX2[(lo >>> 8) & 255]}:${HEX2[lo & 255]}`;
}

function wide(w: Int32Array, i: number, words: number): bigint {
  return readBits(w, i, words, 0, 32 * words);
}

/**
 * The fields a packet has, by its Ethernet type and IP protocol, like OVS's flow printer. Runs for
 * every output of a trace, so it reads the words directly.
 */
export function wordsToPacket(w: Int32Array): Packet {
  const dlType = w[W_DL_TYPE] as number;
  const p: Packet = {
    in_port: (w[W_IN_PORT] as number) & 0xffff,
    dl_src: macAt(w, W_DL_SRC),
    dl_dst: macAt(w, W_DL_DST),
    vlans: readVlans(w),
    dl_type: dlType,
  };
  const ipv4 = dlType === ETH_TYPE_IP;
  if (ipv4 || dlType === ETH_TYPE_IPV6) {
    if (ipv4) {
      p.nw_src = formatIpv4(w[W_NW_SRC] as number);
      p.nw_dst = formatIpv4(w[W_NW_DST] as number);
    } else {
      p.ipv6_src = formatIpv6(wide(w, W_IPV6_SRC, 4));
      p.ipv6_dst = formatIpv6(wide(w, W_IPV6_DST, 4));
      p.ipv6_label = (w[W_IPV6_LABEL] as number) & 0xfffff;
    }
    const proto = (w[W_NW_PROTO] as number) & 0xff;
    p.nw_proto = proto;
    p.nw_tos = (w[W_NW_TOS] as number) & 0xfc;
    p.nw_ecn = (w[W_NW_TOS] as number) & 3;
    p.nw_ttl = (w[W_NW_TTL] as number) & 0xff;
    const frag = (w[W_NW_FRAG] as number) & 3;
    p.nw_frag = frag === 0 ? "no" : frag === 3 ? "later" : "first";
    const tpSrc = (w[W_TP_SRC] as number) & 0xffff;
    const tpDst = (w[W_TP_DST] as number) & 0xffff;
    if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP) {
      p.tp_src = tpSrc;
      p.tp_dst = tpDst;
      if (proto === IPPROTO_TCP) p.tcp_flags = (w[W_TCP_FLAGS] as number) & 0xfff;
    } else if ((ipv4 && proto === IPPROTO_ICMP) || (!ipv4 && proto === IPPROTO_ICMPV6)) {
      p.icmp_type = tpSrc & 0xff;
      p.icmp_code = tpDst & 0xff;
      if (!ipv4 && (p.icmp_type === 135 || p.icmp_type === 136) && p.icmp_code === 0) {
        p.nd_target = formatIpv6(wide(w, W_ND_TARGET, 4));
        if (p.icmp_type === 135) p.nd_sll = macAt(w, W_ARP_SHA);
        else p.nd_tll = macAt(w, W_ARP_THA);
      }
    }
  } else if (dlType === ETH_TYPE_ARP || dlType === ETH_TYPE_RARP) {
    p.arp_op = (w[W_NW_PROTO] as number) & 0xffff;
    p.arp_spa = formatIpv4(w[W_NW_SRC] as number);
    p.arp_tpa = formatIpv4(w[W_NW_DST] as number);
    p.arp_sha = macAt(w, W_ARP_SHA);
    p.arp_tha = macAt(w, W_ARP_THA);
  }
  if (w[W_TUN_ID] !== 0 || w[W_TUN_ID + 1] !== 0) p.tun_id = wide(w, W_TUN_ID, 2);
  if (w[W_TUN_SRC] !== 0) p.tun_src = formatIpv4(w[W_TUN_SRC] as number);
  if (w[W_TUN_DST] !== 0) p.tun_dst = formatIpv4(w[W_TUN_DST] as number);
  if (w[W_METADATA] !== 0 || w[W_METADATA + 1] !== 0) p.metadata = wide(w, W_METADATA, 2);
  for (let i = W_REGS; i < W_REGS + 16; i++) {
    if (w[i] !== 0) {
      p.regs = Array.from(w.subarray(W_REGS, W_REGS + 16), (r) => r >>> 0);
      break;
    }
  }
  if (w[W_PKT_MARK] !== 0) p.pkt_mark = (w[W_PKT_MARK] as number) >>> 0;
  if (w[W_CT_STATE] !== 0) p.ct_state = (w[W_CT_STATE] as number) & 0xff;
  if (w[W_CT_ZONE] !== 0) p.ct_zone = (w[W_CT_ZONE] as number) & 0xffff;
  if (w[W_CT_MARK] !== 0) p.ct_mark = (w[W_CT_MARK] as number) >>> 0;
  const label = wide(w, W_CT_LABEL, 4);
  if (label !== 0n) p.ct_label = label;
  if (w[W_CONJ_ID] !== 0) p.conj_id = (w[W_CONJ_ID] as number) >>> 0;
  return p;
}

// ---------------------------------------------------------------------------------------------
// OVS flow syntax

/** Top-level comma-separated items (commas inside quotes do not split). */
function items(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === "," && !quoted) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  out.push(cur.trim());
  return out.filter((s) => s !== "");
}

/** Names only flow printing uses for the second 802.1Q tag. */
const INNER_TAG = new Set(["vlan_tci1", "dl_vlan1", "dl_vlan_pcp1"]);

/**
 * A packet from OVS flow syntax: `ofproto/trace` input and its `Flow:`/`Final flow:` lines
 * (`tcp,in_port=3,dl_vlan=5,nw_src=10.0.0.1,tp_dst=80,ct_state=est|trk,reg5=0x5`). Missing fields
 * are 0. Names the simulator does not model (`recirc_id`, `dp_hash`, `eth`, …) are returned in
 * `ignored`; a value that does not parse throws.
 */
export function parsePacket(text: string, ports?: PortNumbers): { packet: Packet; ignored: string[] } {
  const w = new Int32Array(N_WORDS);
  const ignored: string[] = [];
  const fields: [string, string][] = [];
  let nwProto: number | undefined;
  // Protocol keywords first: they decide what `nw_src` and `tp_src` mean.
  for (const item of items(text)) {
    const eq = item.indexOf("=");
    if (eq >= 0) {
      fields.push([
        item.slice(0, eq).trim(),
        item
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, "$1"),
      ]);
      continue;
    }
    const proto = PROTOCOLS.get(item);
    if (proto === undefined) ignored.push(item);
    else {
      w[W_DL_TYPE] = proto.dlType;
      nwProto = proto.nwProto;
    }
  }
  fields.sort(([a], [b]) => Number(b === "dl_type") - Number(a === "dl_type"));
  for (const [name, value] of fields) {
    if (INNER_TAG.has(name)) {
      const n = Number(parseUint(value) ?? Number.NaN);
      if (Number.isNaN(n)) throw new Error(`bad ${name} value: ${value}`);
      const t = w[W_VLAN1] as number;
      if (name === "vlan_tci1") w[W_VLAN1] = n;
      else if (name === "dl_vlan1") w[W_VLAN1] = (t & ~VID_MASK) | (n & VID_MASK) | VLAN_PRESENT;
      else w[W_VLAN1] = (t & ~0xe000) | ((n & 7) << VLAN_PCP_SHIFT) | VLAN_PRESENT;
      continue;
    }
    const f = fieldFor(name, w[W_DL_TYPE] as number);
    if (f === undefined) {
      ignored.push(name);
      continue;
    }
    const v = parseFieldValue(f, value, undefined, ports);
    if (v === undefined) throw new Error(`bad ${name} value: ${value}`);
    writeField(w, f, v.value);
  }
  if (nwProto !== undefined) w[W_NW_PROTO] = nwProto;
  return { packet: wordsToPacket(w), ignored };
}

/** The field a match or packet name means on a packet of this Ethernet type (`nw_src` on ARP is `arp_spa`). */
export function fieldFor(name: string, dlType: number | undefined): FieldDef | undefined {
  if (dlType === ETH_TYPE_ARP || dlType === ETH_TYPE_RARP) {
    const arp = ARP_ALIASES.get(name.toLowerCase());
    if (arp !== undefined) return FIELDS.get(arp);
  }
  return fieldByName(name);
}

const ARP_ALIASES: ReadonlyMap<string, string> = new Map([
  ["nw_src", "arp_spa"],
  ["nw_dst", "arp_tpa"],
  ["nw_proto", "arp_op"],
]);

/**
 * Writes a whole field the way OVS's set-field does: `dl_vlan` and the PCP views also set the
 * "tag present" bit (and `dl_vlan=0xffff` removes the tag), `nw_tos` keeps the ECN bits.
 */
export function writeField(w: Int32Array, f: FieldDef, value: bigint): void {
  const tci = w[W_VLAN0] as number;
  switch (f.format) {
    case "dl_vlan":
      w[W_VLAN0] = value === 0xffffn ? 0 : (tci & ~VID_MASK) | (Number(value) & VID_MASK) | VLAN_PRESENT;
      return;
    case "vlan_pcp":
      w[W_VLAN0] = (tci & ~0xe000) | ((Number(value) & 7) << VLAN_PCP_SHIFT) | VLAN_PRESENT;
      return;
    case "tos":
      w[W_NW_TOS] = ((w[W_NW_TOS] as number) & 3) | (Number(value) & 0xfc);
      return;
    default:
      setField(w, f, value);
  }
}

/** Reads a whole field (inverse of writeField for the special views). */
export function readField(w: Int32Array, f: FieldDef): bigint {
  if (f.format === "tos") return BigInt((w[W_NW_TOS] as number) & 0xfc);
  return getField(w, f);
}

const hex = (v: bigint | number): string => "0x" + v.toString(16);

/**
 * OVS flow syntax for a packet, as `ofproto/trace` accepts it: protocol keyword, in_port, the L2
 * header, then the L3/L4 fields the packet has and the non-zero metadata. `conj_id` is left out:
 * it is never part of a packet (OVS ignores it in a trace flow).
 */
export function formatPacket(p: Packet): string {
  const out: string[] = [];
  // The most specific keyword (`tcp` rather than `ip`).
  const keyword = [...PROTOCOLS]
    .filter(([, v]) => v.dlType === p.dl_type && (v.nwProto === undefined || v.nwProto === p.nw_proto))
    .sort(([, a], [, b]) => Number(b.nwProto !== undefined) - Number(a.nwProto !== undefined))[0];
  if (keyword !== undefined) out.push(keyword[0]);
  out.push(`in_port=${p.in_port}`);
  const [outer, inner] = p.vlans;
  if (outer === undefined) out.push("vlan_tci=0x0000");
  else {
    out.push(`dl_vlan=${outer.vid}`, `dl_vlan_pcp=${outer.pcp}`);
    if (inner !== undefined) out.push(`vlan_tci1=${hex(tciOf(inner))}`);
  }
  out.push(`dl_src=${p.dl_src}`, `dl_dst=${p.dl_dst}`);
  if (keyword === undefined) out.push(`dl_type=${hex(p.dl_type)}`);
  const add = (name: string, v: string | number | bigint | undefined): void => {
    if (v !== undefined) out.push(`${name}=${typeof v === "bigint" ? hex(v) : v}`);
  };
  add("arp_spa", p.arp_spa);
  add("arp_tpa", p.arp_tpa);
  add("arp_op", p.arp_op);
  add("arp_sha", p.arp_sha);
  add("arp_tha", p.arp_tha);
  add("nw_src", p.nw_src);
  add("nw_dst", p.nw_dst);
  add("ipv6_src", p.ipv6_src);
  add("ipv6_dst", p.ipv6_dst);
  add("ipv6_label", p.ipv6_label === undefined ? undefined : hex(p.ipv6_label));
  if (keyword?.[1].nwProto === undefined) add("nw_proto", p.nw_proto);
  add("nw_tos", p.nw_tos);
  add("nw_ecn", p.nw_ecn);
  add("nw_ttl", p.nw_ttl);
  add("nw_frag", p.nw_frag);
  // OVS's flow parser wants the protocol's own names (`tp_src` would mean tcp_src on a UDP packet).
  const l4 = p.nw_proto === IPPROTO_UDP ? "udp" : p.nw_proto === IPPROTO_SCTP ? "sctp" : "tcp";
  add(`${l4}_src`, p.tp_src);
  add(`${l4}_dst`, p.tp_dst);
  add("tcp_flags", p.tcp_flags === undefined ? undefined : hex(p.tcp_flags));
  const icmp = p.dl_type === ETH_TYPE_IPV6 ? "icmpv6" : "icmp";
  add(`${icmp}_type`, p.icmp_type);
  add(`${icmp}_code`, p.icmp_code);
  add("nd_target", p.nd_target);
  add("nd_sll", p.nd_sll);
  add("nd_tll", p.nd_tll);
  add("tun_id", p.tun_id);
  add("tun_src", p.tun_src);
  add("tun_dst", p.tun_dst);
  add("metadata", p.metadata);
  p.regs?.forEach((r, i) => {
    if (r !== 0) out.push(`reg${i}=${hex(r >>> 0)}`);
  });
  add("pkt_mark", p.pkt_mark === undefined ? undefined : hex(p.pkt_mark));
  add("ct_state", p.ct_state === undefined ? undefined : formatFlags(CT_STATE_BITS, p.ct_state));
  add("ct_zone", p.ct_zone);
  add("ct_mark", p.ct_mark === undefined ? undefined : hex(p.ct_mark));
  add("ct_label", p.ct_label);
  return out.join(",");
}
