/**
 * SARIF 2.1.0 for pipelines (GitHub code scanning, GitLab, Jenkins warnings-ng): one run, one result per
 * finding, the snapshot file and line as the location.
 */
import type { CheckReport } from "../checks/engine.js";
import type { Rule, Severity } from "../checks/types.js";

const LEVEL: Record<Severity, "note" | "warning" | "error"> = {
  info: "note",
  warning: "warning",
  error: "error",
  critical: "error",
};

export function renderSarif(report: CheckReport, rules: readonly Rule[], version: string): string {
  const used = rules.filter((r) => report.rulesRun.includes(r.id));
  return JSON.stringify(
    {
      $schema: "https://json.schemastore.org/sarif-2.1.0.json",
      version: "2.1.0",
      runs: [
        {
          tool: {
            driver: {
              name: "netdoctor",
              version,
              rules: used.map((r) => ({
                id: r.id,
                name: r.title,
                shortDescription: { text: r.title },
                fullDescription: { text: r.doc.checks },
                help: { text: `${r.doc.why}\nFix: ${r.doc.fix}` },
                defaultConfiguration: { level: LEVEL[r.severity] },
              })),
            },
          },
          results: report.findings.map((f) => ({
            ruleId: f.rule,
            level: LEVEL[f.severity],
            message: {
              text: `${f.title} (${[f.node, f.object].filter(Boolean).join(" / ")}): ${f.explanation} Fix: ${f.fix.join(" ; ")}`,
            },
            locations: f.evidence.map((e) => ({
              physicalLocation: {
                artifactLocation: { uri: e.path },
                ...(e.line !== undefined ? { region: { startLine: e.line } } : {}),
              },
            })),
            ...(f.group ? { partialFingerprints: { group: f.group } } : {}),
          })),
        },
      ],
    },
    null,
    2,
  );
}
