/**
 * OVSDB table views: `ovs-vsctl --format=json list <table>` (live), the plain text
 * `ovs-vsctl list <table>` and `ovsdb-client -f list dump` (sosreports). All three land in one
 * row shape so the model reads a Port's `other_config` the same way whatever was collected.
 *
 * Values keep OVSDB's own types. OVSDB quotes a string whenever it could be mistaken for another
 * type (`segmentation_id="1001"`, `iface-id="<uuid>"`), so in the text form a bare number is an
 * integer, a bare UUID is a row reference and anything quoted is a string — the same distinction
 * the JSON form makes with `["uuid", …]`.
 */
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

/** A reference to a row (`["uuid","…"]` in JSON, a bare UUID in text). */
export interface OvsdbUuid {
  uuid: string;
}

export type OvsdbAtom = string | number | boolean | OvsdbUuid;

export interface OvsdbMap {
  map: [key: OvsdbAtom, value: OvsdbAtom][];
}

/**
 * A column value: an atom, a set (array; an empty optional column is `[]`) or a map.
 * JSON prints a one-element set as the bare atom and text prints `[x]` for multi-valued
 * columns, so read sets through `colSet`, not by checking `Array.isArray`.
 */
export type OvsdbValue = OvsdbAtom | OvsdbAtom[] | OvsdbMap;

// Arrays have a `map` method, so `"map" in value` alone would take a set for a map.
export function isOvsdbMap(value: OvsdbValue): value is OvsdbMap {
  return typeof value === "object" && !Array.isArray(value) && "map" in value;
}

export function isOvsdbUuid(value: OvsdbValue): value is OvsdbUuid {
  return typeof value === "object" && !Array.isArray(value) && "uuid" in value;
}

export interface OvsdbRow {
  _uuid?: string;
  /** 1-based line where the record starts (text forms only: JSON rows share one line). */
  line?: number;
  /** Every column but `_uuid`, as printed. */
  columns: Record<string, OvsdbValue>;
}

export interface OvsdbTable {
  /** Table name from the `<Name> table` heading; absent when the output does not say. */
  name?: string;
  rows: OvsdbRow[];
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER_RE = /^-?\d+$/;
const NUMBER_RE = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

// ---------------------------------------------------------------------------------------------
// Text values: `[]`, `{}`, `[a, b]`, `{k=v, k2="v 2"}`, `"quoted"`, bare words and numbers.

export type OvsdbTextValue = { ok: true; value: OvsdbValue } | { ok: false; error: string };

/** Bare (unquoted) text is typed the way OVSDB decides whether a string needs quotes. */
function bareAtom(token: string): OvsdbAtom {
  if (NUMBER_RE.test(token)) return Number(token);
  if (token === "true") return true;
  if (token === "false") return false;
  if (UUID_RE.test(token)) return { uuid: token };
  return token;
}

class Cursor {
  pos = 0;
  /** Why the last `atom()` returned undefined. */
  error = "";
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? "")) this.pos++;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  fail(error: string): undefined {
    this.error = error;
    return undefined;
  }

  /** An atom ending before one of `stops` (or at the end): quoted string or bare token. */
  atom(stops: string): OvsdbAtom | undefined {
    this.skipSpace();
    if (this.peek() === '"') {
      let end = this.pos + 1;
      while (end < this.text.length && this.text[end] !== '"') end += this.text[end] === "\\" ? 2 : 1;
      if (end >= this.text.length) return this.fail(`unterminated string at column ${this.pos + 1}`);
      const quoted = this.text.slice(this.pos, end + 1);
      this.pos = end + 1;
      try {
        // OVSDB escapes strings the JSON way, so JSON decodes them exactly.
        return JSON.parse(quoted) as string;
      } catch {
        return quoted.slice(1, -1);
      }
    }
    const start = this.pos;
    while (this.pos < this.text.length && !stops.includes(this.text[this.pos] ?? "")) this.pos++;
    const token = this.text.slice(start, this.pos).trim();
    return token === "" ? this.fail(`missing value at column ${start + 1}`) : bareAtom(token);
  }
}

function parseContainer(c: Cursor, close: "]" | "}"): OvsdbTextValue {
  const atoms: OvsdbAtom[] = [];
  const pairs: [OvsdbAtom, OvsdbAtom][] = [];
  const done = (): OvsdbTextValue => ({ ok: true, value: close === "]" ? atoms : { map: pairs } });
  c.pos++; // opening bracket
  c.skipSpace();
  if (c.peek() === close) {
    c.pos++;
    return done();
  }
  for (;;) {
    const first = c.atom(close === "]" ? ",]" : ",}=");
    if (first === undefined) return { ok: false, error: c.error };
    if (close === "]") atoms.push(first);
    else {
      c.skipSpace();
      if (c.peek() !== "=") return { ok: false, error: `expected "=" at column ${c.pos + 1}` };
      c.pos++;
      const second = c.atom(",}");
      if (second === undefined) return { ok: false, error: c.error };
      pairs.push([first, second]);
    }
    c.skipSpace();
    const sep = c.peek();
    c.pos++;
    if (sep === close) return done();
    if (sep !== ",") return { ok: false, error: `expected "," or "${close}" at column ${c.pos}` };
  }
}

