/**
 * iptables in its two shapes: the argv form (`iptables-save`, `iptables -S`) and the table listing
 * (`iptables -L`, `-vnL`, `--line-numbers -vnL`, `-vnxL`). Security-group checks (hybrid firewall chains
 * neutron-openvswi-*), router NAT (neutron-l3-agent-*) and FWaaS rules all read these.
 */
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

export interface IptOption {
  /** As written: `-s`, `--dport`, `--physdev-out`, `--to-destination`. */
  flag: string;
  /** Arguments joined by a space (`NIPv4… src` for --match-set); undefined for a bare flag. */
  value?: string;
  values: string[];
  /** `! --ctstate DNAT`, `! -o qg-…`, or old-style `-s ! 10.0.0.0/8`. */
  negated: boolean;
}

export interface IptMatch {
  /** `-m <module>`; undefined for the built-in matches (-s, -d, -p, -i, -o, -f). */
  module?: string;
  options: IptOption[];
}

export interface IptCounters {
  packets: number;
  bytes: number;
}

export interface IptRule {
  line: number;
  table: string;
  chain: string;
  /** The whole line as written. */
  text: string;
  matches: IptMatch[];
  /** `-j` target, or `-g` chain (then `goto` is true). */
  target?: string;
  goto?: boolean;
  targetArgs: IptOption[];
  /** `-m comment --comment "…"`, unquoted. */
  comment?: string;
  /** `iptables-save -c` `[p:b]` prefix or `-c p b`. */
  counters?: IptCounters;
}

export interface IptChain {
  line: number;
  name: string;
  /** Built-in chains only (ACCEPT, DROP); user chains print `-`. */
  policy?: string;
  counters?: IptCounters;
}

export interface IptTable {
  /** Line of `*table`, 0 when the header was missing. */
  line: number;
  name: string;
  chains: IptChain[];
  rules: IptRule[];
}

export interface IptablesSave {
  tables: IptTable[];
}

interface Token {
  text: string;
  quoted: boolean;
}

/** Shell-like split as iptables-save quotes: `"…"` with `\"` and `\\` escapes, and `'…'`. */
function shellSplit(s: string): { tokens: Token[]; unterminated: boolean } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    let text = "";
    let quoted = false;
    while (i < s.length && !/\s/.test(s[i]!)) {
      const c = s[i]!;
      if (c === '"' || c === "'") {
        quoted = true;
        const close = c;
        i++;
        while (i < s.length && s[i] !== close) {
          if (close === '"' && s[i] === "\\" && i + 1 < s.length) i++;
          text += s[i];
          i++;
        }
        if (i >= s.length) return { tokens: [...tokens, { text, quoted }], unterminated: true };
        i++;
      } else {
        text += c;
        i++;
      }
    }
    tokens.push({ text, quoted });
  }
  return { tokens, unterminated: false };
}

const isFlag = (t: Token | undefined): boolean => t !== undefined && !t.quoted && /^--?[A-Za-z]/.test(t.text);
const isBang = (t: Token | undefined): boolean => t !== undefined && !t.quoted && t.text === "!";

const BASE_FLAGS = new Set([
  "-s",
  "--source",
  "--src",
  "-d",
  "--destination",
  "--dst",
  "-p",
  "--protocol",
  "-i",
  "--in-interface",
  "-o",
  "--out-interface",
  "-f",
  "--fragment",
]);
const TARGET_FLAGS = new Set(["-j", "--jump", "-g", "--goto"]);
const MATCH_FLAGS = new Set(["-m", "--match"]);
const COUNTER_FLAGS = new Set(["-c", "--set-counters"]);

