/**
 * Runs the rule catalogue on a model and ranks the result: root causes first (by severity), each with the
 * findings that stem from it; then the rest by severity. A rule that throws is a bug, reported as a gap so the
 * other rules still run.
 */
import type { CloudModel } from "../model/types.js";
import { RULES } from "./registry.js";
import { type CheckOptions, type Finding, type Rule, type Severity, severityRank } from "./types.js";

export interface FindingGroup {
  /** The root-cause finding (or the only finding, when it stands alone). */
  head: Finding;
  /** Findings caused by it. */
  consequences: Finding[];
}

export interface CheckReport {
  groups: FindingGroup[];
  findings: Finding[];
  rulesRun: string[];
  /** What could not be checked: model issues, snapshot warnings, rules that failed. */
  gaps: { object: string; message: string }[];
}

export interface RunOptions extends Partial<CheckOptions> {
  only?: string[];
  skip?: string[];
  rules?: readonly Rule[];
}

/** `vlan.*` selects a category, an exact id selects one rule. */
function selects(patterns: string[], id: string): boolean {
  return patterns.some((p) => (p.endsWith(".*") ? id.startsWith(p.slice(0, -1)) : p === id));
}

export function runChecks(model: CloudModel, opts: RunOptions = {}): CheckReport {
  const rules = (opts.rules ?? RULES).filter(
    (r) =>
      (!opts.only?.length || selects(opts.only, r.id)) && !(opts.skip?.length && selects(opts.skip, r.id)),
  );
  const findings: Finding[] = [];
  const gaps = [
    ...model.warnings.map((w) => ({
      object: w.object,
      message: w.message + (w.cause ? ` (${w.cause})` : ""),
    })),
    ...model.issues.map((i) => ({ object: i.object, message: i.message })),
  ];
  for (const rule of rules) {
    try {
      findings.push(...rule.run({ model, options: { ports: opts.ports ?? [] } }));
    } catch (err) {
      gaps.push({
        object: `rule:${rule.id}`,
        message: `rule failed: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  return { groups: groupFindings(findings), findings, rulesRun: rules.map((r) => r.id), gaps };
}

const bySeverity = (a: Finding, b: Finding) => severityRank(b.severity) - severityRank(a.severity);

export function groupFindings(findings: Finding[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  const loose: FindingGroup[] = [];
  for (const f of findings.filter((x) => x.root && x.group !== undefined)) {
    const g = groups.get(f.group!);
    if (!g) groups.set(f.group!, { head: f, consequences: [] });
    else g.consequences.push(f);
  }
  for (const f of findings.filter((x) => !(x.root && x.group !== undefined))) {
    const g = f.group !== undefined ? groups.get(f.group) : undefined;
    if (g) g.consequences.push(f);
    else loose.push({ head: f, consequences: [] });
  }
  // A root cause outranks a loose finding of the same severity; within a group, worst consequences first.
  const ranked = [...groups.values()].map((g) => ({ ...g, consequences: g.consequences.sort(bySeverity) }));
  const score = (g: FindingGroup) =>
    severityRank(g.head.severity) * 2 + (g.consequences.length > 0 || g.head.root ? 1 : 0);
  return [...ranked, ...loose].sort(
    (a, b) => score(b) - score(a) || b.consequences.length - a.consequences.length,
  );
}

export function worstSeverity(report: CheckReport): Severity | undefined {
  let worst: Severity | undefined;
  for (const f of report.findings)
    if (worst === undefined || severityRank(f.severity) > severityRank(worst)) worst = f.severity;
  return worst;
}
