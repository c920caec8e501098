/**
 * The OpenFlow pipeline simulator: what one bridge's flow tables do to one packet, step by step,
 * with the flow (line, cookie, priority, n_packets) behind every step so a trace can cite evidence.
 *
 * It mirrors Open vSwitch's translation (ofproto-dpif-xlate.c) as `ovs-appctl ofproto/trace` shows
 * it, and test/openflow/agreement.test.ts holds it to that on a real ovs-vswitchd:
 * - each table runs its highest-priority matching flow (match.ts); flows tied at that priority are
 *   reported, since OVS's choice among them is arbitrary; a table miss drops (OVS's default
 *   table-miss behaviour for tables filled over OpenFlow: "No match. drop");
 * - actions run in order on one packet; `resubmit(port,table)` looks up with in_port replaced but
 *   runs the found actions with the original in_port; `goto_table` is a resubmit to that table;
 *   a miss inside a resubmit only ends that lookup — the caller's remaining actions still run;
 * - output to the packet's in_port is skipped (use `in_port`/`IN_PORT`); output to a port the
 *   bridge does not have is dropped; FLOOD/ALL go to every port but the input one;
 * - `ct(…,table=N)` forks: the packet continues untracked (ct fields cleared) and a copy resumes at
 *   table N with the ct_state the caller assumes — as `ofproto/trace --ct-next` does; recirculations
 *   run after the current pass, in order, and each is a "pass" of the result;
 * - OVS abandons a pass (nothing sent) past 64 nested resubmits — only resubmits to the same or an
 *   earlier table nest — or 4096 resubmits that found a flow;
 * - `mod_vlan_vid` pushes a tag when there is none and rewrites it otherwise (OpenFlow 1.0 meaning);
 *   where a dump's text is ambiguous about that (see the warnings) the trace says so.
 *
 * Patch ports are ports like any other here: a trace stops at the bridge boundary.
 */
import {
  applyMove,
  applySet,
  compileActions,
  modVlanPcp,
  modVlanVid,
  type Op,
  popVlan,
  pushVlan,
  readRange,
} from "./actions.js";
import type { Flow } from "./flow.js";
import { Classifier, type ClassifierEntry, type Conjunction, compileMatch } from "./match.js";
import { type FdbRecord, NormalSwitch, type SwitchPort } from "./normal.js";
import {
  CT_STATE_BITS,
  type FieldDef,
  fieldByName,
  OFPP,
  type Packet,
  type PortNumbers,
  packetHas,
  packetToWords,
  parseFieldValue,
  readBits,
  readVlans,
  W_CT_LABEL,
  W_CT_MARK,
  W_CT_STATE,
  W_CT_ZONE,
  W_DL_DST,
  W_IN_PORT,
  W_NW_TTL,
  W_VLAN0,
  wordsToPacket,
  writeVlans,
} from "./packet.js";
import { VLAN_PRESENT } from "./vlan.js";

export interface Bridge {
  name: string;
  flows: readonly Flow[];
  /** The bridge's ports; its LOCAL port (65534, named after the bridge) is added when missing. */
  ports: readonly SwitchPort[];
  /** `ovs-appctl fdb/show`; without it NORMAL floods every unicast (and says so). */
  fdb?: readonly FdbRecord[];
}

export interface SimulateOptions {
  /**
   * The ct_state a packet is assumed to have when it comes back from `ct(…,table=N)`: `+trk+est`
   * (default), `trk,est` or `est|trk`. A list gives one per recirculation, the last one repeating.
   */
  ctState?: string | readonly string[];
  /** Resubmits allowed in one pass before OVS gives up (4096, OVS's limit). */
  maxResubmits?: number;
}

export interface StepAction {
  /** The action as written. */
  text: string;
  /** What it did, when that is not obvious from the text. */
  effect?: string;
}