/** Parses the argv after `-A CHAIN`; problems are returned as messages for the caller's line. */
function parseRuleArgs(tokens: Token[], rule: IptRule): string[] {
  const problems: string[] = [];
  let base: IptMatch | undefined;
  let current: IptMatch | undefined;
  let inTarget = false;
  let negateNext = false;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (isBang(tok)) {
      negateNext = true;
      continue;
    }
    if (!isFlag(tok)) {
      problems.push(`stray argument "${tok.text}"`);
      continue;
    }
    const flag = tok.text;
    let negated = negateNext;
    negateNext = false;
    if (MATCH_FLAGS.has(flag) || TARGET_FLAGS.has(flag)) {
      const name = tokens[i + 1];
      if (name === undefined || isFlag(name)) {
        problems.push(`${flag} without a name`);
        continue;
      }
      i++;
      if (MATCH_FLAGS.has(flag)) {
        current = { module: name.text, options: [] };
        rule.matches.push(current);
      } else {
        rule.target = name.text;
        if (flag === "-g" || flag === "--goto") rule.goto = true;
        inTarget = true;
      }
      continue;
    }
    // Old iptables (< 1.4.3) wrote the negation after the flag: `-s ! 10.0.0.0/8`.
    if (isBang(tokens[i + 1]) && tokens[i + 2] !== undefined && !isFlag(tokens[i + 2])) {
      negated = true;
      i++;
    }
    const values: string[] = [];
    while (i + 1 < tokens.length && !isFlag(tokens[i + 1]) && !isBang(tokens[i + 1]))
      values.push(tokens[++i]!.text);
    if (COUNTER_FLAGS.has(flag) && values.length === 2 && values.every((v) => /^\d+$/.test(v))) {
      rule.counters = { packets: Number(values[0]), bytes: Number(values[1]) };
      continue;
    }
    const opt: IptOption = { flag, values, negated };
    if (values.length > 0) opt.value = values.join(" ");
    // Built-in matches go first whatever their position; so does `--dport` after `-p tcp` without
    // `-m tcp`, since iptables loads the protocol match implicitly.
    if (BASE_FLAGS.has(flag) || (!inTarget && !current)) {
      if (!base) {
        base = { options: [] };
        rule.matches.unshift(base);
      }
      base.options.push(opt);
    } else if (inTarget) rule.targetArgs.push(opt);
    else current?.options.push(opt);
    if (
      flag === "--comment" &&
      current?.module === "comment" &&
      rule.comment === undefined &&
      opt.value !== undefined
    )
      rule.comment = opt.value;
  }
  if (negateNext) problems.push("trailing `!`");
  return problems;
}

/** First option with this flag in the rule's matches, then in its target arguments. */
export function findOption(rule: IptRule, flag: string): IptOption | undefined {
  for (const m of rule.matches) {
    const o = m.options.find((x) => x.flag === flag);
    if (o) return o;
  }
  return rule.targetArgs.find((x) => x.flag === flag);
}

function chainOf(table: IptTable, name: string, line: number): IptChain {
  let c = table.chains.find((x) => x.name === name);
  if (!c) {
    c = { line, name };
    table.chains.push(c);
  }
  return c;
}

/**
 * `iptables-save` (any number of tables, optional `-c` counters) and `iptables [-t T] -S`.
 * `defaultTable` names the table of lines before any `*table` header (`iptables -t nat -S`); without it
 * they go to filter, as iptables itself defaults, with a warning.
 */
