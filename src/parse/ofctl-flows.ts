/**
 * `ovs-ofctl dump-flows` (OpenFlow 1.0 `NXST_FLOW` and 1.3 `OFPST_FLOW` forms, with or without
 * statistics, `--names`) and `ovs-appctl bridge/dump-flows`, plus the canonical printer used for
 * round trips.
 *
 * A hand-written scanner: one pass per line with a character-class table, no regex per field,
 * names recognised without slicing them out, numbers read in place. Commas inside (), [], {} and
 * quotes do not split. Dumps of a few hundred thousand flows are common on busy nodes, so parsing
 * validates every line but builds its records (info, match, actions, spans) only when a flow is
 * first looked at (see ParsedFlow).
 */
import type {
  Action,
  FieldRef,
  Flow,
  FlowDump,
  FlowDumpHeader,
  FlowInfoField,
  MatchField,
} from "../openflow/flow.js";
import { issue, type ParseIssue, type ParseResult, type Span } from "./types.js";

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const LPAREN = 40;
const RPAREN = 41;
const COMMA = 44;
const SLASH = 47;
const DIGIT0 = 48;
const DIGIT9 = 57;
const COLON = 58;
const EQ = 61;
const LBRACK = 91;
const BACKSLASH = 92;
const RBRACK = 93;
const LBRACE = 123;
const RBRACE = 125;
/** Non-breaking space: web pages and wikis that operators paste from turn spaces into it. */
const NBSP = 160;

/** OVS's priority for a flow printed without one. */
const DEFAULT_PRIORITY = 32768;

// Character classes for the scanning loops: one table load per character instead of a chain of
// comparisons (most characters are ordinary). Indexed by UTF-16 code unit.
const ORDINARY = 0;
const SEPARATOR = 1;
const K_COMMA = 2;
const K_EQ = 3;
const K_SLASH = 4;
const K_QUOTE = 5;
const K_OPEN = 6;
const K_CLOSE = 7;
const CLASS = new Uint8Array(65536);
for (const c of [SPACE, TAB, CR, LF, NBSP]) CLASS[c] = SEPARATOR;
CLASS[COMMA] = K_COMMA;
CLASS[EQ] = K_EQ;
CLASS[SLASH] = K_SLASH;
CLASS[QUOTE] = K_QUOTE;
for (const c of [LPAREN, LBRACK, LBRACE]) CLASS[c] = K_OPEN;
for (const c of [RPAREN, RBRACK, RBRACE]) CLASS[c] = K_CLOSE;

function skipWs(s: string, pos: number, to: number): number {
  while (pos < to && CLASS[s.charCodeAt(pos)] === SEPARATOR) pos++;
  return pos;
}

function trimEnd(s: string, from: number, end: number): number {
  while (end > from && CLASS[s.charCodeAt(end - 1)] === SEPARATOR) end--;
  return end;
}

/** Index of the quote closing the one at `pos`, or -1. */
function skipQuoted(s: string, pos: number, to: number): number {
  for (let i = pos + 1; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return -1;
}

/** Index of the next comma at nesting depth 0 in [pos, to), or `to`; -1 when brackets or quotes do not balance. */
function itemEnd(s: string, pos: number, to: number): number {
  let depth = 0;
  for (; pos < to; pos++) {
    const k = CLASS[s.charCodeAt(pos)];
    if (k === ORDINARY || k === SEPARATOR) continue;
    if (k === K_COMMA) {
      if (depth === 0) return pos;
    } else if (k === K_QUOTE) {
      pos = skipQuoted(s, pos, to);
      if (pos < 0) return -1;
    } else if (k === K_OPEN) depth++;
    else if (k === K_CLOSE && --depth < 0) return -1;
  }
  return depth === 0 ? to : -1;
}

/** Index of the bracket closing the one at `open`, or -1. */
function closingBracket(s: string, open: number, to: number): number {
  let depth = 0;
  for (let i = open; i < to; i++) {
    const k = CLASS[s.charCodeAt(i)];
    if (k === ORDINARY || k === SEPARATOR || k === K_COMMA) continue;
    if (k === K_QUOTE) {
      i = skipQuoted(s, i, to);
      if (i < 0) return -1;
    } else if (k === K_OPEN) depth++;
    else if (k === K_CLOSE && --depth === 0) return i;
  }
  return -1;
}

/** Unsigned decimal or 0x-hex integer in s[from, to); NaN when it is not one. */
function readNum(s: string, from: number, to: number): number {
  if (from >= to) return Number.NaN;
  let n = 0;
  if (to - from > 2 && s.charCodeAt(from) === DIGIT0 && (s.charCodeAt(from + 1) | 32) === 120) {
    for (let i = from + 2; i < to; i++) {
      const c = s.charCodeAt(i) | 32;
      if (c >= DIGIT0 && c <= DIGIT9) n = n * 16 + c - DIGIT0;
      else if (c >= 97 && c <= 102) n = n * 16 + c - 87;
      else return Number.NaN;
    }
    return n;
  }
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < DIGIT0 || c > DIGIT9) return Number.NaN;
    n = n * 10 + c - DIGIT0;
  }
  return n;
}

/** `63605.461s` (ovs-ofctl) or `63605s` (bridge/dump-flows) → seconds; NaN when malformed. */
function readSeconds(s: string, from: number, to: number): number {
  if (to > from && s.charCodeAt(to - 1) === 115) to--;
  let n = 0;
  let scale = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= DIGIT0 && c <= DIGIT9) {
      n = n * 10 + c - DIGIT0;
      if (scale > 0) scale *= 10;
      digits++;
    } else if (c === 46 && scale === 0) scale = 1;
    else return Number.NaN;
  }
  if (digits === 0) return Number.NaN;
  return scale > 1 ? n / scale : n;
}

function undefinedIfNaN(n: number): number | undefined {
  return Number.isNaN(n) ? undefined : n;
}

function startsWithAt(s: string, word: string, pos: number, end: number): boolean {
  return end - pos === word.length && s.startsWith(word, pos);
}

