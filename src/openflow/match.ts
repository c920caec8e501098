/**
 * Flow matching as Open vSwitch does it: a flow's match compiled to (word, mask, value) triples over
 * the packet layout of packet.ts, and a per-table classifier with OVS's lookup rules.
 *
 * Compiling mirrors what `ovs-ofctl add-flow` installs: protocol shorthands set dl_type/nw_proto;
 * `in_port` may be a number, a reserved name or a port name (`--names` dumps); a field whose
 * prerequisites the match does not pin down is DROPPED from the match, not made unmatchable —
 * `ovs-ofctl add-flow br tp_dst=80,actions=…` logs "normalization changed ofp_match" and installs a
 * flow that matches every packet (checked on OVS 3.1). Dumps only hold normalised flows, so this
 * matters for hand-written ones; each dropped field is reported.
 *
 * The classifier is OVS's tuple space search: flows with the same set of masks share a subtable
 * hashed on the masked packet bits, subtables are visited by decreasing highest priority, and the
 * walk stops once no subtable can beat the best match. Conjunctive matches follow lib/classifier.c:
 * `conjunction(id,k/n)` flows only count when every clause of one id matches at the same priority
 * (above the best ordinary match), and then the table is searched again with `conj_id=id`.
 */
import type { Flow, MatchField } from "./flow.js";
import {
  type FieldDef,
  fieldFor,
  N_WORDS,
  type Packet,
  type PortNumbers,
  PROTOCOLS,
  packetToWords,
  parseFieldValue,
  prereqOk,
  slotMatch,
  W_CONJ_ID,
  W_DL_TYPE,
  W_NW_PROTO,
  W_TP_DST,
  W_TP_SRC,
} from "./packet.js";

export interface CompiledMatch {
  /** Word indices the match constrains (ascending), with their masks and (masked) values. */
  words: Int32Array;
  masks: Int32Array;
  values: Int32Array;
  /** Fields removed because the match does not establish their prerequisites (as ovs-ofctl does). */
  normalized: string[];
  /** Fields the simulator does not model or could not read: treated as wildcards. */
  ignored: string[];
  /** Set when no packet can match (an `in_port` name that is not a port of the bridge). */
  never?: string;
}

interface Part {
  name: string;
  def: FieldDef;
  value: bigint;
  mask: bigint;
}

function exactWord(acc: Map<number, [number, number]>, word: number, full: number): number | undefined {
  const m = acc.get(word);
  return m !== undefined && (m[0] & full) === full ? m[1] & full : undefined;
}

function fold(acc: Map<number, [number, number]>, parts: readonly Part[]): void {
  for (const p of parts) {
    const s = slotMatch(p.def, p.value, p.mask);
    for (let i = 0; i < p.def.words; i++) {
      const shift = BigInt(32 * (p.def.words - 1 - i));
      const mask = Number((s.mask >> shift) & 0xffffffffn) | 0;
      if (mask === 0) continue;
      const value = Number((s.value >> shift) & 0xffffffffn) | 0;
      const word = p.def.word + i;
      const cur = acc.get(word) ?? [0, 0];
      acc.set(word, [cur[0] | mask, (cur[1] & ~mask) | (value & mask)]);
    }
  }
}