export function parseIptablesSave(text: string, defaultTable?: string): ParseResult<IptablesSave> {
  const tables: IptTable[] = [];
  const issues: ParseIssue[] = [];
  let table: IptTable | undefined;

  const currentTable = (line: number, raw: string): IptTable => {
    if (table) return table;
    // `iptables -S` and grep'd excerpts carry no `*table` header.
    const name = defaultTable ?? "filter";
    table = tables.find((t) => t.name === name && t.line === 0);
    if (!table) {
      table = { line: 0, name, chains: [], rules: [] };
      tables.push(table);
      if (defaultTable === undefined)
        issues.push(issue(line, "no *table header before this line: assuming filter", raw, "warning"));
    }
    return table;
  };

  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    let t = raw.trim();
    if (t === "" || t.startsWith("#")) return;
    if (t.startsWith("*")) {
      table = { line, name: t.slice(1).trim(), chains: [], rules: [] };
      tables.push(table);
      return;
    }
    if (t === "COMMIT") {
      if (!table) issues.push(issue(line, "COMMIT outside a table", raw, "warning"));
      table = undefined;
      return;
    }
    const decl = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?$/.exec(t);
    if (decl) {
      const c = chainOf(currentTable(line, raw), decl[1]!, line);
      if (decl[2] !== "-") c.policy = decl[2];
      if (decl[3] !== undefined) c.counters = { packets: Number(decl[3]), bytes: Number(decl[4]) };
      return;
    }
    let counters: IptCounters | undefined;
    const prefix = /^\[(\d+):(\d+)\]\s+/.exec(t);
    if (prefix) {
      counters = { packets: Number(prefix[1]), bytes: Number(prefix[2]) };
      t = t.slice(prefix[0].length);
    }
    const { tokens, unterminated } = shellSplit(t);
    if (unterminated) issues.push(issue(line, "unterminated quote", raw));
    const cmd = tokens[0]?.text;
    const chain = tokens[1]?.text;
    if (chain === undefined || (cmd !== "-A" && cmd !== "-I" && cmd !== "-N" && cmd !== "-P")) {
      issues.push(issue(line, "not an iptables-save line", raw));
      return;
    }
    const tbl = currentTable(line, raw);
    const c = chainOf(tbl, chain, line);
    if (cmd === "-N") return;
    if (cmd === "-P") {
      const policy = tokens[2]?.text;
      if (policy !== undefined) c.policy = policy;
      const cnt = tokens.slice(3).map((x) => x.text);
      if (cnt[0] === "-c" && cnt.length === 3)
        c.counters = { packets: Number(cnt[1]), bytes: Number(cnt[2]) };
      return;
    }
    // `-I CHAIN 2 …` pasted from a command line carries a rule number.
    const args = tokens.slice(cmd === "-I" && /^\d+$/.test(tokens[2]?.text ?? "") ? 3 : 2);
    const rule: IptRule = { line, table: tbl.name, chain, text: raw, matches: [], targetArgs: [] };
    if (counters) rule.counters = counters;
    for (const p of parseRuleArgs(args, rule)) issues.push(issue(line, p, raw, "warning"));
    tbl.rules.push(rule);
  });
  return { value: { tables }, issues };
}

export interface IptListRule {
  line: number;
  /** `--line-numbers`. */
  num?: number;
  /** With -v; `5342K`-style abbreviations are expanded (1000-based, as iptables prints them). */
  pkts?: number;
  bytes?: number;
  /** Empty target column (a rule without -j) gives undefined. */
  target?: string;
  /** As printed: `all`, `tcp`, or the number nf_tables-era iptables prints (`0`, `6`, `17`). */
  prot: string;
  /** `--`, `-f`, `!f`; absent in ip6tables listings. */
  opt?: string;
  in?: string;
  out?: string;
  source: string;
  destination: string;
  /** Trailing match/target text as printed (`tcp dpt:22`, `PHYSDEV match …`, `to:192.168.101.85`). */
  rest: string;
  /** Text of the comment iptables prints between slash-star markers in `rest`. */
  comment?: string;
  text: string;
}

export interface IptListChain {
  line: number;
  name: string;
  policy?: string;
  /** Policy counters of built-in chains (with -v). */
  packets?: number;
  bytes?: number;
  /** User chains: `(N references)`. */
  references?: number;
  rules: IptListRule[];
}

export interface IptablesList {
  chains: IptListChain[];
}

function count(s: string | undefined): number | undefined {
  const m = /^(\d+)([KMGTP]?)$/.exec(s ?? "");
  if (!m) return undefined;
  const mult = { "": 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 }[m[2] as "" | "K" | "M" | "G" | "T" | "P"];
  return Number(m[1]) * mult;
}

interface Columns {
  num: boolean;
  counters: boolean;
  iface: boolean;
}

const LIST_HEADER = /^(num\s+)?(pkts\s+bytes\s+)?target\s+prot\s+opt\s+(in\s+out\s+)?source\s+destination$/;
const OPT = /^(--|-f|!f)$/;
/** Protocol column values, to place the columns of ip6tables rows that have no opt column. */
const PROT = /^!?(all|tcp|udp|udplite|icmp|icmpv6|ipv6-icmp|esp|ah|sctp|mh|gre|\d+)$/;