// Known names are recognised while their characters are scanned: a trie over ASCII, one table
// load per character, so no substring is made and no second comparison pass is needed.
interface Named {
  name: string;
  code: number;
}

interface Trie {
  /** next[state * 128 + char] → state; 0 is the dead state (all its transitions lead to itself). */
  next: Int16Array;
  /** The name that ends in each state, if any. */
  named: (Named | undefined)[];
}

const DEAD = 0;
const ROOT = 1;

function trie(entries: [string, number][]): Trie {
  const size = 2 + entries.reduce((n, [name]) => n + name.length, 0);
  const next = new Int16Array(size * 128);
  const named: (Named | undefined)[] = new Array(size).fill(undefined);
  let states = ROOT + 1;
  for (const [name, code] of entries) {
    let st = ROOT;
    for (let i = 0; i < name.length; i++) {
      const at = st * 128 + name.charCodeAt(i);
      if (next[at] === DEAD) next[at] = states++;
      st = next[at] as number;
    }
    named[st] = { name, code };
  }
  return { next, named };
}

/** The state after character c (the dead state leads only to itself). */
function step(next: Int16Array, st: number, c: number): number {
  return c < 128 ? (next[st * 128 + c] as number) : DEAD;
}

// Info-section fields that the Flow record interprets; I_KEPT ones are kept as written.
const I_COOKIE = 1;
const I_DURATION = 2;
const I_TABLE = 3;
const I_PACKETS = 4;
const I_BYTES = 5;
const I_IDLE_AGE = 6;
const I_HARD_AGE = 7;
const I_PRIORITY = 8;
const I_KEPT = 9;

/** Names of the statistics/info part, in both ovs-ofctl and bridge/dump-flows spelling. */
const INFO = trie([
  ["cookie", I_COOKIE],
  ["duration", I_DURATION],
  ["table", I_TABLE],
  ["table_id", I_TABLE],
  ["n_packets", I_PACKETS],
  ["n_bytes", I_BYTES],
  ["idle_age", I_IDLE_AGE],
  ["hard_age", I_HARD_AGE],
  ["priority", I_PRIORITY],
  ["idle_timeout", I_KEPT],
  ["hard_timeout", I_KEPT],
  ["importance", I_KEPT],
  ["n_offload_packets", I_KEPT],
  ["n_offload_bytes", I_KEPT],
  ["send_flow_rem", I_KEPT],
  ["check_overlap", I_KEPT],
  ["reset_counts", I_KEPT],
  ["no_packet_counts", I_KEPT],
  ["no_byte_counts", I_KEPT],
]);

/** Flow-mod flags: ovs-ofctl prints them followed by a space, not a comma. */
const FLAGS = new Set([
  "send_flow_rem",
  "check_overlap",
  "reset_counts",
  "no_packet_counts",
  "no_byte_counts",
]);

// Actions interpreted into their own kinds; the rest become kind "other".
const A_NORMAL = 1;
const A_DROP = 2;
const A_STRIP_VLAN = 3;
const A_POP_VLAN = 4;
const A_IN_PORT = 5;
const A_LOCAL = 6;
const A_FLOOD = 7;
const A_ALL = 8;
const A_CONTROLLER = 9;
const A_OUTPUT = 10;
const A_RESUBMIT = 11;
const A_GOTO_TABLE = 12;
const A_MOD_VLAN_VID = 13;
const A_MOD_VLAN_PCP = 14;
const A_PUSH_VLAN = 15;
const A_SET_FIELD = 16;
const A_SET_TUNNEL = 17;
const A_LOAD = 18;
const A_MOVE = 19;
const A_NOTE = 20;
const A_CT = 21;
const A_LEARN = 22;
const A_CONJUNCTION = 23;

const ACTIONS = trie([
  ["NORMAL", A_NORMAL],
  ["drop", A_DROP],
  ["strip_vlan", A_STRIP_VLAN],
  ["pop_vlan", A_POP_VLAN],
  ["IN_PORT", A_IN_PORT],
  ["LOCAL", A_LOCAL],
  ["FLOOD", A_FLOOD],
  ["ALL", A_ALL],
  ["CONTROLLER", A_CONTROLLER],
  ["controller", A_CONTROLLER],
  ["output", A_OUTPUT],
  ["resubmit", A_RESUBMIT],
  ["goto_table", A_GOTO_TABLE],
  ["mod_vlan_vid", A_MOD_VLAN_VID],
  ["set_vlan_vid", A_MOD_VLAN_VID],
  ["mod_vlan_pcp", A_MOD_VLAN_PCP],
  ["set_vlan_pcp", A_MOD_VLAN_PCP],
  ["push_vlan", A_PUSH_VLAN],
  ["set_field", A_SET_FIELD],
  ["set_tunnel", A_SET_TUNNEL],
  ["set_tunnel64", A_SET_TUNNEL],
  ["load", A_LOAD],
  ["move", A_MOVE],
  ["note", A_NOTE],
  ["ct", A_CT],
  ["learn", A_LEARN],
  ["conjunction", A_CONJUNCTION],
]);

/** Narrows parseFlowLine's result. */
export function isFlow(x: Flow | ParseIssue): x is Flow {
  return (x as Partial<ParseIssue>).severity === undefined;
}

/** What a build pass collects; the validating pass (at parse time) collects nothing. */
interface Parts {
  info: FlowInfoField[];
  match: MatchField[];
  actions: Action[];
  actionsSpan: Span;
}

/**
 * A parsed flow. The scalar fields are read at parse time; `info`, `match`, `actions` and
 * `actionsSpan` are built from `text` on first access, then stored as own properties. Building
 * tens of objects per flow up front made a 200,000-flow dump take over 600 MB and most of the
 * parse time in garbage collection, for checks that look at a few flows. The line was fully
 * validated at parse time, so building cannot fail. `JSON.stringify` gives every field (toJSON);
 * spread (`{...flow}`) and structuredClone copy only the fields built so far.
 */
