/**
 * Flow actions compiled once per flow into operations on the packet words, and the header edits
 * themselves (set-field with masks and bit ranges, move, the VLAN push/pop/modify family).
 * Control flow — resubmit, output, NORMAL, ct() — is executed by pipeline.ts.
 *
 * Semantics follow OVS's translation of each action:
 * - `set_field`/`load` (OVS turns `load` into a masked set-field) only change a field the packet has
 *   ("unmet prerequisites, set_field ignored"); `move` copies bits unconditionally;
 * - `mod_nw_*` only touch IPv4/IP packets, `mod_tp_*` only TCP/UDP/SCTP ones;
 * - `mod_vlan_vid`/`mod_vlan_pcp` push a tag first when there is none (OpenFlow 1.0 semantics);
 *   `push_vlan` adds a tag with VID 0 and priority 0 in front of any existing one.
 */
import { formatAction, isFlow, parseFlowLine } from "../parse/ofctl-flows.js";
import type { Action, FieldRef } from "./flow.js";
import {
  type FieldDef,
  fieldByName,
  OFPP,
  type PortNumbers,
  type Prereq,
  packetHas,
  parseFieldValue,
  parseUint,
  readBits,
  readField,
  resolvePortNumber,
  W_VLAN0,
  W_VLAN1,
  writeBits,
  writeField,
} from "./packet.js";
import { VID_MASK, VLAN_PCP_SHIFT, VLAN_PRESENT } from "./vlan.js";

/** A bit range of a field (`NXM_NX_REG6[0..15]`). */
export interface BitRange {
  field: FieldDef;
  start: number;
  bits: number;
}

/** A compiled action; `text` is the action as written, for the trace's steps. */
export type Op = { text: string } & (
  | { op: "output"; port: number }
  | { op: "output_field"; src: BitRange }
  | { op: "normal" | "flood" | "all" | "in_port" | "controller" | "drop" }
  | { op: "ct_clear" | "dec_ttl" | "exit" | "strip_vlan" | "learn" | "note" | "conjunction" }
  /** A masked write of one field; `prereq` is what the packet must have for it to apply. */
  | { op: "set"; field: FieldDef; value: bigint; mask: bigint; prereq: Prereq }
  | { op: "move"; src: BitRange; dst: BitRange }
  | { op: "mod_vlan_vid"; vid: number }
  | { op: "mod_vlan_pcp"; pcp: number }
  | { op: "push_vlan" }
  /** `port` undefined: keep in_port; a number: look up with that in_port. */
  | { op: "resubmit"; port?: number; table?: number }
  | { op: "goto_table"; table: number }
  | {
      op: "ct";
      commit: boolean;
      zone: number | BitRange;
      table?: number;
      nat?: string;
      exec: Op[];
    }
  | { op: "clone"; ops: Op[] }
  | { op: "unsupported"; why: string }
);

/** `NXM_NX_REG0[]`, `reg5[0..15]`, `tun_id[3]` in action arguments. */
const FIELD_REF_RE = /^([A-Za-z_][\w]*)\[(?:(\d+)(?:\.\.(\d+))?)?\]$/;

function bitRange(ref: FieldRef): BitRange | undefined {
  const field = fieldByName(ref.field);
  if (field === undefined) return undefined;
  const start = ref.start ?? 0;
  const end = ref.end ?? (ref.start === undefined ? field.bits - 1 : start);
  if (end < start || end >= field.bits) return undefined;
  return { field, start, bits: end - start + 1 };
}

function parseFieldRef(text: string): BitRange | undefined {
  const m = FIELD_REF_RE.exec(text.trim());
  if (m === null) return undefined;
  const ref: FieldRef = { field: m[1] as string };
  if (m[2] !== undefined) {
    ref.start = Number(m[2]);
    ref.end = m[3] === undefined ? ref.start : Number(m[3]);
  }
  return bitRange(ref);
}

/** `mod_<field>` actions: the field they write and when OVS applies them. */
const MOD_FIELDS: ReadonlyMap<string, [string, Prereq]> = new Map([
  ["dl_src", ["dl_src", "none"]],
  ["dl_dst", ["dl_dst", "none"]],
  ["nw_src", ["nw_src", "ip"]],
  ["nw_dst", ["nw_dst", "ip"]],
  ["nw_tos", ["nw_tos", "ip_any"]],
  ["nw_ecn", ["nw_ecn", "ip_any"]],
  ["nw_ttl", ["nw_ttl", "ip_any"]],
  ["tp_src", ["tp_src", "l4_ports"]],
  ["tp_dst", ["tp_dst", "l4_ports"]],
]);

