/**
 * Service logs of a node (`log@<service>` evidence: the tail of neutron-openvswitch-agent.log, nova-compute.log,
 * …). The model keeps what the checks read — the records at WARNING and above with their tracebacks — and only
 * the count and time span of the rest, so a node with large logs stays a small model.
 */
import { type OsloLevel, type OsloLogRecord, parseOsloLog } from "../parse/oslo-log.js";
import { type EvidenceReader, lineRef } from "./evidence.js";
import type { EvidenceRef } from "./types.js";

/** The levels the model keeps: what went wrong, not what went on. */
export type ProblemLevel = Extract<OsloLevel, "TRACE" | "CRITICAL" | "ERROR" | "WARNING">;

export interface LogEntry {
  time: string;
  level: ProblemLevel;
  logger: string;
  requestId?: string;
  message: string;
  /** Continuation lines (traceback), each with its line. */
  continuation: EvidenceRef[];
  /** The record's first line. */
  evidence: EvidenceRef;
}

export interface ServiceLog {
  /** `neutron-openvswitch-agent`, `nova-compute`, … (the evidence parameter). */
  service: string;
  /** The log file on the node, when the collecting command names it (`tail -n 5000 <file>`). */
  file?: string;
  /** Records read, and the time of the first and last. */
  records: number;
  first?: string;
  last?: string;
  entries: LogEntry[];
  evidence: EvidenceRef;
}

const KEPT: readonly OsloLevel[] = ["TRACE", "CRITICAL", "ERROR", "WARNING"];
const isProblem = (r: OsloLogRecord): r is OsloLogRecord & { level: ProblemLevel } => KEPT.includes(r.level);

export function buildLogs(ev: EvidenceReader, node: string): ServiceLog[] {
  const out: ServiceLog[] = [];
  for (const service of ev.params(node, "log").sort()) {
    const item = ev.item(node, "log", service);
    const parsed = ev.parse(`node:${node}`, item, parseOsloLog);
    if (!parsed) continue;
    const records = parsed.value;
    const log: ServiceLog = {
      service,
      records: records.length,
      entries: records.filter(isProblem).map((r) => {
        const e: LogEntry = {
          time: r.time,
          level: r.level,
          logger: r.logger,
          message: r.message,
          continuation: r.continuation.map((c) => lineRef(parsed.ref, c.line, c.text)),
          evidence: lineRef(parsed.ref, r.line, r.text),
        };
        if (r.requestId !== undefined) e.requestId = r.requestId;
        return e;
      }),
      evidence: parsed.ref,
    };
    const file = /\s(\/\S+\.log)$/.exec(item?.meta?.command ?? "")?.[1];
    if (file !== undefined) log.file = file;
    const first = records[0]?.time;
    const last = records.at(-1)?.time;
    if (first !== undefined) log.first = first;
    if (last !== undefined) log.last = last;
    out.push(log);
  }
  return out;
}
