/**
 * What a router namespace does to a packet: the nat table (as `iptables-save` text, read from the model's
 * `natRules`) walked chain by chain for the first packet of a connection, and the routing table (longest prefix
 * first, connected routes from the devices' addresses when the route dump is missing).
 *
 * Evaluated matches: -s/-d (CIDR), -i/-o (with `+` wildcards), -p, --dport/--sport, `-m conntrack --ctstate
 * DNAT` (whether this packet was DNAT-ed here), `-m state`/`--ctstate NEW` (the first packet is NEW). Anything
 * else is assumed to match and is reported, so a verdict never rests on a silent guess.
 */
import type { EvidenceRef, Namespace, Route } from "../model/types.js";
import { type IptOption, type IptRule, parseIptablesSave } from "../parse/iptables.js";
import { addrOf, inCidr, parseCidr } from "./topology.js";
import type { TraceProto } from "./types.js";

export interface NatPacket {
  src: string;
  dst: string;
  proto: TraceProto;
  /** Interface the packet came in on (PREROUTING, POSTROUTING) and goes out of (POSTROUTING, OUTPUT). */
  inDev?: string;
  outDev?: string;
  /** This packet was DNAT-ed in PREROUTING/OUTPUT (`--ctstate DNAT`). */
  dnatted: boolean;
}

export interface NatRule {
  rule: IptRule;
  evidence: EvidenceRef;
}

export interface NatResult {
  /** The rule that decided (SNAT/DNAT/REDIRECT/MASQUERADE/ACCEPT/DROP), if any did. */
  decided?: NatRule;
  target?: string;
  /** For SNAT/DNAT: the new address (`--to-source`/`--to-destination`, port dropped); REDIRECT: the port. */
  to?: string;
  /** Rules entered on the way (jumps). */
  path: NatRule[];
  /** Matches that were not evaluated and assumed to hold. */
  assumed: string[];
}

/** The nat table of a namespace: rules by chain, each with its file line. */
export interface NatTable {
  chains: Map<string, NatRule[]>;
}

export function natTable(ns: Namespace): NatTable | undefined {
  if (ns.natRules.length === 0) return undefined;
  const text = `*nat\n${ns.natRules.map((r) => r.text).join("\n")}\nCOMMIT\n`;
  const parsed = parseIptablesSave(text, "nat").value;
  const chains = new Map<string, NatRule[]>();
  for (const t of parsed.tables) {
    for (const rule of t.rules) {
      // Line 1 is the `*nat` header: rule n of natRules is on line n + 1.
      const src = ns.natRules[rule.line - 2];
      if (!src) continue;
      const list = chains.get(rule.chain) ?? [];
      list.push({ rule, evidence: src.evidence });
      chains.set(rule.chain, list);
    }
  }
  return { chains };
}

const PROTO_NUMBERS: Record<string, string> = { "1": "icmp", "6": "tcp", "17": "udp" };

function ifaceMatches(pattern: string, dev: string | undefined): boolean {
  if (dev === undefined) return false;
  return pattern.endsWith("+") ? dev.startsWith(pattern.slice(0, -1)) : dev === pattern;
}

function optionText(o: IptOption): string {
  return `${o.negated ? "! " : ""}${o.flag}${o.value === undefined ? "" : ` ${o.value}`}`;
}

/** Whether the rule's matches hold for the packet; unknown matches are assumed to hold and listed. */
function ruleMatches(rule: IptRule, p: NatPacket, assumed: string[]): boolean {
  for (const m of rule.matches) {
    for (const o of m.options) {
      const v = o.value ?? "";
      let ok: boolean | undefined;
      switch (o.flag) {
        case "-s":
        case "--source":
        case "--src":
          ok = v.split(",").some((c) => inCidr(p.src, c));
          break;
        case "-d":
        case "--destination":
        case "--dst":
          ok = v.split(",").some((c) => inCidr(p.dst, c));
          break;
        case "-i":
        case "--in-interface":
          ok = ifaceMatches(v, p.inDev);
          break;
        case "-o":
        case "--out-interface":
          ok = ifaceMatches(v, p.outDev);
          break;
        case "-p":
        case "--protocol": {
          const name = PROTO_NUMBERS[v] ?? v.toLowerCase();
          ok = name === "all" || name === "0" || name === p.proto.name;
          break;
        }
        case "--dport":
        case "--destination-port":
        case "--dports":
        case "--sport":
        case "--source-port":
        case "--sports": {
          const isDst = o.flag.startsWith("--d");
          if (!isDst) {
            assumed.push(`\`${optionText(o)}\` (source port not modelled) assumed to match`);
            ok = !o.negated;
            break;
          }
          const port = p.proto.port;
          ok =
            port !== undefined &&
            v.split(",").some((part) => {
              const [a = "", b] = part.split(":");
              return port >= Number(a) && port <= Number(b ?? a);
            });
          break;
        }
        case "--ctstate":
        case "--state": {
          const states = v.split(",").map((s) => s.toUpperCase());
          // The first packet of a connection: NEW, and DNAT when PREROUTING/OUTPUT rewrote its destination.
          ok = states.some((s) => s === "NEW" || (s === "DNAT" && p.dnatted));
          break;
        }
        case "-f":
        case "--fragment":
          ok = false;
          break;
        case "--comment":
          continue;
        default:
          assumed.push(
            `\`${m.module ? `-m ${m.module} ` : ""}${optionText(o)}\` not evaluated: assumed to match`,
          );
          continue;
      }
      if (ok === undefined) continue;
      if (o.negated ? ok : !ok) return false;
    }
  }
  return true;
}