class ParsedFlow implements Flow {
  constructor(
    public line: number,
    public text: string,
    public cookie: string,
    public table: number,
    public tableName: string | undefined,
    public priority: number,
    public nPackets: number | undefined,
    public nBytes: number | undefined,
    public duration: number | undefined,
    public idleAge: number | undefined,
    public hardAge: number | undefined,
  ) {}

  get info(): FlowInfoField[] {
    return build(this).info;
  }
  set info(value: FlowInfoField[]) {
    own(this, "info", value);
  }
  get match(): MatchField[] {
    return build(this).match;
  }
  set match(value: MatchField[]) {
    own(this, "match", value);
  }
  get actions(): Action[] {
    return build(this).actions;
  }
  set actions(value: Action[]) {
    own(this, "actions", value);
  }
  get actionsSpan(): Span {
    return build(this).actionsSpan;
  }
  set actionsSpan(value: Span) {
    own(this, "actionsSpan", value);
  }

  toJSON(): Flow {
    const { info, match, actions, actionsSpan } = this;
    return { ...this, info, match, actions, actionsSpan };
  }
}

function own(flow: ParsedFlow, key: keyof Parts, value: unknown): void {
  Object.defineProperty(flow, key, { value, writable: true, enumerable: true, configurable: true });
}

function build(flow: ParsedFlow): Parts {
  const parts: Parts = { info: [], match: [], actions: [], actionsSpan: [0, 0] };
  scanFlow(flow.text, 0, flow.text.length, flow.line, parts);
  // A field assigned before the first build keeps its assigned value (an own property wins).
  for (const key of ["info", "match", "actions", "actionsSpan"] as const) {
    if (Object.hasOwn(flow, key)) (parts as unknown as Record<string, unknown>)[key] = flow[key];
    else own(flow, key, parts[key]);
  }
  return parts;
}

/**
 * One flow line. Fields of the info part (cookie, duration, table, counters, timeouts, flags,
 * priority) go to `info`; the comma-joined run just before `actions=` is the match.
 */
export function parseFlowLine(line: string, lineNo: number): Flow | ParseIssue {
  return scanFlow(line, 0, line.length, lineNo, undefined);
}

/**
 * Validates the flow in s[from, to) and reads its scalar fields; with `parts` (then `from` is 0:
 * spans are offsets in the line) also builds its records.
 */
function scanFlow(
  s: string,
  from: number,
  to: number,
  lineNo: number,
  parts: Parts | undefined,
): ParsedFlow | ParseIssue {
  let cookie = "0x0";
  let table = 0;
  let tableName: string | undefined;
  let priority = DEFAULT_PRIORITY;
  let nPackets: number | undefined;
  let nBytes: number | undefined;
  let duration: number | undefined;
  let idleAge: number | undefined;
  let hardAge: number | undefined;
  let actionsAt = -1;
  let pos = skipWs(s, from, to);
  while (pos < to) {
    const start = pos;
    // The name, up to '=' (or the end of a bare field), walked through the info-name trie.
    let k = ORDINARY;
    let st = ROOT;
    for (; pos < to; pos++) {
      const c = s.charCodeAt(pos);
      k = CLASS[c] as number;
      if (k !== ORDINARY) break;
      st = step(INFO.next, st, c);
    }
    // A name that goes on past a bracket or quote is no info name.
    if (k !== K_EQ && k !== SEPARATOR && k !== K_COMMA && pos < to) st = DEAD;
    let eq = -1;
    // A plain decimal value (the counters) is read on the way; NaN otherwise.
    let num = Number.NaN;
    if (k === K_EQ) {
      if (pos - start === 7 && s.charCodeAt(start) === 97 && s.startsWith("actions", start)) {
        actionsAt = pos + 1;
        break;
      }
      eq = pos++;
      const v = pos;
      let n = 0;
      for (; pos < to; pos++) {
        const c = s.charCodeAt(pos);
        if (c < DIGIT0 || c > DIGIT9) break;
        n = n * 10 + c - DIGIT0;
      }
      const after = pos === to ? SEPARATOR : CLASS[s.charCodeAt(pos)];
      if (pos > v && (after === SEPARATOR || after === K_COMMA)) num = n;
    }
    // The rest of the field, where brackets and quotes may hold separators.
    let slash = -1;
    let depth = 0;
    for (; pos < to; pos++) {
      const k = CLASS[s.charCodeAt(pos)];
      if (k === ORDINARY) continue;
      if (k === K_COMMA || k === SEPARATOR) {
        if (depth === 0) break;
      } else if (k === K_EQ) {
        if (eq < 0 && depth === 0) eq = pos;
      } else if (k === K_SLASH) {
        if (slash < 0 && eq >= 0 && depth === 0) slash = pos;
      } else if (k === K_QUOTE) {
        pos = skipQuoted(s, pos, to);
        if (pos < 0) return fail(s, from, to, lineNo, `unterminated quote at column ${start - from + 1}`);
      } else if (k === K_OPEN) depth++;
      else if (--depth < 0)
        return fail(s, from, to, lineNo, `unbalanced '${s[pos]}' at column ${pos - from + 1}`);
    }
    if (depth !== 0)
      return fail(s, from, to, lineNo, `unclosed bracket in field at column ${start - from + 1}`);
    const end = pos;
    let comma = false;
    let space = false;
    for (; pos < to; pos++) {
      const k = CLASS[s.charCodeAt(pos)];
      if (k === K_COMMA) comma = true;
      else if (k === SEPARATOR) space = true;
      else break;
    }
    if (end === start) continue;
    const nameEnd = eq < 0 ? end : eq;
    const known = INFO.named[st];
    // ovs-ofctl ends each info field with ", " (flags with " ") and the match with " " before
    // actions=; bridge/dump-flows joins match and actions with ",". So a field followed by
    // whitespace is info unless actions= comes right after it.
    if (
      known === undefined &&
      !(space && (comma || !(s.charCodeAt(pos) === 97 && s.startsWith("actions=", pos))))
    ) {
      parts?.match.push(matchField(s, start, eq, slash, end));
      continue;
    }
    parts?.info.push({
      name: known === undefined ? s.slice(start, nameEnd) : known.name,
      value: eq < 0 ? undefined : s.slice(eq + 1, end),
      span: [start, end],
    });
    if (eq < 0 || known === undefined) continue;
    switch (known.code) {
      case I_COOKIE:
        cookie = s.slice(eq + 1, end);
        break;
      case I_DURATION:
        duration = undefinedIfNaN(readSeconds(s, eq + 1, end));
        break;
      case I_TABLE:
        table = Number.isNaN(num) ? readNum(s, eq + 1, end) : num;
        if (Number.isNaN(table)) {
          table = -1;
          tableName = s.slice(eq + 1, end);
        }
        break;
      case I_PACKETS:
        nPackets = undefinedIfNaN(Number.isNaN(num) ? readNum(s, eq + 1, end) : num);
        break;
      case I_BYTES:
        nBytes = undefinedIfNaN(Number.isNaN(num) ? readNum(s, eq + 1, end) : num);
        break;
      case I_IDLE_AGE:
        idleAge = undefinedIfNaN(Number.isNaN(num) ? readNum(s, eq + 1, end) : num);
        break;
      case I_HARD_AGE:
        hardAge = undefinedIfNaN(Number.isNaN(num) ? readNum(s, eq + 1, end) : num);
        break;
      case I_PRIORITY:
        priority = Number.isNaN(num) ? readNum(s, eq + 1, end) : num;
        if (Number.isNaN(priority))
          return fail(s, from, to, lineNo, `priority is not a number: ${s.slice(eq + 1, end)}`);
        break;
    }
  }
  if (actionsAt < 0) return fail(s, from, to, lineNo, "no actions= in flow line");
  const actionsEnd = trimEnd(s, actionsAt, to);
  const err = parseActions(s, actionsAt, actionsEnd, parts?.actions);
  if (err !== undefined) return fail(s, from, to, lineNo, err);
  if (parts !== undefined) parts.actionsSpan = [actionsAt, actionsEnd];
  const text = from === 0 && to === s.length ? s : s.slice(from, to);
  return new ParsedFlow(
    lineNo,
    text,
    cookie,
    table,
    tableName,
    priority,
    nPackets,
    nBytes,
    duration,
    idleAge,
    hardAge,
  );
}

