/** `netdoctor check` for people: root causes first, each with its consequences, evidence lines and the fix. */
import pc from "picocolors";
import type { CheckReport, FindingGroup } from "../checks/engine.js";
import type { Finding, Severity } from "../checks/types.js";

const SEV: Record<Severity, (s: string) => string> = {
  critical: (s) => pc.bold(pc.red(s)),
  error: pc.red,
  warning: pc.yellow,
  info: pc.dim,
};

function findingLines(f: Finding, indent: string): string[] {
  const where = [f.node, f.object].filter(Boolean).join(" / ");
  const out = [
    `${indent}${SEV[f.severity](f.severity.toUpperCase().padEnd(8))} ${pc.bold(f.title)}  ${pc.dim(`[${f.rule}]`)}`,
  ];
  out.push(`${indent}         ${where}`);
  out.push(`${indent}         ${f.explanation}`);
  for (const e of f.evidence) {
    out.push(
      pc.dim(
        `${indent}         ${e.path}${e.line !== undefined ? `:${e.line}` : ""}${e.text !== undefined ? `  ${e.text.trim()}` : ""}`,
      ),
    );
  }
  for (const cmd of f.fix) out.push(`${indent}         ${pc.green("$")} ${cmd}`);
  return out;
}

function groupLines(g: FindingGroup, n: number): string[] {
  const out = [
    `${String(n).padStart(2)}. ${g.consequences.length ? pc.bold("root cause") + pc.dim(` (${g.consequences.length} findings follow from it)`) : ""}`.trimEnd(),
  ];
  out.push(...findingLines(g.head, "    "));
  for (const c of g.consequences) out.push(...findingLines(c, "      ↳ "));
  return out;
}

export function renderCheckText(report: CheckReport, minSeverity: Severity): string {
  const out: string[] = [];
  const counts = new Map<Severity, number>();
  for (const f of report.findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  report.groups.forEach((g, i) => {
    out.push(...groupLines(g, i + 1), "");
  });
  if (report.findings.length === 0) out.push(pc.green("No findings."), "");
  if (report.gaps.length) {
    out.push(
      pc.yellow(`${report.gaps.length} gaps in the evidence (checks that needed them could not run fully):`),
    );
    for (const g of report.gaps) out.push(`  ${g.object}: ${g.message}`);
    out.push("");
  }
  const summary = (["critical", "error", "warning", "info"] as const)
    .map((s) => `${counts.get(s) ?? 0} ${s}`)
    .join(", ");
  out.push(`${report.rulesRun.length} rules run: ${summary} (exit status counts ${minSeverity} and above)`);
  return `${out.join("\n")}\n`;
}