export interface TraceStep {
  /** 0 for the packet as it arrived, n for the n-th recirculation after ct(…,table=N). */
  pass: number;
  /** Nesting: 0 for the pass's first table, +1 per resubmit/goto_table. */
  depth: number;
  table: number;
  /** in_port the lookup used (`resubmit(port,…)` replaces it for the lookup only). */
  inPort: number;
  /** The flow that ran; undefined on a table miss. */
  flow?: Flow;
  /** Other flows matching at the same priority (OVS runs one of them, which one is arbitrary). */
  tiedWith?: Flow[];
  /** For a conjunctive match: the conj_id and the `conjunction(…)` flows whose clauses all matched. */
  conjunction?: { id: number; clauses: Flow[] };
  actions: StepAction[];
}

export interface TraceOutput {
  port: number;
  name: string;
  via: "output" | "normal" | "flood" | "all" | "in_port" | "controller";
  /** The packet as it leaves (VLAN tags, rewritten headers, registers). */
  packet: Packet;
  /** Index in `steps` of the flow whose action sent it. */
  step: number;
  pass: number;
}

export interface TracePass {
  pass: number;
  /** Table the pass starts in. */
  table: number;
  /** The assumed conntrack state of a recirculation. */
  ctState?: string;
  packet: Packet;
  /** The packet at the end of the pass (what ofproto/trace prints as "Final flow"). */
  final: Packet;
}

export interface TraceResult {
  packet: Packet;
  outputs: TraceOutput[];
  /** Nothing left the bridge (a copy to the controller counts as leaving). */
  dropped: boolean;
  /** Why nothing was sent: table misses, drop actions, NORMAL's verdict, skipped outputs. */
  dropReason?: string;
  steps: TraceStep[];
  passes: TracePass[];
  /** What the trace took for granted (conntrack state after ct()). */
  assumptions: string[];
  /** Things the simulation ignored or could not model, citing flow lines. */
  warnings: string[];
  /** A pass OVS would abandon (too many resubmits): its outputs are not sent. */
  error?: string;
}

interface CompiledFlow {
  flow: Flow;
  ops: Op[];
  notes: string[];
}

export interface CompiledBridge {
  readonly name: string;
  readonly ports: ReadonlyMap<number, SwitchPort>;
  readonly portNumbers: PortNumbers;
  readonly tables: ReadonlyMap<number, Classifier<CompiledFlow>>;
  readonly normal: NormalSwitch;
  /** Flows that can never run (table known only by name, in_port not a port of the bridge). */
  readonly unusable: string[];
}

const CT_TRACKED = CT_STATE_BITS.get("trk") as number;
/** OVS's MAX_DEPTH and MAX_RESUBMITS. */
const MAX_DEPTH = 64;
const MAX_RESUBMITS = 4096;
/** Recirculations followed before giving up (a ct() loop would never end). */
const MAX_PASSES = 32;

/**
 * Indexes a bridge's flows per table (done once; `simulate` on the result skips it). Flows are
 * treated as immutable from here on.
 */
