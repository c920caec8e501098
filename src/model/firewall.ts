/**
 * The filter tables the security checks read, with each rule's matches normalised so that the two shapes of
 * the evidence read alike: the host's `iptables-save` (live) or `iptables -vnxL` listing (sosreports), and the
 * `iptables-save` of router namespaces (FWaaS). On the host, the hybrid driver's per-port chains
 * `neutron-openvswi-{i,o,s}<port id[:10]>` are picked out (neutron-ovs-facts §6).
 */
import {
  type IptablesList,
  type IptablesSave,
  type IptOption,
  type IptRule,
  parseIptablesList,
  parseIptablesSave,
} from "../parse/iptables.js";
import { splitLines } from "../parse/types.js";
import { type EvidenceReader, lineRef } from "./evidence.js";
import type { EvidenceRef } from "./types.js";

export interface FwRule {
  chain: string;
  /** `-j` target (RETURN, DROP, another chain); undefined for a rule without one. */
  target?: string;
  /** `tcp`, `udp`, `icmp`, …; undefined for any protocol (`all`, `0`). */
  protocol?: string;
  /** Source prefix; undefined for any (`0.0.0.0/0`). */
  source?: string;
  destination?: string;
  inInterface?: string;
  outInterface?: string;
  /** Destination port ranges (`--dport`, `multiport --dports`, `dpt:`, `dpts:`); undefined for any. */
  dports?: [number, number][];
  /** ICMP type (`--icmp-type`, `icmptype`); undefined for any. */
  icmpType?: string;
  /** Connection states the rule is limited to (`-m state --state`, `-m conntrack --ctstate`). */
  states?: string[];
  /** ipset the source must be in (`--match-set NIPv4… src`): a security-group rule with a remote group. */
  sourceSet?: string;
  physdevIn?: string;
  physdevOut?: string;
  /** Restrictions not interpreted above (source ports, MAC, negations, …), as written. */
  otherMatches: string[];
  evidence: EvidenceRef;
}

export interface FwChain {
  name: string;
  /** Built-in chains only. */
  policy?: string;
  rules: FwRule[];
  /** The chain's declaration (`:name - [0:0]`, `Chain name (…)`), or its first rule. */
  evidence: EvidenceRef;
}

export interface FilterTable {
  chains: FwChain[];
  /** The built-in INPUT, FORWARD and OUTPUT chains are all there: a whole table, not a grep'd excerpt. */
  complete: boolean;
  evidence: EvidenceRef;
}

/** The hybrid driver's chains of one port (`neutron-openvswi-i1d40b89c-f` → stem `1d40b89c-f`). */
export interface HybridPortChains {
  /** First 10 characters of the Neutron port id. */
  stem: string;
  /** Traffic to the VM (security-group ingress rules). */
  ingress?: FwChain;
  /** Traffic from the VM (egress rules). */
  egress?: FwChain;
  /** Anti-spoofing: the IP/MAC pairs the VM may send from. */
  spoof?: FwChain;
}

export interface NodeFirewall {
  /** Host filter table; undefined when the snapshot has no host iptables output. */
  host?: FilterTable;
  hybridPorts: HybridPortChains[];
  /** Filter tables of namespaces that have an `iptables-save` (qrouter: FWaaS). */
  namespaces: { name: string; filter: FilterTable }[];
}

/** Prefix of the OVS agent's chains: the binary name cut to 16 characters (neutron-ovs-facts §6). */
export const HYBRID_CHAIN_PREFIX = "neutron-openvswi-";
const HYBRID_PORT_CHAIN = /^neutron-openvswi-([ios])([0-9a-f]{8}-[0-9a-f])$/;

/** The name of a port's hybrid chain: `i` ingress, `o` egress, `s` anti-spoofing. */
export function hybridChainName(kind: "i" | "o" | "s", portId: string): string {
  return `${HYBRID_CHAIN_PREFIX}${kind}${portId.slice(0, 10)}`;
}

const PROTOCOL_NUMBERS: Record<string, string> = { "1": "icmp", "6": "tcp", "17": "udp", "58": "ipv6-icmp" };

function protocolName(p: string | undefined): string | undefined {
  if (p === undefined || p === "all" || p === "0") return undefined;
  return PROTOCOL_NUMBERS[p] ?? p.toLowerCase();
}

function anyAddress(a: string | undefined): string | undefined {
  return a === undefined || a === "0.0.0.0/0" || a === "::/0" ? undefined : a;
}