/**
 * Parses one value as `ovs-vsctl list` / `ovs-vsctl show` print it. Exported for the
 * `ovs-vsctl show` parser, whose `options:` and `trunks:` use the same notation.
 */
export function parseOvsdbTextValue(text: string): OvsdbTextValue {
  const c = new Cursor(text.trim());
  if (c.text === "") return { ok: false, error: "empty value" };
  const opener = c.peek();
  let result: OvsdbTextValue;
  if (opener === "[" || opener === "{") result = parseContainer(c, opener === "[" ? "]" : "}");
  else if (opener === '"') {
    const atom = c.atom("");
    result = atom === undefined ? { ok: false, error: c.error } : { ok: true, value: atom };
  } else return { ok: true, value: bareAtom(c.text) }; // a bare scalar is the whole rest of the line
  if (!result.ok) return result;
  c.skipSpace();
  return c.pos < c.text.length ? { ok: false, error: `unexpected text at column ${c.pos + 1}` } : result;
}

// ---------------------------------------------------------------------------------------------
// Text records: `column : value` lines, records separated by blank lines.

const COLUMN_RE = /^\s*([A-Za-z_][\w-]*)\s*:\s*(.*)$/;
const TABLE_RE = /^\s*([A-Za-z_][\w]*) table\s*$/;
const ELISION_RE = /^\s*(\.\.\.|…)\s*$/;

function parseRecords(text: string, withTables: boolean): ParseResult<OvsdbTable[]> {
  const issues: ParseIssue[] = [];
  const tables: OvsdbTable[] = [];
  let table: OvsdbTable | undefined;
  let row: OvsdbRow | undefined;

  splitLines(text).forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === "") {
      row = undefined;
      return;
    }
    if (ELISION_RE.test(raw)) return;
    const heading = withTables ? TABLE_RE.exec(raw) : null;
    if (heading) {
      table = { name: heading[1] ?? "", rows: [] };
      tables.push(table);
      row = undefined;
      return;
    }
    const m = COLUMN_RE.exec(raw);
    if (!m) {
      issues.push(issue(line, "not a `column : value` line", raw));
      return;
    }
    const column = m[1] ?? "";
    const valueText = (m[2] ?? "").trim();
    // A second `_uuid` means the blank line between two records was lost in a paste.
    if (!row || (column === "_uuid" && (row._uuid !== undefined || Object.keys(row.columns).length > 0))) {
      if (!table) {
        table = { rows: [] };
        tables.push(table);
      }
      row = { line, columns: {} };
      table.rows.push(row);
    }
    const parsed = parseOvsdbTextValue(valueText);
    let value: OvsdbValue;
    if (parsed.ok) value = parsed.value;
    else {
      issues.push(issue(line, `column ${column}: ${parsed.error}; kept as text`, raw));
      value = valueText;
    }
    if (column === "_uuid" && isOvsdbUuid(value)) row._uuid = value.uuid;
    else row.columns[column] = value;
  });
  return { value: tables, issues };
}

/** `ovs-vsctl list <table>` in its plain text form (what sosreports hold). */
export function parseOvsVsctlList(text: string): ParseResult<OvsdbRow[]> {
  const { value, issues } = parseRecords(text, false);
  return { value: value.flatMap((t) => t.rows), issues };
}

/** `ovsdb-client -f list dump`: one `<Name> table` section per table, rows as in `ovs-vsctl list`. */
export function parseOvsdbClientListDump(text: string): ParseResult<OvsdbTable[]> {
  return parseRecords(text, true);
}

// ---------------------------------------------------------------------------------------------
// JSON: `{"data":[[…],…],"headings":[…]}` with `["set",[…]]`, `["map",[[k,v],…]]`, `["uuid","…"]`.

function jsonAtom(x: unknown): OvsdbAtom | undefined {
  if (typeof x === "string" || typeof x === "number" || typeof x === "boolean") return x;
  if (Array.isArray(x) && x.length === 2 && x[0] === "uuid" && typeof x[1] === "string")
    return { uuid: x[1] };
  return undefined;
}

