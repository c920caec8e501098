/**
 * `ovs-appctl ofproto/trace` output: the flow traced, the tables it went through, the final flow
 * and the datapath actions, one section per pass (a `ct(…,table=N)` recirculation starts a new
 * section after a `recirc(0x…) - resume conntrack with ct_state=…` banner). Both layouts are read:
 * OVS ≥ 2.8 (`bridge("br0")`, numbered table lines) and the older one (`Bridge:`, `Rule: table=…`).
 *
 * `datapathOutputs` replays a section's datapath actions on its starting flow to tell what each
 * output carries (VLAN tags, rewritten headers); `parseDpifShow` maps the datapath port numbers those
 * actions use back to OpenFlow ports (they differ on the userspace datapath).
 */
import {
  fieldByName,
  type Packet,
  packetToWords,
  parseFieldValue,
  readField,
  readVlans,
  W_NW_TOS,
  wordsToPacket,
  writeField,
  writeVlans,
} from "../openflow/packet.js";
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

export interface TraceTableStep {
  bridge: string;
  table: number;
  /** The flow's match as printed (empty for a catch-all); undefined on "No match". */
  match?: string;
  priority?: number;
  cookie?: string;
  line: number;
}

export interface OfprotoTraceSection {
  /** The `Flow:` line (OVS flow syntax). */
  flow: string;
  /** The `Final flow:` line; equal to `flow` when OVS printed "unchanged". */
  finalFlow?: string;
  megaflow?: string;
  /** Raw text after `Datapath actions:`. */
  datapathActions?: string;
  actions: DatapathAction[];
  bridges: string[];
  steps: TraceTableStep[];
  /** For a recirculation: the conntrack state the trace resumed with (`est|trk`). */
  ctState?: string;
  /** 1-based line of the `Flow:` line. */
  line: number;
}

export type DatapathAction =
  | { kind: "output"; port: number }
  | { kind: "push_vlan"; vid: number; pcp: number; tpid?: number }
  | { kind: "pop_vlan" }
  /** `set(eth(src=…,dst=…))`; a value may carry `/mask`. */
  | { kind: "set"; header: string; fields: Record<string, string> }
  | { kind: "ct"; args: string }
  | { kind: "recirc"; id: string }
  /** `userspace(…)`: to the controller (`controller(…)` inside) or a slow-path upcall. */
  | { kind: "userspace"; args: string }
  | { kind: "drop" }
  | { kind: "other"; text: string };

const STEP_RE = /^\s*(\d+)\.\s+(?:(.*?),\s+)?priority (\d+)(?:,\s+cookie (\S+))?\s*$/;
const EMPTY_STEP_RE = /^\s*(\d+)\.\s+priority (\d+)(?:,\s+cookie (\S+))?\s*$/;
const MISS_RE = /^\s*(\d+)\.\s+No match\.?\s*$/;
const OLD_RULE_RE = /^\s*Rule: table=(\d+) cookie=(\S+) priority=(\d+)(?:,(.*))?$/;
const BRIDGE_RE = /^\s*bridge\("([^"]+)"\)\s*$/;
const OLD_BRIDGE_RE = /^\s*Bridge: (\S+)\s*$/;
const RECIRC_RE = /resume conntrack with (?:default )?ct_state=(\S+)/;