function fail(s: string, from: number, to: number, lineNo: number, message: string): ParseIssue {
  return issue(lineNo, message, s.slice(from, to));
}

function matchField(s: string, start: number, eq: number, slash: number, end: number): MatchField {
  let vStart = eq + 1;
  let vEnd = slash >= 0 ? slash : end;
  let quoted = false;
  if (eq >= 0 && vEnd - vStart >= 2 && s.charCodeAt(vStart) === QUOTE && s.charCodeAt(vEnd - 1) === QUOTE) {
    quoted = true;
    vStart++;
    vEnd--;
  }
  return {
    name: s.slice(start, eq < 0 ? end : eq),
    value: eq < 0 ? undefined : s.slice(vStart, vEnd),
    mask: slash >= 0 ? s.slice(slash + 1, end) : undefined,
    quoted,
    span: [start, end],
  };
}

/**
 * Comma-separated actions of s[from, to), appended to `out` when given; an error message when
 * malformed. Each action is read in one pass: the name up to ':' or '(', then the argument up to
 * the next top-level comma or the matching ')'.
 */
function parseActions(s: string, from: number, to: number, out: Action[] | undefined): string | undefined {
  let pos = skipWs(s, from, to);
  while (pos < to) {
    const start = pos;
    let k = pos;
    let c = 0;
    let st = ROOT;
    for (; k < to; k++) {
      c = s.charCodeAt(k);
      if (c === COLON || c === LPAREN || CLASS[c] !== ORDINARY) break;
      st = step(ACTIONS.next, st, c);
    }
    const code = ACTIONS.named[st]?.code ?? 0;
    let next: number;
    let err: string | undefined;
    if (k < to && c === COLON) {
      next = itemEnd(s, k + 1, to);
      if (next < 0) return bad(s, start, to, "unbalanced brackets or quotes in actions");
      err = colonAction(s, start, k, trimEnd(s, k, next), code, out);
    } else if (k < to && c === LPAREN) {
      const close = closingBracket(s, k, to);
      if (close < 0) return bad(s, start, to, "unclosed parenthesis");
      next = skipWs(s, close + 1, to);
      if (next === to || s.charCodeAt(next) === COMMA) err = parenAction(s, start, k, close, code, out);
      else {
        // `check_pkt_larger(1500)->reg0[0]` and the like: text after ')' is kept, not interpreted.
        next = itemEnd(s, next, to);
        if (next < 0) return bad(s, start, to, "unbalanced brackets or quotes in actions");
        out?.push(other(s, start, k, close, trimEnd(s, close, next)));
      }
    } else {
      next = itemEnd(s, k, to);
      if (next < 0) return bad(s, start, to, "unbalanced brackets or quotes in actions");
      const end = trimEnd(s, start, next);
      if (end > start) out?.push(bareAction(s, start, end, end === k ? code : 0));
    }
    if (err !== undefined) return err;
    pos = skipWs(s, next + 1, to);
  }
  return undefined;
}

function bad(s: string, start: number, end: number, why: string): string {
  return `${why}: ${s.slice(start, end)}`;
}

/** Kind "other": the name, the arg s[k+1, argEnd) (after ':' or inside the parentheses), the whole text in `raw`. */
function other(s: string, start: number, k: number, argEnd: number, end: number): Action {
  return {
    kind: "other",
    name: s.slice(start, k),
    arg: s.slice(k + 1, argEnd),
    span: [start, end],
    raw: s.slice(start, end),
  };
}

