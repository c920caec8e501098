/**
 * The datapath below OpenFlow: `ovs-dpctl dump-flows` / `ovs-appctl dpctl/dump-flows [-m] [--names]`
 * (the megaflows the kernel or userspace datapath is really executing, with their hit counters) and
 * `ovs-dpctl show` / `ovs-appctl dpctl/show [-s]` (datapaths, their lookup statistics and ports).
 */
import { isPasteNoise } from "./ofctl-flows.js";
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

/** One `key(value)` of a datapath flow key; nested parens (`encap(eth_type(…),ipv4(…))`) stay text. */
export interface DpMatchField {
  key: string;
  value: string;
}

export interface DpFlow {
  /** Unique flow id, printed with `-m` (`ufid:111ac3fe-…`). */
  ufid?: string;
  match: DpMatchField[];
  packets: number;
  bytes: number;
  /** Seconds since the flow last matched a packet, or `never`. */
  used: number | "never";
  /** TCP flags seen (`flags:SFP.`), printed only when some were. */
  tcpFlags?: string;
  /** Where the flow lives (`-m`): `ovs` (kernel or userspace datapath), `tc` (TC flower offload), … */
  dp?: string;
  /** `-m` on an offloaded flow: `yes`, or `partial` when only the match is offloaded. */
  offloaded?: string;
  /** Datapath actions split at top-level commas: `push_vlan(vid=2,pcp=0)`, `3`, `br-int`, `drop`. */
  actions: string[];
  /** Userspace datapath detail after the actions (`dp-extra-info:miniflow_bits(5,1)`). */
  dpExtraInfo?: string;
  /** `name:value` items this parser does not know, as printed. */
  other: Record<string, string>;
  /** The userspace datapath dumps per thread (`flow-dump from pmd on cpu core: 2`): which one. */
  thread?: string;
  line: number;
}

const THREAD_RE = /^\s*flow-dump from (.*?):?\s*$/;
/** A top-level `name:value` item (stats, ufid, dp, actions…), as opposed to a `key(value)` match field. */
const INFO_RE = /^([A-Za-z_-]+):(.*)$/s;
const FIELD_RE = /^([^()]+)\((.*)\)$/s;
const USED_RE = /^(-?\d+(?:\.\d+)?)s$/;
const COUNT_RE = /^\d+$/;

/** Split at commas outside (), {} and []: `a(b,c),d` -> `a(b,c)`, `d`. Items are trimmed. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(" || c === "{" || c === "[") depth++;
    else if ((c === ")" || c === "}" || c === "]") && depth > 0) depth--;
    else if (c === "," && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out;
}

/** One flow line, or the reason it is not one. */
function parseDpFlowLine(raw: string, line: number): DpFlow | string {
  const flow: DpFlow = { match: [], packets: 0, bytes: 0, used: "never", actions: [], other: {}, line };
  const seen = new Set<string>();
  let inActions = false;
  for (const item of splitTopLevel(raw.trim())) {
    // Only dp-extra-info follows the actions; every other item after `actions:` is an action.
    if (inActions && !item.startsWith("dp-extra-info:")) {
      if (item !== "") flow.actions.push(item);
      continue;
    }
    const info = INFO_RE.exec(item);
    if (info === null) {
      const field = FIELD_RE.exec(item);
      if (field === null) return `not a key(value) field: ${JSON.stringify(item)}`;
      flow.match.push({ key: field[1] ?? "", value: field[2] ?? "" });
      continue;
    }
    const [, name = "", value = ""] = info;
    seen.add(name);
    switch (name) {
      case "ufid":
        flow.ufid = value;
        break;
      case "packets":
      case "bytes":
        if (!COUNT_RE.test(value)) return `${name}: not a count: ${JSON.stringify(value)}`;
        flow[name as "packets" | "bytes"] = Number(value);
        break;
      case "used": {
        const secs = USED_RE.exec(value);
        if (value !== "never" && secs === null)
          return `used: neither "never" nor seconds: ${JSON.stringify(value)}`;
        flow.used = secs === null ? "never" : Number(secs[1]);
        break;
      }
      case "flags":
        flow.tcpFlags = value;
        break;
      case "dp":
        flow.dp = value;
        break;
      case "offloaded":
        flow.offloaded = value;
        break;
      case "actions":
        inActions = true;
        if (value !== "") flow.actions.push(value);
        break;
      case "dp-extra-info":
        flow.dpExtraInfo = value;
        break;
      default:
        flow.other[name] = value;
    }
  }
  const missing = ["packets", "bytes", "used", "actions"].filter((k) => !seen.has(k));
  if (missing.length > 0) return `missing ${missing.join(", ")} (line cut short?)`;
  return flow;
}

/** `ovs-dpctl dump-flows` / `ovs-appctl dpctl/dump-flows [-m] [--names]`: one flow a line. */
export function parseDpctlFlows(text: string): ParseResult<DpFlow[]> {
  const issues: ParseIssue[] = [];
  const flows: DpFlow[] = [];
  let thread: string | undefined;
  splitLines(text).forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === "" || isPasteNoise(raw)) return;
    const header = THREAD_RE.exec(raw);
    if (header !== null) {
      thread = header[1];
      return;
    }
    const r = parseDpFlowLine(raw, line);
    if (typeof r === "string") issues.push(issue(line, `not a datapath flow: ${r}`, raw));
    else {
      if (thread !== undefined) r.thread = thread;
      flows.push(r);
    }
  });
  return { value: flows, issues };
}