/** Splits at top-level commas (not inside parentheses). */
function topLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of topLevel(text)) {
    const eq = item.indexOf("=");
    if (eq < 0) out[item] = "";
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** `push_vlan(vid=5,pcp=0),3,set(eth(src=…)),ct(zone=2),recirc(0x1)` → actions in order. */
export function parseDatapathActions(text: string): DatapathAction[] {
  const t = text.trim();
  if (t === "" || t === "drop") return [{ kind: "drop" }];
  return topLevel(t).map((a): DatapathAction => {
    if (/^\d+$/.test(a)) return { kind: "output", port: Number(a) };
    if (a === "pop_vlan") return { kind: "pop_vlan" };
    if (a === "drop") return { kind: "drop" };
    const m = /^([a-z_]+)\((.*)\)$/.exec(a);
    if (m === null) return { kind: "other", text: a };
    const [, name, args = ""] = m;
    switch (name) {
      case "push_vlan": {
        const kv = keyValues(args);
        const push: DatapathAction = {
          kind: "push_vlan",
          vid: Number(kv["vid"] ?? 0),
          pcp: Number(kv["pcp"] ?? 0),
        };
        if (kv["tpid"] !== undefined) push.tpid = Number(kv["tpid"]);
        return push;
      }
      case "set": {
        const inner = /^([a-z0-9_]+)\((.*)\)$/.exec(args);
        if (inner === null) return { kind: "other", text: a };
        return { kind: "set", header: inner[1] as string, fields: keyValues(inner[2] ?? "") };
      }
      case "ct":
        return { kind: "ct", args };
      case "recirc":
        return { kind: "recirc", id: args };
      case "userspace":
        return { kind: "userspace", args };
      default:
        return { kind: "other", text: a };
    }
  });
}

/** The whole trace, one section per pass. */
export function parseOfprotoTrace(text: string): ParseResult<OfprotoTraceSection[]> {
  const sections: OfprotoTraceSection[] = [];
  const issues: ParseIssue[] = [];
  let cur: OfprotoTraceSection | undefined;
  let pendingCt: string | undefined;
  let pendingBridge: string | undefined;
  let bridge = "";
  splitLines(text).forEach((raw, idx) => {
    const line = idx + 1;
    const recirc = RECIRC_RE.exec(raw);
    if (recirc !== null) {
      pendingCt = recirc[1];
      return;
    }
    const head = /^\s*(Flow|Final flow|Megaflow|Datapath actions):\s?(.*)$/.exec(raw);
    if (head !== null) {
      const [, key, value = ""] = head;
      if (key === "Flow") {
        cur = {
          flow: value.trim(),
          actions: [],
          bridges: pendingBridge === undefined ? [] : [pendingBridge],
          steps: [],
          line,
        };
        pendingBridge = undefined;
        if (pendingCt !== undefined) cur.ctState = pendingCt;
        pendingCt = undefined;
        sections.push(cur);
      } else if (cur === undefined) issues.push(issue(line, `${key} before any Flow: line`, raw));
      else if (key === "Final flow") cur.finalFlow = value.trim() === "unchanged" ? cur.flow : value.trim();
      else if (key === "Megaflow") cur.megaflow = value.trim();
      else {
        cur.datapathActions = value.trim();
        cur.actions = parseDatapathActions(value);
      }
      return;
    }
    const b = BRIDGE_RE.exec(raw) ?? OLD_BRIDGE_RE.exec(raw);
    if (b !== null) {
      bridge = b[1] as string;
      // The old layout names the bridge before the Flow: line it belongs to.
      if (cur === undefined || cur.datapathActions !== undefined) pendingBridge = bridge;
      else cur.bridges.push(bridge);
      return;
    }
    if (cur === undefined) return;
    const step = STEP_RE.exec(raw);
    const empty = step === null ? EMPTY_STEP_RE.exec(raw) : null;
    const miss = step === null && empty === null ? MISS_RE.exec(raw) : null;
    const old = step === null && empty === null && miss === null ? OLD_RULE_RE.exec(raw) : null;
    const s: TraceTableStep | undefined =
      step !== null
        ? { bridge, table: Number(step[1]), match: step[2] ?? "", priority: Number(step[3]), line }
        : empty !== null
          ? { bridge, table: Number(empty[1]), match: "", priority: Number(empty[2]), line }
          : miss !== null
            ? { bridge, table: Number(miss[1]), line }
            : old !== null
              ? {
                  bridge,
                  table: Number(old[1]),
                  match: old[4] ?? "",
                  priority: Number(old[3]),
                  cookie: old[2],
                  line,
                }
              : undefined;
    if (s === undefined) return;
    const cookie = step?.[4] ?? empty?.[3];
    if (cookie !== undefined) s.cookie = cookie;
    cur.steps.push(s);
  });
  if (sections.length === 0) issues.push(issue(0, "no Flow: line: not an ofproto/trace output"));
  for (const s of sections) {
    if (s.datapathActions === undefined)
      issues.push(issue(s.line, "section without Datapath actions (truncated?)", s.flow, "warning"));
  }
  return { value: sections, issues };
}

/** One row of `ovs-appctl dpif/show`: `    br-int 65534/1: (tap)`. */
export interface DpifPort {
  bridge: string;
  name: string;
  /** OpenFlow port number (65534 for the bridge's LOCAL port). */
  ofport: number;
  /** Datapath port number; undefined for ports with none (patch ports print `none`). */
  dpPort?: number;
  /** Text in parentheses (`tap`, `internal`, `patch: peer=…`, `vxlan: …`). */
  type: string;
}

const DPIF_PORT_RE = /^\s{4,}(\S+) (\d+)\/(\d+|none): \((.*)\)\s*$/;
const DPIF_BRIDGE_RE = /^\s{2}(\S+):\s*$/;

export function parseDpifShow(text: string): ParseResult<DpifPort[]> {
  const ports: DpifPort[] = [];
  const issues: ParseIssue[] = [];
  let bridge: string | undefined;
  splitLines(text).forEach((raw, idx) => {
    const b = DPIF_BRIDGE_RE.exec(raw);
    if (b !== null) {
      bridge = b[1];
      return;
    }
    const m = DPIF_PORT_RE.exec(raw);
    if (m === null) {
      if (/^\s{4,}\S/.test(raw)) issues.push(issue(idx + 1, "not a `name ofport/dp_port: (type)` row", raw));
      return;
    }
    if (bridge === undefined) {
      issues.push(issue(idx + 1, "port row before any bridge line", raw));
      return;
    }
    const p: DpifPort = { bridge, name: m[1] as string, ofport: Number(m[2]), type: m[4] as string };
    if (m[3] !== "none") p.dpPort = Number(m[3]);
    ports.push(p);
  });
  return { value: ports, issues };
}

/** Datapath `set(…)` keys → the packet fields they rewrite. */
const SET_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  eth: { src: "dl_src", dst: "dl_dst" },
  ipv4: { src: "nw_src", dst: "nw_dst", ttl: "nw_ttl", proto: "nw_proto" },
  ipv6: { src: "ipv6_src", dst: "ipv6_dst", label: "ipv6_label", hlimit: "nw_ttl", proto: "nw_proto" },
  tcp: { src: "tp_src", dst: "tp_dst" },
  udp: { src: "tp_src", dst: "tp_dst" },
  sctp: { src: "tp_src", dst: "tp_dst" },
  icmp: { type: "tp_src", code: "tp_dst" },
  icmpv6: { type: "tp_src", code: "tp_dst" },
  arp: { sip: "nw_src", tip: "nw_dst", op: "nw_proto", sha: "arp_sha", tha: "arp_tha" },
  skb_mark: { "": "pkt_mark" },
  tunnel: { tun_id: "tun_id" },
};