export function compileBridge(bridge: Bridge): CompiledBridge {
  const ports = new Map<number, SwitchPort>();
  for (const p of bridge.ports) ports.set(p.ofport, p);
  if (!ports.has(OFPP.LOCAL)) ports.set(OFPP.LOCAL, { ofport: OFPP.LOCAL, name: bridge.name });
  const portNumbers = new Map<string, number>();
  for (const p of ports.values()) portNumbers.set(p.name, p.ofport);
  const unusable: string[] = [];
  const entries = new Map<number, ClassifierEntry<CompiledFlow>[]>();
  bridge.flows.forEach((flow, order) => {
    if (flow.table < 0) {
      unusable.push(`line ${flow.line}: table ${flow.tableName ?? "?"} is known only by name`);
      return;
    }
    const match = compileMatch(flow.match, portNumbers);
    if (match.never !== undefined) unusable.push(`line ${flow.line}: ${match.never}`);
    const { ops, notes } = compileActions(flow.actions, { ports: portNumbers, line: flow.line });
    for (const f of match.normalized) {
      notes.push(
        `match on ${f} dropped: the match lacks its prerequisites (ovs-ofctl installs the flow without it)`,
      );
    }
    for (const f of match.ignored) notes.push(`match on ${f} is not simulated: treated as a wildcard`);
    const conj: Conjunction[] = [];
    for (const a of flow.actions) {
      if (a.kind === "conjunction") conj.push({ id: a.id, clause: a.clause, nClauses: a.nClauses });
    }
    const list = entries.get(flow.table) ?? [];
    list.push({ priority: flow.priority, match, conj, order, item: { flow, ops, notes } });
    entries.set(flow.table, list);
  });
  const tables = new Map<number, Classifier<CompiledFlow>>();
  for (const [t, list] of entries) tables.set(t, new Classifier(list));
  return {
    name: bridge.name,
    ports,
    portNumbers,
    tables,
    normal: new NormalSwitch([...ports.values()], bridge.fdb),
    unusable,
  };
}

function isCompiled(b: Bridge | CompiledBridge): b is CompiledBridge {
  return "tables" in b;
}

/** Runs `packet` through the bridge's pipeline from table 0. */
export function simulate(
  bridge: Bridge | CompiledBridge,
  packet: Packet,
  options: SimulateOptions = {},
): TraceResult {
  const cb = isCompiled(bridge) ? bridge : compileBridge(bridge);
  return new Tracer(cb, options).run(packet);
}

/** `+trk+est`, `trk,est`, `est|trk` or a number → the ct_state bits. */
export function parseCtState(text: string): number {
  const t = /^[+-]/.test(text) ? text : text.replace(/,/g, "|");
  const v = parseFieldValue(fieldByName("ct_state") as FieldDef, t);
  if (v === undefined) throw new Error(`bad ct_state: ${text}`);
  return Number(v.value);
}

/** Where the actions being run come from. */
interface Frame {
  step: TraceStep;
  /** Index of `step` in the trace's steps. */
  index: number;
  table: number;
  pass: number;
}

interface Recirculation {
  table: number;
  words: Int32Array;
  ctState: string;
}

class Tracer {
  private readonly steps: TraceStep[] = [];
  private outputs: TraceOutput[] = [];
  private readonly passes: TracePass[] = [];
  private readonly warnings = new Set<string>();
  private readonly assumptions: string[] = [];
  private readonly dropNotes = new Set<string>();
  private readonly queue: Recirculation[] = [];
  private readonly ctStates: readonly { text: string; bits: number }[];
  private readonly maxResubmits: number;
  private resubmits = 0;
  /** OVS's translation depth: backward (same or earlier table) resubmits in progress. */
  private depth = 0;
  private stopped = false;
  /** Whether the packet counts as gone through conntrack (what ct_clear needs to act). */
  private conntracked = false;
  private failure?: string;
  private error?: string;

  constructor(
    private readonly cb: CompiledBridge,
    options: SimulateOptions,
  ) {
    const s = options.ctState ?? "+trk+est";
    this.ctStates = (typeof s === "string" ? [s] : s.length > 0 ? s : ["+trk+est"]).map((text) => ({
      text,
      bits: parseCtState(text),
    }));
    this.maxResubmits = options.maxResubmits ?? MAX_RESUBMITS;
  }

  run(packet: Packet): TraceResult {
    this.pass(0, 0, packetToWords(packet));
    for (let i = 0; i < this.queue.length; i++) {
      if (i + 1 >= MAX_PASSES) {
        this.warnings.add(`more than ${MAX_PASSES} conntrack recirculations: stopped following them`);
        break;
      }
      const r = this.queue[i] as Recirculation;
      this.pass(i + 1, r.table, r.words, r.ctState);
    }
    const result: TraceResult = {
      packet,
      outputs: this.outputs,
      dropped: this.outputs.length === 0,
      steps: this.steps,
      passes: this.passes,
      assumptions: this.assumptions,
      warnings: [...this.warnings],
    };
    if (result.dropped) {
      result.dropReason =
        this.dropNotes.size > 0 ? [...this.dropNotes].join("; ") : "no action sent the packet anywhere";
    }
    if (this.error !== undefined) result.error = this.error;
    return result;
  }