function jsonValue(x: unknown): OvsdbValue | undefined {
  const atom = jsonAtom(x);
  if (atom !== undefined) return atom;
  if (!Array.isArray(x) || x.length !== 2 || !Array.isArray(x[1])) return undefined;
  if (x[0] === "set") {
    const atoms = (x[1] as unknown[]).map(jsonAtom);
    return atoms.every((a) => a !== undefined) ? (atoms as OvsdbAtom[]) : undefined;
  }
  if (x[0] === "map") {
    const pairs: [OvsdbAtom, OvsdbAtom][] = [];
    for (const p of x[1] as unknown[]) {
      if (!Array.isArray(p) || p.length !== 2) return undefined;
      const k = jsonAtom(p[0]);
      const v = jsonAtom(p[1]);
      if (k === undefined || v === undefined) return undefined;
      pairs.push([k, v]);
    }
    return { map: pairs };
  }
  return undefined;
}

/** 1-based line of a JSON.parse error when V8 says where ("at position N" or "line N column M"), else 0. */
function jsonErrorLine(text: string, message: string): number {
  const line = /line (\d+) column/.exec(message)?.[1];
  if (line !== undefined) return Number(line);
  const pos = /position (\d+)/.exec(message)?.[1];
  return pos === undefined ? 0 : text.slice(0, Number(pos)).split("\n").length;
}

/** `ovs-vsctl --format=json list <table>` (the default `--data=json`). */
export function parseOvsdbJson(text: string): ParseResult<OvsdbRow[]> {
  const issues: ParseIssue[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { value: [], issues: [issue(jsonErrorLine(text, message), `invalid JSON: ${message}`)] };
  }
  const { data, headings } = (doc ?? {}) as { data?: unknown; headings?: unknown };
  if (!Array.isArray(data) || !Array.isArray(headings) || !headings.every((h) => typeof h === "string")) {
    return { value: [], issues: [issue(0, 'expected an object with "data" and "headings" arrays')] };
  }
  const rows: OvsdbRow[] = [];
  data.forEach((cells: unknown, r) => {
    if (!Array.isArray(cells)) {
      issues.push(issue(0, `row ${r + 1}: not an array`));
      return;
    }
    if (cells.length !== headings.length) {
      issues.push(
        issue(0, `row ${r + 1}: ${cells.length} cells for ${headings.length} headings`, undefined, "warning"),
      );
    }
    const row: OvsdbRow = { columns: {} };
    cells.forEach((cell: unknown, i) => {
      const column = (headings[i] as string | undefined) ?? `#${i}`;
      const value = jsonValue(cell);
      if (value === undefined)
        issues.push(issue(0, `row ${r + 1}, column ${column}: unknown value ${JSON.stringify(cell)}`));
      else if (column === "_uuid" && isOvsdbUuid(value)) row._uuid = value.uuid;
      else row.columns[column] = value;
    });
    rows.push(row);
  });
  return { value: rows, issues };
}

/** Either list form, told apart by the first character (snapshots hold JSON live, text from sosreports). */
export function parseOvsdbList(text: string): ParseResult<OvsdbRow[]> {
  return text.trimStart().startsWith("{") ? parseOvsdbJson(text) : parseOvsVsctlList(text);
}

// ---------------------------------------------------------------------------------------------
// Typed column readers for the model.

export function atomText(atom: OvsdbAtom): string {
  return typeof atom === "object" ? atom.uuid : String(atom);
}

/** A set as an array whichever way it was printed (bare atom, `[x]`, `["set",[…]]`); a map is not a set. */
export function asSet(value: OvsdbValue | undefined): OvsdbAtom[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  return isOvsdbMap(value) ? [] : [value];
}

/** A map as strings (`external_ids`, `other_config`, `options`); anything else reads as empty. */
export function asStringMap(value: OvsdbValue | undefined): Record<string, string> {
  if (value === undefined || !isOvsdbMap(value)) return {};
  return Object.fromEntries(value.map.map(([k, v]) => [atomText(k), atomText(v)]));
}

/** The single value of a scalar or optional column as text; undefined when empty or multi-valued. */
export function colString(row: OvsdbRow, name: string): string | undefined {
  const set = asSet(row.columns[name]);
  return set.length === 1 && set[0] !== undefined ? atomText(set[0]) : undefined;
}

/** The single value of an integer column (`ofport`, `tag`, `mtu`); undefined when empty or not a number. */
export function colNumber(row: OvsdbRow, name: string): number | undefined {
  const set = asSet(row.columns[name]);
  const atom = set.length === 1 ? set[0] : undefined;
  if (typeof atom === "number") return atom;
  return typeof atom === "string" && INTEGER_RE.test(atom) ? Number(atom) : undefined;
}

export function colMap(row: OvsdbRow, name: string): Record<string, string> {
  return asStringMap(row.columns[name]);
}

export function colSet(row: OvsdbRow, name: string): OvsdbAtom[] {
  return asSet(row.columns[name]);
}