/** `22`, `1:65535`, `22,80,1000:2000` → ranges; undefined when a part is not a port. */
function portRanges(text: string): [number, number][] | undefined {
  const out: [number, number][] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)(?::(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    out.push([Number(m[1]), Number(m[2] ?? m[1])]);
  }
  return out;
}

function optionText(o: IptOption): string {
  return `${o.negated ? "! " : ""}${o.flag}${o.value === undefined ? "" : ` ${o.value}`}`;
}

/** One `iptables-save` rule in the normalised shape. */
function fromSaveRule(r: IptRule, ref: EvidenceRef): FwRule {
  const rule: FwRule = { chain: r.chain, otherMatches: [], evidence: lineRef(ref, r.line, r.text) };
  if (r.target !== undefined) rule.target = r.target;
  for (const o of r.matches.flatMap((m) => m.options)) {
    const v = o.value ?? "";
    if (o.negated) {
      rule.otherMatches.push(optionText(o));
      continue;
    }
    switch (o.flag) {
      case "-p":
      case "--protocol": {
        const p = protocolName(v);
        if (p !== undefined) rule.protocol = p;
        break;
      }
      case "-s":
      case "--source":
      case "--src": {
        const s = anyAddress(v);
        if (s !== undefined) rule.source = s;
        break;
      }
      case "-d":
      case "--destination":
      case "--dst": {
        const d = anyAddress(v);
        if (d !== undefined) rule.destination = d;
        break;
      }
      case "-i":
      case "--in-interface":
        rule.inInterface = v;
        break;
      case "-o":
      case "--out-interface":
        rule.outInterface = v;
        break;
      case "--dport":
      case "--destination-port":
      case "--dports":
      case "--destination-ports":
      case "--ports": {
        const ranges = portRanges(v);
        if (ranges) rule.dports = [...(rule.dports ?? []), ...ranges];
        else rule.otherMatches.push(optionText(o));
        break;
      }
      case "--state":
      case "--ctstate":
        rule.states = v.split(",");
        break;
      case "--match-set":
        if (o.values[1]?.split(",")[0] === "src" && o.values[0] !== undefined) rule.sourceSet = o.values[0];
        else rule.otherMatches.push(optionText(o));
        break;
      case "--physdev-in":
        rule.physdevIn = v;
        break;
      case "--physdev-out":
        rule.physdevOut = v;
        break;
      case "--icmp-type":
        rule.icmpType = v;
        break;
      case "--physdev-is-bridged":
      case "--comment":
        break;
      default:
        rule.otherMatches.push(optionText(o));
    }
  }
  return rule;
}

/** The trailing text of an `iptables -L` row (`tcp dpt:22`, `state RELATED,ESTABLISHED`, `PHYSDEV match …`). */
function readListRest(rest: string, rule: FwRule): void {
  const words = rest
    .replace(/\/\*.*?\*\//g, " ")
    .split(/\s+/)
    .filter((w) => w !== "");
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    const range = /^dpts?:(\d+)(?::(\d+))?$/.exec(w);
    if (range) {
      rule.dports = [...(rule.dports ?? []), [Number(range[1]), Number(range[2] ?? range[1])]];
    } else if (w === "multiport" && next !== undefined) {
      const ranges = next === "dports" || next === "ports" ? portRanges(words[i + 2] ?? "") : undefined;
      if (ranges) rule.dports = [...(rule.dports ?? []), ...ranges];
      else rule.otherMatches.push(words.slice(i, i + 3).join(" "));
      i += 2;
    } else if ((w === "state" || w === "ctstate") && next !== undefined) {
      rule.states = next.split(",");
      i++;
    } else if (w === "match-set" && next !== undefined) {
      if (words[i + 2]?.split(",")[0] === "src") rule.sourceSet = next;
      else rule.otherMatches.push(words.slice(i, i + 3).join(" "));
      i += 2;
    } else if ((w === "--physdev-in" || w === "--physdev-out") && next !== undefined) {
      if (w === "--physdev-in") rule.physdevIn = next;
      else rule.physdevOut = next;
      i++;
    } else if (w === "icmptype" && next !== undefined) {
      rule.icmpType = next;
      i++;
    } else if (w === "reject-with" || w === "redir" || w === "ports") {
      // Target arguments (REJECT, REDIRECT), not restrictions.
      i++;
    } else if (
      !["tcp", "udp", "icmp", "PHYSDEV", "match", "--physdev-is-bridged"].includes(w) &&
      !w.startsWith("to:")
    ) {
      rule.otherMatches.push(w);
    }
  }
}