  private pass(pass: number, table: number, w: Int32Array, ctState?: string): void {
    const start = wordsToPacket(w);
    this.resubmits = 0;
    this.depth = 0;
    this.stopped = false;
    this.conntracked = pass > 0 || ((w[W_CT_STATE] as number) & CT_TRACKED) !== 0;
    this.failure = undefined;
    const before = this.outputs.length;
    this.table(w, table, 0, pass);
    if (this.failure !== undefined) {
      this.outputs = this.outputs.slice(0, before);
      this.error ??= `pass ${pass}: ${this.failure}: OVS drops the packet`;
      this.dropNotes.add(`translation failed (${this.failure})`);
    }
    const p: TracePass = { pass, table, packet: start, final: wordsToPacket(w) };
    if (ctState !== undefined) p.ctState = ctState;
    this.passes.push(p);
  }

  /** Ends the pass the way OVS abandons a translation (its outputs are not sent). */
  private fail(why: string): void {
    this.failure ??= why;
    this.stopped = true;
  }

  /**
   * Looks the packet up in `table` (with in_port replaced for the lookup when given) and runs the
   * flow. As in OVS, a resubmit counts against the limits only when it finds a flow, and nests
   * deeper only when it goes back to the same or an earlier table.
   */
  private table(
    w: Int32Array,
    table: number,
    nesting: number,
    pass: number,
    lookupInPort?: number,
    deepens = false,
  ): void {
    const saved = w[W_IN_PORT] as number;
    if (lookupInPort !== undefined) w[W_IN_PORT] = lookupInPort;
    const inPort = w[W_IN_PORT] as number;
    const r = this.cb.tables.get(table)?.lookup(w);
    w[W_IN_PORT] = saved;
    const step: TraceStep = { pass, depth: nesting, table, inPort, actions: [] };
    this.steps.push(step);
    const index = this.steps.length - 1;
    if (r?.entry === undefined) {
      this.dropNotes.add(`table ${table}: no flow matched (table miss: drop)`);
      return;
    }
    const cf = r.entry.item;
    step.flow = cf.flow;
    if (r.tied.length > 0) {
      step.tiedWith = r.tied.map((e) => e.item.flow);
      const lines = [cf.flow, ...step.tiedWith].map((f) => f.line).join(", ");
      this.warnings.add(
        `table ${table}: flows at lines ${lines} all match at priority ${cf.flow.priority}; OVS runs one of them (which one is not defined), simulated: line ${cf.flow.line}`,
      );
    }
    if (r.conjunction !== undefined) {
      step.conjunction = { id: r.conjunction.id, clauses: r.conjunction.clauses.map((e) => e.item.flow) };
    }
    for (const n of cf.notes) this.warnings.add(`line ${cf.flow.line}: ${n}`);
    if (cf.ops.length === 0)
      this.dropNotes.add(`table ${table}: the flow at line ${cf.flow.line} has no actions (drop)`);
    if (nesting > 0) this.resubmits++;
    if (deepens) this.depth++;
    this.exec(cf.ops, w, { step, index, table, pass });
    if (deepens) this.depth--;
  }

