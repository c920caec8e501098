/**
 * `ps -eo pid,etimes,args` (and plain `ps -ef`/`ps aux`, as sosreports hold): which daemons run and for how
 * long — ovs-vswitchd, the Neutron agents, dnsmasq, keepalived.
 */
import { issue, type ParseResult, splitLines } from "./types.js";

export interface Proc {
  pid: number;
  /** Seconds since start, when the output has `etimes`. */
  elapsed?: number;
  args: string;
  line: number;
}

export function parsePs(text: string): ParseResult<Proc[]> {
  const lines = splitLines(text);
  const issues = [];
  const value: Proc[] = [];
  const header = (lines[0] ?? "")
    .trim()
    .split(/\s+/)
    .map((h) => h.toUpperCase());
  const pidCol = header.indexOf("PID");
  const argsCol = Math.max(header.indexOf("COMMAND"), header.indexOf("CMD"), header.indexOf("ARGS"));
  const etCol = header.indexOf("ELAPSED");
  if (pidCol < 0 || argsCol < 0)
    return { value, issues: [issue(1, "no ps header with PID and COMMAND/CMD", lines[0])] };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const cols = line.trim().split(/\s+/);
    const pid = Number(cols[pidCol]);
    if (!Number.isInteger(pid) || cols.length <= argsCol) {
      issues.push(issue(i + 1, "not a process line", line, "warning"));
      continue;
    }
    const proc: Proc = { pid, args: cols.slice(argsCol).join(" "), line: i + 1 };
    const et = etCol >= 0 ? Number(cols[etCol]) : Number.NaN;
    if (Number.isFinite(et)) proc.elapsed = et;
    value.push(proc);
  }
  return { value, issues };
}