/** A flow's match fields in word form; `ports` resolves `in_port` names. */
export function compileMatch(fields: readonly MatchField[], ports?: PortNumbers): CompiledMatch {
  const normalized: string[] = [];
  const ignored: string[] = [];
  let never: string | undefined;
  let dlType: number | undefined;
  let nwProto: number | undefined;
  for (const f of fields) {
    const proto = f.value === undefined ? PROTOCOLS.get(f.name) : undefined;
    if (proto !== undefined) {
      dlType = proto.dlType;
      nwProto = proto.nwProto ?? nwProto;
    } else if (f.value !== undefined && /^(dl_type|eth_type)$/i.test(f.name)) {
      const v = Number(f.value);
      if (!Number.isNaN(v)) dlType = v;
    }
  }
  const parts: Part[] = [];
  for (const f of fields) {
    if (f.value === undefined) {
      if (!PROTOCOLS.has(f.name)) ignored.push(f.name);
      continue;
    }
    const def = fieldFor(f.name, dlType);
    const v = def === undefined ? undefined : parseFieldValue(def, f.value, f.mask, ports);
    if (def === undefined || v === undefined) {
      if (def?.format === "port") never = `in_port ${f.value} is not a port of this bridge`;
      else ignored.push(f.mask === undefined ? `${f.name}=${f.value}` : `${f.name}=${f.value}/${f.mask}`);
      continue;
    }
    parts.push({ name: f.name, def, value: v.value, mask: v.mask });
  }
  // Prerequisites are judged on what the match pins down, as ovs-ofctl's normalisation does: first
  // the Ethernet type, then the IP protocol (or ARP opcode) if that type has one, then the rest.
  const acc = new Map<number, [number, number]>();
  if (dlType !== undefined) acc.set(W_DL_TYPE, [0xffff, dlType]);
  fold(
    acc,
    parts.filter((p) => p.def.word === W_DL_TYPE),
  );
  const exactType = exactWord(acc, W_DL_TYPE, 0xffff);
  const holds = (p: Part, proto?: number, icmpType?: number, icmpCode?: number): boolean => {
    if (prereqOk(p.def.prereq, exactType, proto, icmpType, icmpCode)) return true;
    normalized.push(p.name);
    return false;
  };
  if (nwProto !== undefined) acc.set(W_NW_PROTO, [0xff, nwProto]);
  fold(
    acc,
    parts.filter((p) => p.def.word === W_NW_PROTO && holds(p)),
  );
  const exactProto = exactWord(acc, W_NW_PROTO, 0xff);
  // As in OVS, a wildcarded ICMP code counts as 0 (so `icmp6,icmp_type=136,nd_target=…` is valid).
  const icmp = new Map<number, [number, number]>();
  fold(
    icmp,
    parts.filter((p) => p.def.word === W_TP_SRC || p.def.word === W_TP_DST),
  );
  const icmpType = (icmp.get(W_TP_SRC)?.[1] ?? 0) & 0xff;
  const icmpCode = (icmp.get(W_TP_DST)?.[1] ?? 0) & 0xff;
  const kept = parts.filter(
    (p) => p.def.word !== W_DL_TYPE && p.def.word !== W_NW_PROTO && holds(p, exactProto, icmpType, icmpCode),
  );
  fold(acc, kept);
  const order = [...acc.keys()]
    .filter((w) => (acc.get(w) as [number, number])[0] !== 0)
    .sort((a, b) => a - b);
  const m: CompiledMatch = {
    words: Int32Array.from(order),
    masks: Int32Array.from(order, (w) => (acc.get(w) as [number, number])[0]),
    values: Int32Array.from(order, (w) => {
      const [mask, value] = acc.get(w) as [number, number];
      return value & mask;
    }),
    normalized,
    ignored,
  };
  if (never !== undefined) m.never = never;
  return m;
}

/** Does this flow's match (alone: no priorities, no conjunctions) accept the packet? */
export function flowMatches(flow: Pick<Flow, "match">, packet: Packet, ports?: PortNumbers): boolean {
  return matchesWords(compileMatch(flow.match, ports), packetToWords(packet));
}