  private exec(ops: readonly Op[], w: Int32Array, frame: Frame): void {
    const { step, index, table, pass } = frame;
    const line = step.flow?.line ?? 0;
    for (const op of ops) {
      if (this.stopped) return;
      const entry: StepAction = { text: op.text };
      step.actions.push(entry);
      switch (op.op) {
        case "output":
          entry.effect = this.output(op.port, w, "output", index, pass);
          break;
        case "output_field":
          entry.effect = this.output(Number(readRange(w, op.src)), w, "output", index, pass);
          break;
        case "in_port":
          entry.effect = this.emit(w[W_IN_PORT] as number, w, "in_port", index, pass);
          break;
        case "flood":
        case "all": {
          const inPort = w[W_IN_PORT] as number;
          const via = op.op === "flood" ? "flood" : "all";
          const sent = [...this.cb.ports.keys()]
            .filter((p) => p !== inPort)
            .map((p) => this.emit(p, w, via, index, pass));
          entry.effect = sent.length === 0 ? "no other port" : sent.join(", ");
          break;
        }
        case "controller":
          entry.effect = this.emit(OFPP.CONTROLLER, w, "controller", index, pass);
          break;
        case "normal":
          entry.effect = this.normal(w, index, pass);
          break;
        case "drop":
          this.dropNotes.add(`table ${table}: the flow at line ${line} drops`);
          break;
        case "set":
          if (!applySet(w, op)) entry.effect = "ignored: the packet does not have this field";
          break;
        case "move":
          applyMove(w, op.src, op.dst);
          break;
        case "mod_vlan_vid":
          if (tagged(w)) {
            this.warnings.add(
              `line ${line}: mod_vlan_vid rewrote an existing tag; OpenFlow 1.0 dumps print push_vlan+set_field (installed over OpenFlow 1.3) the same way, and that would add a second tag: check the OpenFlow 1.3 dump`,
            );
          }
          modVlanVid(w, op.vid);
          break;
        case "mod_vlan_pcp":
          modVlanPcp(w, op.pcp);
          break;
        case "strip_vlan":
          popVlan(w);
          break;
        case "push_vlan":
          if (tagged(w)) {
            this.warnings.add(
              `line ${line}: push_vlan added a second tag; OpenFlow 1.3 dumps print an OpenFlow 1.0 mod_vlan_vid the same way, and that would rewrite the tag: check the OpenFlow 1.0 dump`,
            );
          }
          pushVlan(w);
          break;
        case "resubmit":
        case "goto_table": {
          const limit =
            this.depth >= MAX_DEPTH
              ? `over max translation depth ${MAX_DEPTH}`
              : this.resubmits >= this.maxResubmits
                ? `over ${this.maxResubmits} resubmit actions`
                : undefined;
          if (limit !== undefined) {
            this.fail(limit);
            entry.effect = limit;
            return;
          }
          const target = op.table ?? table;
          const port = op.op === "resubmit" ? op.port : undefined;
          entry.effect =
            port === undefined ? `table ${target}` : `table ${target}, looked up with in_port=${port}`;
          this.table(w, target, step.depth + 1, pass, port, target <= table);
          break;
        }
        case "ct":
          entry.effect = this.conntrack(op, w, frame);
          break;
        case "ct_clear":
          // OVS only clears a packet that went through conntrack (it ignores a bare ct_state).
          if (this.conntracked) {
            clearConntrack(w);
            this.conntracked = false;
          } else entry.effect = "no effect: the packet is not tracked";
          break;
        case "dec_ttl": {
          if (!packetHas("ip_any", w)) break;
          const ttl = w[W_NW_TTL] as number;
          if (ttl > 1) {
            w[W_NW_TTL] = ttl - 1;
            break;
          }
          entry.effect =
            "TTL expired: OVS sends the packet to the controller (invalid_ttl) and stops this flow's actions";
          this.dropNotes.add(`table ${table}: dec_ttl at line ${line}: TTL expired`);
          return;
        }
        case "exit":
          entry.effect = "stops the pipeline";
          this.stopped = true;
          return;
        case "clone":
          entry.effect = "on a copy of the packet";
          this.exec(op.ops, w.slice(), frame);
          break;
        case "learn":
          entry.effect = "ignored: learn() adds flows, it does not change this packet";
          this.warnings.add(`line ${line}: learn() ignored (a trace does not add the learned flow)`);
          break;
        case "note":
        case "conjunction":
          entry.effect = "ignored";
          break;
        case "unsupported":
          entry.effect = `not simulated: ${op.why}`;
          break;
      }
    }
  }