export interface CompileContext {
  ports?: PortNumbers;
  /** 1-based line of the flow, for nested action lists (`clone(…)`). */
  line: number;
}

/** Problems found while compiling (fields or actions not modelled); the ops still run. */
export interface CompiledActions {
  ops: Op[];
  notes: string[];
}

export function compileActions(actions: readonly Action[], ctx: CompileContext): CompiledActions {
  const notes: string[] = [];
  const ops = actions.map((a) => compileAction(a, ctx, notes));
  return { ops, notes };
}

function setOp(text: string, field: FieldDef, value: bigint, mask: bigint, prereq: Prereq): Op {
  return { text, op: "set", field, value: value & mask, mask, prereq };
}

function compileAction(a: Action, ctx: CompileContext, notes: string[]): Op {
  const text = formatAction(a);
  const unsupported = (why: string): Op => {
    notes.push(`${text}: ${why}`);
    return { text, op: "unsupported", why };
  };
  const port = (p: string): number | undefined => resolvePortNumber(p.replace(/^"(.*)"$/, "$1"), ctx.ports);
  switch (a.kind) {
    case "output": {
      const src = FIELD_REF_RE.test(a.port) ? parseFieldRef(a.port) : undefined;
      if (src !== undefined) return { text, op: "output_field", src };
      const n = port(a.port);
      if (n === undefined) return unsupported(`unknown port ${a.port}`);
      return reservedOutput(text, n);
    }
    case "normal":
    case "flood":
    case "all":
    case "in_port":
    case "controller":
    case "drop":
      return { text, op: a.kind };
    case "local":
      return { text, op: "output", port: OFPP.LOCAL };
    case "mod_vlan_vid":
      return { text, op: "mod_vlan_vid", vid: a.vid };
    case "mod_vlan_pcp":
      return { text, op: "mod_vlan_pcp", pcp: a.pcp };
    case "strip_vlan":
    case "pop_vlan":
      return { text, op: "strip_vlan" };
    case "push_vlan":
      return { text, op: "push_vlan" };
    case "set_field": {
      const field = fieldByName(a.field);
      if (field === undefined) return unsupported(`field ${a.field} is not simulated`);
      const v = parseFieldValue(field, a.value, a.mask, ctx.ports);
      if (v === undefined) return unsupported(`cannot read the value ${a.value}`);
      return setOp(text, field, v.value, v.mask, field.prereq);
    }
    case "load": {
      const dst = bitRange(a.dst);
      const value = parseUint(a.value);
      if (dst === undefined) return unsupported(`field ${a.dst.field} is not simulated`);
      if (value === undefined) return unsupported(`cannot read the value ${a.value}`);
      const mask = ((1n << BigInt(dst.bits)) - 1n) << BigInt(dst.start);
      return setOp(text, dst.field, value << BigInt(dst.start), mask, dst.field.prereq);
    }
    case "move": {
      const src = bitRange(a.src);
      const dst = bitRange(a.dst);
      if (src === undefined || dst === undefined) return unsupported("field not simulated or bad bit range");
      if (src.bits !== dst.bits) return unsupported("source and destination widths differ");
      return { text, op: "move", src, dst };
    }
    case "mod_field": {
      const m = MOD_FIELDS.get(a.field);
      const field = m === undefined ? undefined : fieldByName(m[0]);
      if (m === undefined || field === undefined) return unsupported("not simulated");
      const v = parseFieldValue(field, a.value, undefined, ctx.ports);
      if (v === undefined) return unsupported(`cannot read the value ${a.value}`);
      return setOp(text, field, v.value, v.mask, m[1]);
    }
    case "resubmit": {
      if (a.ct) notes.push(`${text}: the conntrack tuple lookup is simulated as a plain resubmit`);
      if (a.tableName !== undefined) return unsupported(`table ${a.tableName} is known only by name`);
      if (a.port === undefined || a.port.toUpperCase() === "IN_PORT")
        return { text, op: "resubmit", table: a.table };
      const n = port(a.port);
      if (n === undefined) return unsupported(`unknown port ${a.port}`);
      return { text, op: "resubmit", port: n, table: a.table };
    }
    case "goto_table":
      if (a.tableName !== undefined) return unsupported(`table ${a.tableName} is known only by name`);
      return { text, op: "goto_table", table: a.table };
    case "ct": {
      let zone: number | BitRange = 0;
      if (a.zone !== undefined) {
        const n = parseUint(a.zone);
        const ref = n === undefined ? parseFieldRef(a.zone) : undefined;
        if (n === undefined && ref === undefined) return unsupported(`cannot read zone ${a.zone}`);
        zone = n === undefined ? (ref as BitRange) : Number(n);
      }
      const exec = a.exec.map((x) => compileAction(x, ctx, notes));
      const op: Op = { text, op: "ct", commit: a.commit, zone, exec };
      if (a.table !== undefined) op.table = a.table;
      if (a.nat !== undefined) op.nat = a.nat;
      return op;
    }
    case "learn":
    case "note":
    case "conjunction":
      return { text, op: a.kind };
    case "other":
      return compileOther(a, text, ctx, notes, unsupported);
  }
}