/** Rows of a chain listed without its header (grep'd): guess the columns from the leading numbers. */
function inferColumns(words: string[]): Columns {
  let n = 0;
  while (n < 3 && count(words[n]) !== undefined) n++;
  return { num: n === 1 || n === 3, counters: n >= 2, iface: n >= 2 };
}

function parseListRow(raw: string, line: number, cols: Columns): IptListRule | string {
  const words: { text: string; at: number }[] = [];
  for (const m of raw.matchAll(/\S+/g)) words.push({ text: m[0], at: m.index });
  const w = (k: number): string | undefined => words[k]?.text;
  let k = 0;
  const row: Partial<IptListRule> = {};
  if (cols.num) {
    const n = w(k++);
    if (n === undefined || !/^\d+$/.test(n)) return "expected a rule number";
    row.num = Number(n);
  }
  if (cols.counters) {
    const p = count(w(k++));
    const b = count(w(k++));
    if (p === undefined || b === undefined) return "expected packet and byte counters";
    row.pkts = p;
    row.bytes = b;
  }
  if (OPT.test(w(k + 1) ?? "")) {
    row.prot = w(k);
    row.opt = w(k + 1);
    k += 2;
  } else if (OPT.test(w(k + 2) ?? "")) {
    row.target = w(k);
    row.prot = w(k + 1);
    row.opt = w(k + 2);
    k += 3;
  } else if (PROT.test(w(k + 1) ?? "")) {
    row.target = w(k);
    row.prot = w(k + 1);
    k += 2;
  } else {
    row.prot = w(k);
    k += 1;
  }
  if (cols.iface) {
    row.in = w(k++);
    row.out = w(k++);
  }
  row.source = w(k++);
  row.destination = w(k++);
  if (
    row.prot === undefined ||
    row.source === undefined ||
    row.destination === undefined ||
    (cols.iface && row.out === undefined)
  )
    return "too few columns for a rule row";
  const restAt = words[k]?.at;
  const rest = restAt === undefined ? "" : raw.slice(restAt).trim();
  const result: IptListRule = { ...(row as IptListRule), line, rest, text: raw };
  const comment = /\/\*\s?(.*?)\s?\*\//.exec(rest);
  if (comment) result.comment = comment[1];
  return result;
}

/** `iptables -L` family: `-n -L`, `-vnL`, `--line-numbers -vnL`, `-vnxL`, one chain or all. */
export function parseIptablesList(text: string): ParseResult<IptablesList> {
  const chains: IptListChain[] = [];
  const issues: ParseIssue[] = [];
  let chain: IptListChain | undefined;
  let cols: Columns | undefined;
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === "") return;
    const head = /^Chain\s+(\S+)\s+\((.*)\)$/.exec(t);
    if (head) {
      chain = { line, name: head[1]!, rules: [] };
      chains.push(chain);
      cols = undefined;
      const info = head[2]!.trim();
      const policy = /^policy\s+(\S+)(?:\s+(\S+)\s+packets,\s+(\S+)\s+bytes)?$/.exec(info);
      const refs = /^(\d+)\s+references?$/.exec(info);
      if (policy) {
        chain.policy = policy[1];
        const p = count(policy[2]);
        const b = count(policy[3]);
        if (p !== undefined) chain.packets = p;
        if (b !== undefined) chain.bytes = b;
      } else if (refs) chain.references = Number(refs[1]);
      else issues.push(issue(line, "unrecognised chain header details", raw, "warning"));
      return;
    }
    const header = LIST_HEADER.exec(t);
    if (header) {
      cols = {
        num: header[1] !== undefined,
        counters: header[2] !== undefined,
        iface: header[3] !== undefined,
      };
      return;
    }
    if (!chain) {
      issues.push(issue(line, "rule row before any `Chain` header", raw));
      return;
    }
    cols ??= inferColumns(t.split(/\s+/));
    const row = parseListRow(raw, line, cols);
    if (typeof row === "string") issues.push(issue(line, row, raw));
    else chain.rules.push(row);
  });
  return { value: { chains }, issues };
}