function fromSave(
  save: IptablesSave,
  lines: string[],
  ref: EvidenceRef,
  table: string,
): FilterTable | undefined {
  const t = save.tables.find((x) => x.name === table);
  if (!t) return undefined;
  const rules = t.rules.map((r) => fromSaveRule(r, ref));
  const chains = t.chains.map((c): FwChain => {
    const own = rules.filter((r) => r.chain === c.name);
    // A chain created by its first `-A` has that rule's line.
    const chain: FwChain = { name: c.name, rules: own, evidence: lineRef(ref, c.line, lines[c.line - 1]) };
    if (c.policy !== undefined) chain.policy = c.policy;
    return chain;
  });
  return { chains, complete: isComplete(chains), evidence: ref };
}

function fromList(list: IptablesList, lines: string[], ref: EvidenceRef): FilterTable {
  const chains = list.chains.map((c): FwChain => {
    const chain: FwChain = {
      name: c.name,
      rules: c.rules.map((r) => {
        const rule: FwRule = { chain: c.name, otherMatches: [], evidence: lineRef(ref, r.line, r.text) };
        if (r.target !== undefined) rule.target = r.target;
        const p = protocolName(r.prot);
        if (p !== undefined) rule.protocol = p;
        const s = anyAddress(r.source);
        if (s !== undefined) rule.source = s;
        const d = anyAddress(r.destination);
        if (d !== undefined) rule.destination = d;
        if (r.in !== undefined && r.in !== "*") rule.inInterface = r.in;
        if (r.out !== undefined && r.out !== "*") rule.outInterface = r.out;
        if (r.opt !== undefined && r.opt !== "--") rule.otherMatches.push(r.opt);
        readListRest(r.rest, rule);
        return rule;
      }),
      evidence: lineRef(ref, c.line, lines[c.line - 1]),
    };
    if (c.policy !== undefined) chain.policy = c.policy;
    return chain;
  });
  return { chains, complete: isComplete(chains), evidence: ref };
}

function isComplete(chains: FwChain[]): boolean {
  return ["INPUT", "FORWARD", "OUTPUT"].every((n) => chains.some((c) => c.name === n));
}

function hybridPortChains(table: FilterTable): HybridPortChains[] {
  const ports = new Map<string, HybridPortChains>();
  for (const c of table.chains) {
    const m = HYBRID_PORT_CHAIN.exec(c.name);
    if (!m) continue;
    const stem = m[2]!;
    const p = ports.get(stem) ?? { stem };
    p[m[1] === "i" ? "ingress" : m[1] === "o" ? "egress" : "spoof"] = c;
    ports.set(stem, p);
  }
  return [...ports.values()];
}

/**
 * The host filter table from the `iptables-save` evidence item (which holds the `-vnxL` listing in
 * sosreports), and the filter tables of namespaces. Namespace outputs are already parsed, with their
 * issues reported, by buildNamespaces: they are re-read here without reporting them twice.
 */
export function buildFirewall(ev: EvidenceReader, node: string): NodeFirewall {
  const fw: NodeFirewall = { hybridPorts: [], namespaces: [] };
  const item = ev.item(node, "iptables-save");
  const isList = (t: string) => /^Chain\s/.test(t.trimStart());
  const host = ev.parse(`node:${node}`, item, (text) => {
    const lines = splitLines(text);
    if (isList(text)) {
      const r = parseIptablesList(text);
      return { value: fromList(r.value, lines, { path: item!.path }), issues: r.issues };
    }
    const r = parseIptablesSave(text);
    return { value: fromSave(r.value, lines, { path: item!.path }, "filter"), issues: r.issues };
  });
  if (host?.value) {
    fw.host = host.value;
    fw.hybridPorts = hybridPortChains(host.value);
  }
  for (const ns of ev.params(node, "ns-iptables-save").sort()) {
    const nsItem = ev.item(node, "ns-iptables-save", ns)!;
    const text = ev.snap.text(nsItem);
    if (text === undefined || isList(text)) continue;
    const filter = fromSave(parseIptablesSave(text).value, splitLines(text), { path: nsItem.path }, "filter");
    if (filter) fw.namespaces.push({ name: ns, filter });
  }
  return fw;
}