function bareAction(s: string, start: number, end: number, code: number): Action {
  const name = s.slice(start, end);
  const span: Span = [start, end];
  switch (code) {
    case A_NORMAL:
      return { kind: "normal", name, arg: undefined, span };
    case A_DROP:
      return { kind: "drop", name, arg: undefined, span };
    case A_STRIP_VLAN:
      return { kind: "strip_vlan", name, arg: undefined, span };
    case A_POP_VLAN:
      return { kind: "pop_vlan", name, arg: undefined, span };
    case A_IN_PORT:
      return { kind: "in_port", name, arg: undefined, span };
    case A_LOCAL:
      return { kind: "local", name, arg: undefined, span };
    case A_FLOOD:
      return { kind: "flood", name, arg: undefined, span };
    case A_ALL:
      return { kind: "all", name, arg: undefined, span };
    case A_CONTROLLER:
      return { kind: "controller", name, arg: undefined, span, params: {} };
  }
  // Old ovs-ofctl printed an output to port N as a bare `N`.
  if (!Number.isNaN(readNum(s, start, end))) {
    return { kind: "output", name: "output", arg: name, span, port: name, quoted: false, maxLen: undefined };
  }
  // ovs-ofctl accepts reserved ports and `drop` in any case; hand-written flows use that.
  switch (name.toUpperCase()) {
    case "NORMAL":
      return { kind: "normal", name, arg: undefined, span };
    case "DROP":
      return { kind: "drop", name, arg: undefined, span };
    case "IN_PORT":
      return { kind: "in_port", name, arg: undefined, span };
    case "LOCAL":
      return { kind: "local", name, arg: undefined, span };
    case "FLOOD":
      return { kind: "flood", name, arg: undefined, span };
    case "ALL":
      return { kind: "all", name, arg: undefined, span };
  }
  return { kind: "other", name, arg: undefined, span, raw: name };
}

function isQuoted(s: string, a: number, b: number): boolean {
  return b - a >= 2 && s.charCodeAt(a) === QUOTE && s.charCodeAt(b - 1) === QUOTE;
}

/** `NAME:ARG`, the colon at k. */
function colonAction(
  s: string,
  start: number,
  k: number,
  end: number,
  code: number,
  out: Action[] | undefined,
): string | undefined {
  const a = k + 1;
  const span: Span | undefined = out === undefined ? undefined : [start, end];
  switch (code) {
    case A_OUTPUT: {
      const quoted = isQuoted(s, a, end);
      if (end - a === (quoted ? 2 : 0)) return bad(s, start, end, "output without a port");
      if (out === undefined) return undefined;
      const port = quoted ? s.slice(a + 1, end - 1) : s.slice(a, end);
      out.push({
        kind: "output",
        name: "output",
        arg: s.slice(a, end),
        span: span as Span,
        port,
        quoted,
        maxLen: undefined,
      });
      return undefined;
    }
    case A_RESUBMIT:
      if (a === end) return bad(s, start, end, "resubmit without a port");
      out?.push({
        kind: "resubmit",
        name: "resubmit",
        arg: s.slice(a, end),
        span: span as Span,
        port: s.slice(a, end),
        table: undefined,
        tableName: undefined,
        ct: false,
      });
      return undefined;
    case A_GOTO_TABLE: {
      if (a === end) return bad(s, start, end, "goto_table without a table");
      if (out === undefined) return undefined;
      const arg = s.slice(a, end);
      const table = readNum(s, a, end);
      if (Number.isNaN(table))
        out.push({
          kind: "goto_table",
          name: "goto_table",
          arg,
          span: span as Span,
          table: -1,
          tableName: arg,
        });
      else
        out.push({
          kind: "goto_table",
          name: "goto_table",
          arg,
          span: span as Span,
          table,
          tableName: undefined,
        });
      return undefined;
    }
    case A_MOD_VLAN_VID: {
      const vid = readNum(s, a, end);
      if (Number.isNaN(vid)) return bad(s, start, end, "VLAN id is not a number");
      out?.push({
        kind: "mod_vlan_vid",
        name: s.slice(start, k),
        arg: s.slice(a, end),
        span: span as Span,
        vid,
      });
      return undefined;
    }
    case A_MOD_VLAN_PCP: {
      const pcp = readNum(s, a, end);
      if (Number.isNaN(pcp)) return bad(s, start, end, "VLAN priority is not a number");
      out?.push({
        kind: "mod_vlan_pcp",
        name: s.slice(start, k),
        arg: s.slice(a, end),
        span: span as Span,
        pcp,
      });
      return undefined;
    }
    case A_PUSH_VLAN:
      if (a === end) return bad(s, start, end, "push_vlan without an ethertype");
      out?.push({
        kind: "push_vlan",
        name: "push_vlan",
        arg: s.slice(a, end),
        span: span as Span,
        ethertype: s.slice(a, end),
      });
      return undefined;
    case A_SET_FIELD: {
      const arrow = s.lastIndexOf("->", end - 2);
      if (arrow <= a || arrow + 2 >= end) return bad(s, start, end, "set_field needs VALUE->FIELD");
      if (out === undefined) return undefined;
      const slash = s.indexOf("/", a);
      const hasMask = slash >= 0 && slash < arrow;
      out.push({
        kind: "set_field",
        name: "set_field",
        arg: s.slice(a, end),
        span: span as Span,
        field: s.slice(arrow + 2, end),
        value: s.slice(a, hasMask ? slash : arrow),
        mask: hasMask ? s.slice(slash + 1, arrow) : undefined,
      });
      return undefined;
    }
    case A_SET_TUNNEL:
      if (a === end) return bad(s, start, end, "set_tunnel without a value");
      out?.push({
        kind: "set_field",
        name: s.slice(start, k),
        arg: s.slice(a, end),
        span: span as Span,
        field: "tun_id",
        value: s.slice(a, end),
        mask: undefined,
      });
      return undefined;
    case A_LOAD: {
      const arrow = s.indexOf("->", a);
      const dst = arrow > a && arrow < end ? fieldRef(s, arrow + 2, end, out !== undefined) : undefined;
      if (dst === undefined) return bad(s, start, end, "load needs VALUE->FIELD[bits]");
      out?.push({
        kind: "load",
        name: "load",
        arg: s.slice(a, end),
        span: span as Span,
        value: s.slice(a, arrow),
        dst,
      });
      return undefined;
    }
    case A_MOVE: {
      const arrow = s.indexOf("->", a);
      const ok = arrow > a && arrow < end;
      const src = ok ? fieldRef(s, a, arrow, out !== undefined) : undefined;
      const dst = ok ? fieldRef(s, arrow + 2, end, out !== undefined) : undefined;
      if (src === undefined || dst === undefined)
        return bad(s, start, end, "move needs SRC[bits]->DST[bits]");
      out?.push({ kind: "move", name: "move", arg: s.slice(a, end), span: span as Span, src, dst });
      return undefined;
    }
    case A_NOTE:
      out?.push({
        kind: "note",
        name: "note",
        arg: s.slice(a, end),
        span: span as Span,
        hex: s.slice(a, end),
      });
      return undefined;
    case A_CONTROLLER:
      out?.push({
        kind: "controller",
        name: s.slice(start, k),
        arg: s.slice(a, end),
        span: span as Span,
        params: { max_len: s.slice(a, end) },
      });
      return undefined;
  }
  if (out === undefined) return undefined;
  if (k - start > 4 && s.startsWith("mod_", start)) {
    out.push({
      kind: "mod_field",
      name: s.slice(start, k),
      arg: s.slice(a, end),
      span: span as Span,
      field: s.slice(start + 4, k),
      value: s.slice(a, end),
    });
  } else out.push(other(s, start, k, end, end));
  return undefined;
}