const TERMINAL = new Set(["SNAT", "DNAT", "MASQUERADE", "REDIRECT", "ACCEPT", "DROP", "NETMAP"]);

function targetTo(rule: IptRule, target: string): string | undefined {
  const flag =
    target === "SNAT"
      ? "--to-source"
      : target === "DNAT"
        ? "--to-destination"
        : target === "REDIRECT"
          ? "--to-ports"
          : undefined;
  if (flag === undefined) return undefined;
  const o = rule.targetArgs.find((a) => a.flag === flag || a.flag === "--to");
  const v = o?.value?.split(" ")[0];
  if (v === undefined) return undefined;
  // `203.0.113.10:1024-65535` → the address; a range keeps its first address.
  return target === "REDIRECT" ? v : (v.split(":")[0] ?? v).split("-")[0];
}

/** Walks a built-in nat chain (PREROUTING, OUTPUT, POSTROUTING) for the packet. */
export function evalNat(table: NatTable, chain: string, p: NatPacket): NatResult {
  const result: NatResult = { path: [], assumed: [] };
  const walk = (name: string, depth: number): "stop" | "return" => {
    if (depth > 32) return "return";
    for (const nr of table.chains.get(name) ?? []) {
      const assumed: string[] = [];
      if (!ruleMatches(nr.rule, p, assumed)) continue;
      result.assumed.push(...assumed);
      const target = nr.rule.target;
      if (target === undefined) continue;
      if (target === "RETURN") return "return";
      if (TERMINAL.has(target)) {
        result.decided = nr;
        result.target = target;
        const to = targetTo(nr.rule, target);
        if (to !== undefined) result.to = to;
        return "stop";
      }
      if (table.chains.has(target) || target.startsWith("neutron-")) {
        result.path.push(nr);
        if (walk(target, depth + 1) === "stop") return "stop";
        result.path.pop();
        if (nr.rule.goto) return "return";
      }
      // LOG, MARK, CT… do not end the walk.
    }
    return "return";
  };
  walk(chain, 0);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Routing

export interface RouteChoice {
  route: Route;
  /** Prefix length that won. */
  len: number;
  /** Derived from a device address (the namespace has no route dump). */
  connected: boolean;
  nextHop: string;
}

/** The namespace's IPv4 routes: the dump's, plus connected routes of device addresses the dump lacks. */
export function routesOf(ns: Namespace): { routes: Route[]; connected: Set<Route> } {
  const routes = ns.routes.filter((r) => r.table === undefined || r.table === "main");
  const connected = new Set<Route>();
  for (const link of ns.links) {
    if (link.name === "lo") continue;
    for (const a of link.addresses) {
      if (a.family !== "inet") continue;
      const c = parseCidr(a.cidr);
      if (!c || c.len === 32) continue;
      const size = 2 ** (32 - c.len);
      const base = Math.floor(c.base / size) * size;
      const net = `${[base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join(".")}/${c.len}`;
      if (routes.some((r) => r.dst === net)) continue;
      const r: Route = { dst: net, dev: link.name };
      connected.add(r);
      routes.push(r);
    }
  }
  return { routes, connected };
}

export function lookupRoute(ns: Namespace, dst: string): RouteChoice | undefined {
  const { routes, connected } = routesOf(ns);
  let best: RouteChoice | undefined;
  for (const route of routes) {
    const c = parseCidr(route.dst);
    if (!c || !inCidr(dst, route.dst === "default" ? "0.0.0.0/0" : route.dst)) continue;
    if (best === undefined || c.len > best.len) {
      best = { route, len: c.len, connected: connected.has(route), nextHop: route.via ?? dst };
    }
  }
  return best;
}

/** The namespace's own IPv4 addresses. */
export function localAddresses(ns: Namespace): { ip: string; dev: string }[] {
  return ns.links.flatMap((l) =>
    l.addresses.filter((a) => a.family === "inet").map((a) => ({ ip: addrOf(a.cidr), dev: l.name })),
  );
}

export function formatRoute(r: Route): string {
  return `${r.dst}${r.via ? ` via ${r.via}` : ""}${r.dev ? ` dev ${r.dev}` : ""}`;
}