export interface DpctlPort {
  /** Datapath port number (what datapath flows' `in_port(N)` and actions use without `--names`). */
  port: number;
  name: string;
  /** From `(type…)`; absent for ordinary system devices (`port 2: eth2`). */
  type?: string;
  /** Tunnel and other settings after the type: `(vxlan: packet_type=ptap)` -> `{packet_type: "ptap"}`. */
  config: Record<string, string>;
  /** `-s` counters, keyed `rx_packets`, `tx_dropped`, `collisions`, `rx_bytes`, …. */
  stats: Record<string, number>;
  line: number;
}

export interface DpctlDatapath {
  /** `system@ovs-system` (kernel) or `netdev@ovs-netdev` (userspace). */
  name: string;
  lookups?: { hit: number; missed: number; lost: number };
  flows?: number;
  /** The other `name: key:value …` lines (`masks`, `cache`, `masks-cache`), values as printed. */
  stats: Record<string, Record<string, string>>;
  ports: DpctlPort[];
  line: number;
}

const DP_RE = /^(\S+@\S+):\s*$/;
const PORT_RE = /^\s+port (\d+): (\S+)(?: \((.*)\))?\s*$/;
const FLOWS_RE = /^\s+flows: (\d+)\s*$/;
const COUNTERS_RE = /^\s+([A-Za-z][\w-]*): ?((?:\s*[\w/-]+:\S+)*)\s*$/;
const PORT_STATS_RE = /^\s+(?:RX|TX|collisions:)/;
const PAIR_RE = /([\w/-]+):(\S+)/g;

function pairs(s: string): Record<string, string> {
  return Object.fromEntries([...s.matchAll(PAIR_RE)].map((m) => [m[1] ?? "", m[2] ?? ""]));
}

/**
 * `RX packets:13 errors:0 …`, `collisions:0`, `RX bytes:1090 (1.1 KiB)  TX bytes:2056 (2.0 KiB)`:
 * the RX/TX word applies to the counters after it; the human-readable sizes in parens are dropped.
 */
function readPortStats(raw: string, stats: Record<string, number>): boolean {
  let prefix = "";
  let any = false;
  for (const m of raw.matchAll(/(?:\b(RX|TX)\s+)?([a-z_]+):(\d+)/g)) {
    if (m[1] !== undefined) prefix = `${m[1].toLowerCase()}_`;
    stats[`${prefix}${m[2]}`] = Number(m[3]);
    any = true;
  }
  return any;
}

/** `ovs-dpctl show` / `ovs-appctl dpctl/show [-s]`: datapaths with their counters and ports. */
export function parseDpctlShow(text: string): ParseResult<DpctlDatapath[]> {
  const issues: ParseIssue[] = [];
  const dps: DpctlDatapath[] = [];
  let dp: DpctlDatapath | undefined;
  let port: DpctlPort | undefined;
  splitLines(text).forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === "" || isPasteNoise(raw)) return;
    const head = DP_RE.exec(raw);
    if (head !== null) {
      dp = { name: head[1] ?? "", stats: {}, ports: [], line };
      dps.push(dp);
      port = undefined;
      return;
    }
    if (dp === undefined) {
      issues.push(issue(line, "expected a `type@name:` datapath line first", raw));
      return;
    }
    const p = PORT_RE.exec(raw);
    if (p !== null) {
      port = { port: Number(p[1]), name: p[2] ?? "", config: {}, stats: {}, line };
      const paren = p[3];
      if (paren !== undefined) {
        const colon = paren.indexOf(":");
        port.type = (colon < 0 ? paren : paren.slice(0, colon)).trim();
        if (colon >= 0) {
          for (const item of paren.slice(colon + 1).split(",")) {
            const eq = item.indexOf("=");
            if (item.trim() === "") continue;
            if (eq < 0) port.config[item.trim()] = "";
            else port.config[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
          }
        }
      }
      dp.ports.push(port);
      return;
    }
    if (PORT_STATS_RE.test(raw) && port !== undefined && readPortStats(raw, port.stats)) return;
    const flows = FLOWS_RE.exec(raw);
    if (flows !== null) {
      dp.flows = Number(flows[1]);
      return;
    }
    const counters = COUNTERS_RE.exec(raw);
    if (counters !== null) {
      const [, name = "", rest = ""] = counters;
      const values = pairs(rest);
      const { hit, missed, lost } = values;
      if (name === "lookups" && hit !== undefined && missed !== undefined && lost !== undefined) {
        dp.lookups = { hit: Number(hit), missed: Number(missed), lost: Number(lost) };
      } else dp.stats[name] = values;
      return;
    }
    issues.push(issue(line, "not a datapath counter, port or port statistics line", raw));
  });
  return { value: dps, issues };
}