/** `NAME(ARGS)`: the parentheses at k and close (the last character). */
function parenAction(
  s: string,
  start: number,
  k: number,
  close: number,
  code: number,
  out: Action[] | undefined,
): string | undefined {
  const end = close + 1;
  const a = k + 1;
  switch (code) {
    case A_RESUBMIT:
      return resubmit(s, start, a, close, out);
    case A_CT:
      return conntrack(s, start, a, close, out);
    case A_CONJUNCTION: {
      let comma = s.indexOf(",", a);
      if (comma > close) comma = -1;
      const slash = comma < 0 ? -1 : s.indexOf("/", comma);
      const id = comma > a ? readNum(s, a, comma) : Number.NaN;
      const clause = slash > comma && slash < close ? readNum(s, comma + 1, slash) : Number.NaN;
      const nClauses = slash > comma && slash < close ? readNum(s, slash + 1, close) : Number.NaN;
      if (Number.isNaN(id) || Number.isNaN(clause) || Number.isNaN(nClauses)) {
        return bad(s, start, end, "conjunction needs (ID,K/N)");
      }
      out?.push({
        kind: "conjunction",
        name: "conjunction",
        arg: s.slice(a, close),
        span: [start, end],
        id,
        clause,
        nClauses,
      });
      return undefined;
    }
    case A_LEARN: {
      if (out === undefined) return undefined;
      const specs: string[] = [];
      eachItem(s, a, close, (x, y) => {
        specs.push(s.slice(x, y));
      });
      out.push({ kind: "learn", name: "learn", arg: s.slice(a, close), span: [start, end], specs });
      return undefined;
    }
    case A_CONTROLLER: {
      if (out === undefined) return undefined;
      out.push({
        kind: "controller",
        name: s.slice(start, k),
        arg: s.slice(a, close),
        span: [start, end],
        params: keyValues(s, a, close),
      });
      return undefined;
    }
    case A_OUTPUT: {
      const params = keyValues(s, a, close);
      const port = params["port"];
      const maxLenText = params["max_len"];
      const maxLen = maxLenText === undefined ? undefined : readNum(maxLenText, 0, maxLenText.length);
      if (port === undefined || port === "" || (maxLen !== undefined && Number.isNaN(maxLen))) {
        return bad(s, start, end, "output(...) needs port= and a numeric max_len=");
      }
      const quoted = isQuoted(port, 0, port.length);
      out?.push({
        kind: "output",
        name: "output",
        arg: s.slice(a, close),
        span: [start, end],
        port: quoted ? port.slice(1, -1) : port,
        quoted,
        maxLen,
      });
      return undefined;
    }
  }
  out?.push(other(s, start, k, close, end));
  return undefined;
}

/** `resubmit(PORT,TABLE[,ct])`, each part optional; a and close delimit the inside. */
function resubmit(
  s: string,
  start: number,
  a: number,
  close: number,
  out: Action[] | undefined,
): string | undefined {
  let c1 = s.indexOf(",", a);
  if (c1 > close) c1 = -1;
  let c2 = c1 < 0 ? -1 : s.indexOf(",", c1 + 1);
  if (c2 > close) c2 = -1;
  const portEnd = trimEnd(s, a, c1 < 0 ? close : c1);
  const portStart = skipWs(s, a, portEnd);
  const tableStart = c1 < 0 ? close : skipWs(s, c1 + 1, close);
  const tableEnd = c1 < 0 ? close : trimEnd(s, tableStart, c2 < 0 ? close : c2);
  const restStart = c2 < 0 ? close : skipWs(s, c2 + 1, close);
  const restEnd = trimEnd(s, restStart, close);
  const ct = startsWithAt(s, "ct", restStart, restEnd);
  if (restEnd > restStart && !ct) return bad(s, start, close + 1, "resubmit's third argument can only be ct");
  if (portEnd === portStart && tableEnd === tableStart)
    return bad(s, start, close + 1, "resubmit needs a port or a table");
  if (out === undefined) return undefined;
  let table: number | undefined;
  let tableName: string | undefined;
  if (tableEnd > tableStart) {
    table = readNum(s, tableStart, tableEnd);
    if (Number.isNaN(table)) {
      table = -1;
      tableName = s.slice(tableStart, tableEnd);
    }
  }
  out.push({
    kind: "resubmit",
    name: "resubmit",
    arg: s.slice(a, close),
    span: [start, close + 1],
    port: portEnd > portStart ? s.slice(portStart, portEnd) : undefined,
    table,
    tableName,
    ct,
  });
  return undefined;
}