export function matchesWords(m: CompiledMatch, w: Int32Array): boolean {
  if (m.never !== undefined) return false;
  const { words, masks, values } = m;
  for (let i = 0; i < words.length; i++) {
    if (((w[words[i] as number] as number) & (masks[i] as number)) !== values[i]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Classifier

export interface Conjunction {
  id: number;
  /** 1-based, as written in `conjunction(id,k/n)`. */
  clause: number;
  nClauses: number;
}

export interface ClassifierEntry<T> {
  priority: number;
  match: CompiledMatch;
  /** The `conjunction(…)` actions of a conjunctive flow; empty for an ordinary flow. */
  conj: readonly Conjunction[];
  /** Tie-break when several flows match at one priority (OVS picks arbitrarily): lowest first. */
  order: number;
  item: T;
}

export interface LookupResult<T> {
  /** The flow OVS runs, undefined on a table miss. */
  entry?: ClassifierEntry<T>;
  /** Other ordinary flows matching at the same priority: OVS's choice among them is arbitrary. */
  tied: ClassifierEntry<T>[];
  /** When the match came through a conjunction: its id and the clause flows that matched. */
  conjunction?: { id: number; clauses: ClassifierEntry<T>[] };
}

interface Subtable<T> {
  words: Int32Array;
  masks: Int32Array;
  maxPriority: number;
  /** Entries by hash of their match values, each list by decreasing priority. */
  buckets: Map<number, ClassifierEntry<T>[]>;
}

function hashWords(words: Int32Array, masks: Int32Array, w: Int32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) {
    h = Math.imul(h ^ ((w[words[i] as number] as number) & (masks[i] as number)), 0x01000193);
    h ^= h >>> 15;
  }
  return h;
}

/** Position of the first entry at or after `from` that matches `w`, or -1. */
function nextMatch<T>(bucket: readonly ClassifierEntry<T>[], from: number, w: Int32Array): number {
  for (let i = from; i < bucket.length; i++)
    if (matchesWords((bucket[i] as ClassifierEntry<T>).match, w)) return i;
  return -1;
}

function hardPriority<T>(hard: readonly ClassifierEntry<T>[]): number {
  return hard[0]?.priority ?? Number.NEGATIVE_INFINITY;
}

/** Keeps `hard` holding the matches at the highest priority seen. */
function take<T>(hard: ClassifierEntry<T>[], e: ClassifierEntry<T>): void {
  const best = hardPriority(hard);
  if (e.priority > best) {
    hard.length = 0;
    hard.push(e);
  } else if (e.priority === best) hard.push(e);
}

interface Soft<T> {
  bucket: readonly ClassifierEntry<T>[];
  i: number;
}

export class Classifier<T> {
  private readonly subtables: Subtable<T>[];

  constructor(entries: readonly ClassifierEntry<T>[]) {
    const bySig = new Map<string, Subtable<T>>();
    const scratch = new Int32Array(N_WORDS);
    for (const e of entries) {
      if (e.match.never !== undefined) continue;
      const sig = Array.from(e.match.words, (w, i) => w + ":" + e.match.masks[i]).join(",");
      let st = bySig.get(sig);
      if (st === undefined) {
        st = { words: e.match.words, masks: e.match.masks, maxPriority: e.priority, buckets: new Map() };
        bySig.set(sig, st);
      }
      st.maxPriority = Math.max(st.maxPriority, e.priority);
      e.match.words.forEach((w, i) => {
        scratch[w] = e.match.values[i] as number;
      });
      const h = hashWords(st.words, st.masks, scratch);
      const bucket = st.buckets.get(h);
      if (bucket === undefined) st.buckets.set(h, [e]);
      else bucket.push(e);
    }
    for (const st of bySig.values()) {
      for (const b of st.buckets.values()) b.sort((a, b) => b.priority - a.priority || a.order - b.order);
    }
    this.subtables = [...bySig.values()].sort((a, b) => b.maxPriority - a.maxPriority);
  }

  /** The flow a packet (as words) hits, with OVS's conjunctive-match semantics. */
  lookup(w: Int32Array): LookupResult<T> {
    return this.search(w, true);
  }

  private search(w: Int32Array, allowConj: boolean): LookupResult<T> {
    // The best ordinary ("hard") matches so far: all at one priority (more than one is a tie).
    const hard: ClassifierEntry<T>[] = [];
    let softs: Soft<T>[] = [];
    for (const st of this.subtables) {
      if (st.maxPriority < hardPriority(hard)) break;
      const bucket = st.buckets.get(hashWords(st.words, st.masks, w));
      if (bucket === undefined) continue;
      let i = nextMatch(bucket, 0, w);
      if (i < 0) continue;
      const top = bucket[i] as ClassifierEntry<T>;
      if (top.priority < hardPriority(hard)) continue;
      if (top.conj.length > 0) {
        if (allowConj && top.priority > hardPriority(hard)) softs.push({ bucket, i });
        continue;
      }
      // Flows with an identical match and priority (possible in hand-written input) tie as well.
      for (; i >= 0; i = nextMatch(bucket, i + 1, w)) {
        const e = bucket[i] as ClassifierEntry<T>;
        if (e.priority !== top.priority || e.conj.length > 0) break;
        take(hard, e);
      }
    }
    while (softs.length > 0) {
      const floor = hardPriority(hard);
      softs = softs.filter((s) => s.i >= 0 && (s.bucket[s.i] as ClassifierEntry<T>).priority > floor);
      if (softs.length === 0) break;
      const softPri = Math.max(...softs.map((s) => (s.bucket[s.i] as ClassifierEntry<T>).priority));
      const atPri = softs.filter((s) => (s.bucket[s.i] as ClassifierEntry<T>).priority === softPri);
      const found = this.completeConjunction(
        w,
        atPri.map((s) => s.bucket[s.i] as ClassifierEntry<T>),
      );
      if (found !== undefined) return found;
      // No conjunction completes at this priority: fall back to the next flow with the same match.
      for (const s of atPri) {
        s.i = nextMatch(s.bucket, s.i + 1, w);
        const next = s.i < 0 ? undefined : (s.bucket[s.i] as ClassifierEntry<T>);
        if (next !== undefined && next.conj.length === 0) {
          take(hard, next);
          s.i = -1;
        }
      }
    }
    hard.sort((a, b) => a.order - b.order);
    const [entry, ...tied] = hard;
    return entry === undefined ? { tied: [] } : { entry, tied };
  }

  /** The conj_id lookup for the first conjunction whose every clause is among `clauses`. */
  private completeConjunction(w: Int32Array, clauses: ClassifierEntry<T>[]): LookupResult<T> | undefined {
    const n = clauses.length;
    const seen = new Map<number, { need: number; got: Set<number> }>();
    for (const e of clauses) {
      for (const c of e.conj) {
        if (c.nClauses > n) continue;
        let m = seen.get(c.id);
        if (m === undefined) {
          m = { need: c.nClauses, got: new Set() };
          seen.set(c.id, m);
        }
        m.got.add(c.clause);
        if (m.got.size < m.need) continue;
        const saved = w[W_CONJ_ID] as number;
        w[W_CONJ_ID] = c.id;
        const r = this.search(w, false);
        w[W_CONJ_ID] = saved;
        if (r.entry !== undefined) {
          const id = c.id;
          return {
            ...r,
            conjunction: { id, clauses: clauses.filter((x) => x.conj.some((y) => y.id === id)) },
          };
        }
      }
    }
    return undefined;
  }
}