  private conntrack(op: Op & { op: "ct" }, w: Int32Array, frame: Frame): string {
    const { step, table } = frame;
    const zone = typeof op.zone === "number" ? op.zone : Number(readRange(w, op.zone));
    const line = step.flow?.line ?? 0;
    if (op.nat !== undefined) {
      this.warnings.add(
        `line ${line}: ${op.text}: NAT is not simulated (addresses unchanged, as in ofproto/trace)`,
      );
    }
    let effect = `conntrack zone ${zone}${op.commit ? ", commit" : ""}; this packet continues untracked`;
    // exec() sets ct_mark/ct_label on the connection; the copy that resumes carries them.
    this.exec(op.exec, w, frame);
    if (op.table !== undefined) {
      const n = this.queue.length;
      const state = this.ctStates[Math.min(n, this.ctStates.length - 1)] as { text: string; bits: number };
      const copy = w.slice();
      copy[W_CT_STATE] = state.bits;
      copy[W_CT_ZONE] = zone;
      this.queue.push({ table: op.table, words: copy, ctState: state.text });
      effect += `; a copy resumes at table ${op.table} (pass ${n + 1}) with ct_state=${state.text} (assumed)`;
      this.assumptions.push(
        `line ${line} (table ${table}): ${op.text}: the packet is assumed to come back from conntrack (zone ${zone}) with ct_state=${state.text}`,
      );
    }
    clearConntrack(w);
    this.conntracked = false;
    return effect;
  }

  private output(port: number, w: Int32Array, via: "output", index: number, pass: number): string {
    if (port === w[W_IN_PORT]) {
      this.dropNotes.add(`output to ${this.portName(port)} skipped: it is the input port`);
      return "skipped: it is the input port (use in_port to send it back)";
    }
    return this.emit(port, w, via, index, pass);
  }

  private portName(port: number): string {
    const p = this.cb.ports.get(port);
    return p === undefined ? String(port) : `${port}(${p.name})`;
  }

  private emit(port: number, w: Int32Array, via: TraceOutput["via"], index: number, pass: number): string {
    let name: string;
    if (port === OFPP.CONTROLLER) name = "CONTROLLER";
    else {
      const p = this.cb.ports.get(port);
      if (p === undefined) {
        this.dropNotes.add(`output to port ${port}: no such port on ${this.cb.name}`);
        return `port ${port} does not exist: dropped`;
      }
      name = p.name;
    }
    const packet = wordsToPacket(w);
    this.outputs.push({ port, name, via, packet, step: index, pass });
    const vlan = packet.vlans.length === 0 ? "untagged" : packet.vlans.map((v) => `VLAN ${v.vid}`).join("+");
    return `→ ${port === OFPP.CONTROLLER ? name : `${port}(${name})`}, ${vlan}`;
  }

  private normal(w: Int32Array, index: number, pass: number): string {
    const r = this.cb.normal.forward(w[W_IN_PORT] as number, readVlans(w), readBits(w, W_DL_DST, 2, 0, 48));
    if (r.decision === "drop") this.dropNotes.add(`NORMAL: ${r.reason}`);
    for (const o of r.outputs) {
      const copy = w.slice();
      writeVlans(copy, o.vlans);
      this.emit(o.port, copy, "normal", index, pass);
    }
    return r.reason;
  }
}

function tagged(w: Int32Array): boolean {
  return ((w[W_VLAN0] as number) & VLAN_PRESENT) !== 0;
}

function clearConntrack(w: Int32Array): void {
  w[W_CT_STATE] = 0;
  w[W_CT_ZONE] = 0;
  w[W_CT_MARK] = 0;
  w.fill(0, W_CT_LABEL, W_CT_LABEL + 4);
}