/** `ct(commit,zone=…,table=N,nat(…),exec(…),…)`; a and close delimit the inside. */
function conntrack(
  s: string,
  start: number,
  a: number,
  close: number,
  out: Action[] | undefined,
): string | undefined {
  let commit = false;
  let zone: string | undefined;
  let table: number | undefined;
  let nat: string | undefined;
  const exec: Action[] | undefined = out === undefined ? undefined : [];
  const params: Record<string, string> | undefined = out === undefined ? undefined : {};
  let pos = a;
  while (pos < close) {
    pos = skipWs(s, pos, close);
    if (pos >= close) break;
    const itemStop = itemEnd(s, pos, close);
    if (itemStop < 0) return bad(s, start, close + 1, "malformed ct arguments");
    const last = trimEnd(s, pos, itemStop);
    let k = pos;
    let c = 0;
    for (; k < last; k++) {
      c = s.charCodeAt(k);
      if (c === EQ || c === LPAREN) break;
    }
    if (k === last) {
      if (startsWithAt(s, "commit", pos, k)) commit = true;
      else if (startsWithAt(s, "nat", pos, k)) nat = "";
      else if (params !== undefined && k > pos) params[s.slice(pos, k)] = "";
    } else if (c === LPAREN) {
      const inner = closingBracket(s, k, last);
      if (inner !== last - 1) return bad(s, start, close + 1, "malformed ct argument");
      if (startsWithAt(s, "exec", pos, k)) {
        const err = parseActions(s, k + 1, inner, exec);
        if (err !== undefined) return err;
      } else if (params !== undefined) {
        if (startsWithAt(s, "nat", pos, k)) nat = s.slice(k + 1, inner);
        else params[s.slice(pos, k)] = s.slice(k + 1, inner);
      }
    } else if (startsWithAt(s, "table", pos, k) && !Number.isNaN(readNum(s, k + 1, last))) {
      table = readNum(s, k + 1, last);
    } else if (params !== undefined) {
      if (startsWithAt(s, "zone", pos, k)) zone = s.slice(k + 1, last);
      else params[s.slice(pos, k)] = s.slice(k + 1, last);
    }
    pos = itemStop + 1;
  }
  out?.push({
    kind: "ct",
    name: "ct",
    arg: s.slice(a, close),
    span: [start, close + 1],
    commit,
    zone,
    table,
    nat,
    exec: exec as Action[],
    params: params as Record<string, string>,
  });
  return undefined;
}

/** Calls `fn` with the [start, end) of each comma-separated item of a balanced s[from, to) (trimmed, empty ones skipped). */
function eachItem(s: string, from: number, to: number, fn: (start: number, end: number) => void): void {
  let pos = from;
  while (pos < to) {
    pos = skipWs(s, pos, to);
    if (pos >= to) break;
    let end = itemEnd(s, pos, to);
    if (end < 0) end = to;
    const last = trimEnd(s, pos, end);
    if (last > pos) fn(pos, last);
    pos = end + 1;
  }
}

/** `k=v,flag,…` (a bare flag maps to ""). */
function keyValues(s: string, from: number, to: number): Record<string, string> {
  const out: Record<string, string> = {};
  eachItem(s, from, to, (a, b) => {
    const eq = s.indexOf("=", a);
    if (eq < 0 || eq >= b) out[s.slice(a, b)] = "";
    else out[s.slice(a, eq)] = s.slice(eq + 1, b);
  });
  return out;
}

/** Stands for "a valid field reference" when nothing is being built. */
const SOME_FIELD: FieldRef = Object.freeze({ field: "" });

/**
 * `NXM_NX_REG6[0..15]`, `NXM_NX_REG5[]`, `reg0[3]` or a bare field name in s[a, b);
 * undefined when malformed, SOME_FIELD when valid and `build` is false.
 */
function fieldRef(s: string, a: number, b: number, build: boolean): FieldRef | undefined {
  if (b <= a) return undefined;
  let open = s.indexOf("[", a);
  if (open >= b) open = -1;
  if (open < 0) return build ? { field: s.slice(a, b) } : SOME_FIELD;
  if (open === a || s.charCodeAt(b - 1) !== RBRACK) return undefined;
  if (open + 2 === b) return build ? { field: s.slice(a, open) } : SOME_FIELD;
  let dots = s.indexOf("..", open);
  if (dots >= b) dots = -1;
  const start = readNum(s, open + 1, dots < 0 ? b - 1 : dots);
  const end = dots < 0 ? start : readNum(s, dots + 2, b - 1);
  if (Number.isNaN(start) || Number.isNaN(end)) return undefined;
  return build ? { field: s.slice(a, open), start, end } : SOME_FIELD;
}

const HEADER = /^\s*(NXST_FLOW|OFPST_FLOW) reply(?: \((OF[\d.]+)\))?(?: \(xid=(0x[0-9a-fA-F]+)\))?:/;

const PASTE_NOISE = /^\s*(?:[#$>]|\.\.\.|…|\[[^\]]*\]\s*[#$]|[\w.-]+@[\w.-]+\S*\s*[#$])/;

/** Shell prompts, `...` and `…` that operators leave in pasted output (also used by ofctl-show). */
export function isPasteNoise(line: string): boolean {
  return PASTE_NOISE.test(line);
}

/**
 * A whole dump: headers (one per reply message), flows, and an issue for every line that is
 * neither. Lines without a header (grep output) are fine; prompts and `...` are skipped.
 * Lines are walked in place rather than split out first: scanning one flat string is markedly
 * faster than scanning hundreds of thousands of sliced ones. Numbering matches splitLines.
 */
export function parseFlowDump(text: string): ParseResult<FlowDump> {
  const headers: FlowDumpHeader[] = [];
  const flows: Flow[] = [];
  const issues: ParseIssue[] = [];
  const n = text.length;
  let lineNo = 0;
  let start = 0;
  while (start < n) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = n;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === CR) end--;
    lineNo++;
    const p = skipWs(text, start, end);
    if (p < end) {
      const c = text.charCodeAt(p);
      // N/O: only reply headers start with these capitals (flows start with cookie=, table=, …).
      const m = c === 78 || c === 79 ? HEADER.exec(text.slice(p, end)) : null;
      if (m !== null) headers.push({ kind: m[1] as string, ofVersion: m[2], xid: m[3], line: lineNo });
      else {
        const r = scanFlow(text, start, end, lineNo, undefined);
        if (isFlow(r)) flows.push(r);
        else if (!isPasteNoise(r.text ?? "")) issues.push(r);
      }
    }
    start = next;
  }
  return { value: { headers, flows }, issues };
}

