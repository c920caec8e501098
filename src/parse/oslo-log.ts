/**
 * OpenStack service logs written by oslo.log (neutron, nova), as `tail` or a sosreport copy holds them:
 *
 *     2015-02-12 13:52:45.123 12345 ERROR neutron.plugins.ml2.managers [req-… None] Failed to bind port …
 *
 * (`<date> <time>.<ms> <pid> <LEVEL> <logger> [<context>] <message>`), also behind a journald prefix
 * (`Dec 05 23:46:59 host neutron-server[130890]: ERROR oslo.messaging… [-] …`). One record is one logged
 * message with its continuation: unprefixed lines (multi-line messages), the traceback lines oslo.log writes
 * with the same time, pid, level and logger but without a context (Kilo and later), and the `TRACE` lines of
 * older releases.
 */
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

export const OSLO_LEVELS = ["TRACE", "CRITICAL", "ERROR", "WARNING", "AUDIT", "INFO", "DEBUG"] as const;
export type OsloLevel = (typeof OSLO_LEVELS)[number];

export interface OsloLogRecord {
  /** 1-based line of the record's first line, and that line as written. */
  line: number;
  text: string;
  /** Last line (1-based) that belongs to the record. */
  endLine: number;
  /** `2015-02-12 13:52:45.123` as written (journald's `Dec 05 23:46:59` when that is the only time). */
  time: string;
  pid: number;
  level: OsloLevel;
  logger: string;
  /** `req-<uuid>` of the request context, when the record has one. */
  requestId?: string;
  message: string;
  /** Continuation lines in order (traceback lines without their prefix), with their 1-based line numbers. */
  continuation: { line: number; text: string }[];
}

const LEVEL = `(${OSLO_LEVELS.join("|")}|WARN)`;
const OSLO_HEAD = new RegExp(
  `^(\\d{4}-\\d\\d-\\d\\d[ T]\\d\\d:\\d\\d:\\d\\d(?:[.,]\\d+)?)\\s+(\\d+)\\s+${LEVEL}\\s+(\\S+)(?:\\s(.*))?$`,
);
const JOURNAL_HEAD = new RegExp(
  `^([A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d) \\S+ [\\w.-]+\\[(\\d+)\\]: ${LEVEL}\\s+(\\S+)(?:\\s(.*))?$`,
);

const INSTANCE = /^\[instance: [0-9a-f-]{36}\] /;

interface Head {
  time: string;
  pid: number;
  level: OsloLevel;
  logger: string;
  /** The text after the logger: `[context] message`, or a traceback line. */
  rest: string;
}

function head(line: string): Head | undefined {
  const m = OSLO_HEAD.exec(line) ?? JOURNAL_HEAD.exec(line);
  if (!m) return undefined;
  const level = (m[3] === "WARN" ? "WARNING" : m[3]) as OsloLevel;
  return { time: m[1]!, pid: Number(m[2]), level, logger: m[4]!, rest: m[5] ?? "" };
}

/** `[req-… user tenant] message` → context and message; `[-] message`; or no context at all. */
function splitContext(rest: string): { context?: string; message: string } {
  if (!rest.startsWith("[")) return { message: rest };
  const end = rest.indexOf("]");
  if (end < 0) return { message: rest };
  return { context: rest.slice(1, end), message: rest.slice(end + 1).trimStart() };
}

export function parseOsloLog(text: string): ParseResult<OsloLogRecord[]> {
  const issues: ParseIssue[] = [];
  const records: OsloLogRecord[] = [];
  let orphans = 0;
  const lines = splitLines(text);
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line.trim() === "") return;
    const cur = records.at(-1);
    const h = head(line);
    const attach = (t: string): void => {
      cur!.continuation.push({ line: i + 1, text: t });
      cur!.endLine = i + 1;
    };
    if (!h) {
      if (cur) attach(line);
      else if (orphans++ === 0) {
        // `tail` cuts wherever it likes: the excerpt may start inside a traceback.
        issues.push(issue(i + 1, "lines before the first log record skipped", raw, "warning"));
      }
      return;
    }
    // `[instance: <uuid>]` belongs to the message, not the request context: Juno/Kilo print it on traceback lines too.
    const rest = h.rest.replace(INSTANCE, "");
    const ctx = splitContext(rest);
    const sameEmitter = cur !== undefined && cur.pid === h.pid && cur.logger === h.logger;
    // Old releases print the traceback as TRACE lines; newer ones repeat the record's prefix without a context.
    if (
      sameEmitter &&
      (h.level === "TRACE" || (ctx.context === undefined && cur.time === h.time && cur.level === h.level))
    ) {
      attach(rest);
      return;
    }
    const record: OsloLogRecord = {
      line: i + 1,
      text: raw,
      endLine: i + 1,
      time: h.time,
      pid: h.pid,
      level: h.level,
      logger: h.logger,
      message: ctx.context === undefined ? h.rest : ctx.message,
      continuation: [],
    };
    const req = ctx.context === undefined ? undefined : /\breq-[0-9a-f-]{36}\b/.exec(ctx.context)?.[0];
    if (req !== undefined) record.requestId = req;
    records.push(record);
  });
  if (records.length === 0 && lines.some((l) => l.trim() !== "")) {
    issues.push(issue(0, "no oslo.log record found (expected `<date> <time> <pid> <LEVEL> <logger> …`)"));
  }
  return { value: records, issues };
}