function reservedOutput(text: string, n: number): Op {
  switch (n) {
    case OFPP.IN_PORT:
      return { text, op: "in_port" };
    case OFPP.NORMAL:
      return { text, op: "normal" };
    case OFPP.FLOOD:
      return { text, op: "flood" };
    case OFPP.ALL:
      return { text, op: "all" };
    case OFPP.CONTROLLER:
      return { text, op: "controller" };
    case OFPP.NONE:
      return { text, op: "drop" };
    default:
      return { text, op: "output", port: n };
  }
}

function compileOther(
  a: Action & { kind: "other" },
  text: string,
  ctx: CompileContext,
  notes: string[],
  unsupported: (why: string) => Op,
): Op {
  const arg = a.arg ?? "";
  switch (a.name) {
    case "ct_clear":
    case "dec_ttl":
    case "exit":
      return { text, op: a.name };
    case "write_metadata": {
      const [value = "", mask] = arg.split("/");
      const field = fieldByName("metadata") as FieldDef;
      const v = parseFieldValue(field, value, mask);
      if (v === undefined) return unsupported(`cannot read ${arg}`);
      return setOp(text, field, v.value, v.mask, "none");
    }
    case "enqueue": {
      // `enqueue:PORT:QUEUE` outputs to PORT (the queue only shapes it).
      const n = resolvePortNumber(arg.split(/[:,]/)[0] ?? "", ctx.ports);
      return n === undefined ? unsupported(`unknown port in ${arg}`) : reservedOutput(text, n);
    }
    case "set_queue":
    case "pop_queue":
      return { text, op: "note" };
    case "clone": {
      const inner = parseFlowLine("actions=" + arg, ctx.line);
      if (!isFlow(inner)) return unsupported("cannot read the nested actions");
      const nested = compileActions(inner.actions, ctx);
      notes.push(...nested.notes);
      return { text, op: "clone", ops: nested.ops };
    }
    default:
      return unsupported("not simulated");
  }
}

// ---------------------------------------------------------------------------------------------
// Header edits

/** Applies a set op; false when the packet lacks the field (OVS ignores the action then). */
export function applySet(
  w: Int32Array,
  op: { field: FieldDef; value: bigint; mask: bigint; prereq: Prereq },
): boolean {
  if (!packetHas(op.prereq, w)) return false;
  const f = op.field;
  const full = (1n << BigInt(f.bits)) - 1n;
  if (op.mask === full) writeField(w, f, op.value);
  else writeField(w, f, (readField(w, f) & ~op.mask) | op.value);
  return true;
}

export function readRange(w: Int32Array, r: BitRange): bigint {
  return readBits(w, r.field.word, r.field.words, r.field.shift + r.start, r.bits);
}

export function applyMove(w: Int32Array, src: BitRange, dst: BitRange): void {
  writeBits(w, dst.field.word, dst.field.words, dst.field.shift + dst.start, dst.bits, readRange(w, src));
}

/** Pushes a tag (VID 0, priority 0) in front of the existing ones, as OVS's push_vlan. */
export function pushVlan(w: Int32Array): void {
  w[W_VLAN1] = w[W_VLAN0] as number;
  w[W_VLAN0] = VLAN_PRESENT;
}

export function popVlan(w: Int32Array): void {
  w[W_VLAN0] = w[W_VLAN1] as number;
  w[W_VLAN1] = 0;
}

/** OpenFlow 1.0 `mod_vlan_vid`: set the VID, pushing a tag first when the frame has none. */
export function modVlanVid(w: Int32Array, vid: number): void {
  if (((w[W_VLAN0] as number) & VLAN_PRESENT) === 0) pushVlan(w);
  w[W_VLAN0] = ((w[W_VLAN0] as number) & ~VID_MASK) | (vid & VID_MASK) | VLAN_PRESENT;
}

export function modVlanPcp(w: Int32Array, pcp: number): void {
  if (((w[W_VLAN0] as number) & VLAN_PRESENT) === 0) pushVlan(w);
  w[W_VLAN0] =
    ((w[W_VLAN0] as number) & ~(7 << VLAN_PCP_SHIFT)) | ((pcp & 7) << VLAN_PCP_SHIFT) | VLAN_PRESENT;
}