/**
 * The canonical text of a flow, in ovs-ofctl's layout (info fields with ", ", flags with " ",
 * priority and match joined by ",", then actions=). Parsing it gives back an equivalent Flow;
 * for ovs-ofctl lines it is the line itself, minus leading indentation differences.
 */
export function formatFlow(flow: Flow): string {
  let out = " ";
  let priority: string | undefined;
  let hasCookie = false;
  let hasTable = false;
  for (const f of flow.info) {
    if (f.name === "priority") {
      priority = f.value ?? "";
      continue;
    }
    if (f.name === "cookie") hasCookie = true;
    else if (f.name === "table" || f.name === "table_id") hasTable = true;
    if (f.value !== undefined) out += f.name + "=" + f.value + ", ";
    else out += f.name + (FLAGS.has(f.name) ? " " : ", ");
  }
  // Flows built in code rather than parsed may carry these only as typed fields.
  if (!hasCookie && flow.cookie !== "0x0") out = " cookie=" + flow.cookie + "," + out;
  if (!hasTable && flow.table !== 0) out += "table=" + (flow.tableName ?? flow.table) + ", ";
  if (priority === undefined && flow.priority !== DEFAULT_PRIORITY) priority = String(flow.priority);
  let m = priority === undefined ? "" : priority === "" ? "priority" : "priority=" + priority;
  for (const f of flow.match) m += (m === "" ? "" : ",") + formatMatchField(f);
  if (m !== "") out += m + " ";
  return out + "actions=" + formatActions(flow.actions);
}

export function formatMatchField(f: MatchField): string {
  if (f.value === undefined) return f.name;
  const v = f.quoted ? '"' + f.value + '"' : f.value;
  return f.name + "=" + v + (f.mask === undefined ? "" : "/" + f.mask);
}

export function formatActions(actions: readonly Action[]): string {
  if (actions.length === 0) return "drop";
  let out = "";
  for (const a of actions) out += (out === "" ? "" : ",") + formatAction(a);
  return out;
}

function formatFieldRef(r: FieldRef): string {
  if (r.start === undefined) return r.field + "[]";
  return r.field + "[" + r.start + (r.end === undefined || r.end === r.start ? "" : ".." + r.end) + "]";
}

/** Keys of controller() and ct() that OVS writes without a value; any other key keeps its `=`. */
const BARE_KEYS = new Set(["pause", "force"]);

function formatParams(params: Record<string, string>): string[] {
  return Object.entries(params).map(([k, v]) => (v === "" && BARE_KEYS.has(k) ? k : k + "=" + v));
}

export function formatAction(a: Action): string {
  switch (a.kind) {
    case "output": {
      const port = a.quoted ? '"' + a.port + '"' : a.port;
      return a.maxLen === undefined ? "output:" + port : "output(port=" + port + ",max_len=" + a.maxLen + ")";
    }
    case "normal":
    case "local":
    case "in_port":
    case "flood":
    case "all":
    case "drop":
    case "strip_vlan":
    case "pop_vlan":
      return a.name;
    case "controller": {
      const keys = Object.keys(a.params);
      if (keys.length === 0) return a.name;
      if (a.name === "CONTROLLER" && keys.length === 1 && keys[0] === "max_len")
        return "CONTROLLER:" + a.params["max_len"];
      return "controller(" + formatParams(a.params).join(",") + ")";
    }
    case "mod_vlan_vid":
      return a.name + ":" + a.vid;
    case "mod_vlan_pcp":
      return a.name + ":" + a.pcp;
    case "push_vlan":
      return "push_vlan:" + a.ethertype;
    case "set_field":
      if (a.name === "set_tunnel" || a.name === "set_tunnel64") return a.name + ":" + a.value;
      return "set_field:" + a.value + (a.mask === undefined ? "" : "/" + a.mask) + "->" + a.field;
    case "load":
      return "load:" + a.value + "->" + formatFieldRef(a.dst);
    case "move":
      return "move:" + formatFieldRef(a.src) + "->" + formatFieldRef(a.dst);
    case "resubmit": {
      const table = a.tableName ?? (a.table === undefined ? "" : String(a.table));
      if (table === "" && !a.ct) return "resubmit:" + (a.port ?? "");
      return "resubmit(" + (a.port ?? "") + "," + table + (a.ct ? ",ct" : "") + ")";
    }
    case "goto_table":
      return "goto_table:" + (a.tableName ?? a.table);
    case "ct": {
      const parts: string[] = [];
      if (a.commit) parts.push("commit");
      if (a.table !== undefined) parts.push("table=" + a.table);
      if (a.zone !== undefined) parts.push("zone=" + a.zone);
      if (a.nat !== undefined) parts.push(a.nat === "" ? "nat" : "nat(" + a.nat + ")");
      if (a.exec.length > 0) parts.push("exec(" + formatActions(a.exec) + ")");
      parts.push(...formatParams(a.params));
      return "ct(" + parts.join(",") + ")";
    }
    case "learn":
      return "learn(" + a.specs.join(",") + ")";
    case "conjunction":
      return "conjunction(" + a.id + "," + a.clause + "/" + a.nClauses + ")";
    case "note":
      return "note:" + a.hex;
    case "mod_field":
      return "mod_" + a.field + ":" + a.value;
    case "other":
      return a.raw ?? (a.arg === undefined ? a.name : a.name + ":" + a.arg);
  }
}