export interface DatapathOutput {
  /** Datapath port number, or "controller" for a `userspace(…controller…)` action. */
  port: number | "controller";
  packet: Packet;
}

/**
 * Replays datapath actions on the packet a section started with (its `Flow:` line) and returns what
 * each output sends. Conntrack and recirculation do not change headers here; `set(…)` keys not
 * listed above are ignored.
 */
export function datapathOutputs(start: Packet, actions: readonly DatapathAction[]): DatapathOutput[] {
  const w = packetToWords(start);
  const outputs: DatapathOutput[] = [];
  for (const a of actions) {
    switch (a.kind) {
      case "output":
        outputs.push({ port: a.port, packet: wordsToPacket(w) });
        break;
      case "userspace":
        if (a.args.includes("controller(")) outputs.push({ port: "controller", packet: wordsToPacket(w) });
        break;
      case "push_vlan":
        writeVlans(w, [{ vid: a.vid, pcp: a.pcp }, ...readVlans(w)]);
        break;
      case "pop_vlan":
        writeVlans(w, readVlans(w).slice(1));
        break;
      case "set":
        applySet(w, a.header, a.fields);
        break;
      default:
        break;
    }
  }
  return outputs;
}

function applySet(w: Int32Array, header: string, fields: Record<string, string>): void {
  const names = SET_FIELDS[header];
  if (names === undefined) return;
  // `skb_mark(0x5)` is a bare value where the other headers have key=value.
  const bare = header === "skb_mark";
  for (const [key, text] of Object.entries(fields)) {
    const [value = "", mask] = (bare ? key : text).split("/");
    if ((header === "ipv4" && key === "tos") || (header === "ipv6" && key === "tclass")) {
      const v = Number(value);
      const m = mask === undefined ? 0xff : Number(mask);
      w[W_NW_TOS] = ((w[W_NW_TOS] as number) & ~m) | (v & m);
      continue;
    }
    const name = names[bare ? "" : key];
    const f = name === undefined ? undefined : fieldByName(name);
    const v = f === undefined ? undefined : parseFieldValue(f, value, mask);
    if (f === undefined || v === undefined) continue;
    writeField(w, f, (readField(w, f) & ~v.mask) | v.value);
  }
}
