/**
 * Linux part of the model: links and addresses (JSON preferred, text otherwise), Linux bridges of the hybrid
 * firewall, and network namespaces with their links, routes and NAT rules.
 */
import { parseBrctlShow, parseBridgeLink } from "../parse/brctl.js";
import { type IpLink, parseIpAddr, parseIpJson, parseIpNetns, parseIpRoute } from "../parse/ip.js";
import { parseIptablesSave } from "../parse/iptables.js";
import type { ParseResult } from "../parse/types.js";
import type { EvidenceItem } from "../snapshot/format.js";
import { type EvidenceReader, lineRef } from "./evidence.js";
import { classifyNamespace } from "./naming.js";
import type { EvidenceRef, Link, LinuxBridge, Namespace } from "./types.js";

function toLink(l: IpLink, ref: EvidenceRef): Link {
  const link: Link = {
    name: l.name,
    up: l.up,
    lowerUp: l.lowerUp,
    addresses: l.addrs.map((a) => ({ family: a.family, cidr: `${a.local}/${a.prefixlen}` })),
    evidence: lineRef(ref, l.line),
  };
  if (l.index !== undefined) link.index = l.index;
  if (l.state !== undefined) link.state = l.state;
  if (l.mtu !== undefined) link.mtu = l.mtu;
  if (l.master !== undefined) link.master = l.master;
  if (l.mac !== undefined) link.mac = l.mac;
  const kind = l.kind ?? l.slaveKind;
  if (kind !== undefined) link.kind = kind;
  if (l.peer !== undefined) link.peer = l.peer;
  return link;
}

/** `ip` output is JSON when it starts with `[`, text otherwise: one evidence id serves both. */
function parseIpAny(text: string): ParseResult<IpLink[]> {
  return text.trimStart().startsWith("[") ? parseIpJson(text) : parseIpAddr(text);
}

function readLinks(ev: EvidenceReader, owner: string, item: EvidenceItem | undefined): Link[] | undefined {
  const parsed = ev.parse(owner, item, parseIpAny);
  return parsed?.value.map((l) => toLink(l, parsed.ref));
}

export function buildLinks(ev: EvidenceReader, node: string): Link[] {
  const owner = `node:${node}`;
  const links =
    readLinks(ev, owner, ev.item(node, "ip-j-addr")) ?? readLinks(ev, owner, ev.item(node, "ip-addr"));
  if (!links) ev.missing(owner, "no `ip addr` output: NIC state, MTU and masters unknown");
  return links ?? [];
}

/** `brctl show` and iproute2's `bridge link show` both say which device sits in which Linux bridge. */
function parseLinuxBridges(text: string): ParseResult<LinuxBridge[]> {
  if (/^bridge name/.test(text.trimStart())) {
    const r = parseBrctlShow(text);
    return { value: r.value.map((b) => ({ name: b.name, interfaces: b.interfaces })), issues: r.issues };
  }
  const r = parseBridgeLink(text);
  const bridges = new Map<string, LinuxBridge>();
  for (const p of r.value) {
    if (p.master === undefined) continue;
    const b = bridges.get(p.master) ?? { name: p.master, interfaces: [] };
    b.interfaces.push(p.name);
    bridges.set(p.master, b);
  }
  return { value: [...bridges.values()], issues: r.issues };
}

export function buildLinuxBridges(ev: EvidenceReader, node: string): LinuxBridge[] {
  return ev.parse(`node:${node}`, ev.item(node, "bridge-link"), parseLinuxBridges)?.value ?? [];
}

export function buildNamespaces(ev: EvidenceReader, node: string): Namespace[] {
  const owner = `node:${node}`;
  const listed = ev.parse(owner, ev.item(node, "ip-netns"), parseIpNetns);
  const names = new Set<string>(listed?.value.map((n) => n.name) ?? []);
  // Per-namespace outputs count even when `ip netns` itself is missing.
  for (const id of ["ns-ip-addr", "ns-ip-route", "ns-iptables-save"])
    for (const p of ev.params(node, id)) names.add(p);
  return [...names].sort().map((name) => {
    const nsOwner = `${owner}/netns:${name}`;
    const cls = classifyNamespace(name);
    const ns: Namespace = {
      name,
      kind: cls.kind,
      links: readLinks(ev, nsOwner, ev.item(node, "ns-ip-addr", name)) ?? [],
      routes: [],
      natRules: [],
    };
    if (cls.id !== undefined) ns.objectId = cls.id;
    const listLine = listed?.value.find((n) => n.name === name);
    if (listed && listLine) ns.evidence = listed.ref;
    const routes = ev.parse(nsOwner, ev.item(node, "ns-ip-route", name), parseIpRoute);
    ns.routes = (routes?.value ?? []).map((r) => {
      const route: Namespace["routes"][number] = { dst: r.dst };
      if (r.via !== undefined) route.via = r.via;
      if (r.dev !== undefined) route.dev = r.dev;
      if (r.table !== undefined) route.table = r.table;
      return route;
    });
    const ipt = ev.parse(nsOwner, ev.item(node, "ns-iptables-save", name), (t) => parseIptablesSave(t));
    for (const table of ipt?.value.tables ?? []) {
      if (table.name !== "nat") continue;
      for (const r of table.rules)
        ns.natRules.push({ text: r.text, evidence: lineRef(ipt!.ref, r.line, r.text) });
    }
    return ns;
  });
}
