import type { Command } from "@commander-js/extra-typings";
import { Option } from "@commander-js/extra-typings";
import { runChecks, worstSeverity } from "../checks/engine.js";
import { RULES } from "../checks/registry.js";
import { SEVERITIES, severityRank } from "../checks/types.js";
import { buildModel } from "../model/build.js";
import { renderCheckText } from "../report/check-text.js";
import { toJson } from "../report/json.js";
import { renderSarif } from "../report/sarif.js";
import { readSnapshot } from "../snapshot/reader.js";
import { EXIT_CLEAN, EXIT_FINDINGS, VERSION } from "./constants.js";

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(",").filter(Boolean)];

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description(
      "run every check of the catalogue on a snapshot; root causes first, with evidence and the fix",
    )
    .argument("<snapshot>", "snapshot folder")
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["text", "json", "sarif"] as const)
        .default("text" as const),
    )
    .option("--only <rules>", "run only these rules (ids or `category.*`), comma-separated", list)
    .option("--skip <rules>", "skip these rules (ids or `category.*`), comma-separated", list)
    .addOption(
      new Option("--severity <level>", "exit 1 when a finding is at or above this severity")
        .choices(SEVERITIES)
        .default("warning" as const),
    )
    .option(
      "--port <port>",
      "also check that this TCP port is allowed in to VMs (repeatable)",
      (v, prev: number[] = []) => [...prev, Number(v)],
    )
    .action((dir, opts) => {
      const model = buildModel(readSnapshot(dir));
      const report = runChecks(model, {
        only: opts.only ?? [],
        skip: opts.skip ?? [],
        ports: opts.port ?? [],
      });
      const out =
        opts.format === "json"
          ? toJson(report)
          : opts.format === "sarif"
            ? renderSarif(report, RULES, VERSION)
            : renderCheckText(report, opts.severity);
      process.stdout.write(out.endsWith("\n") ? out : `${out}\n`);
      const worst = worstSeverity(report);
      process.exitCode =
        worst !== undefined && severityRank(worst) >= severityRank(opts.severity)
          ? EXIT_FINDINGS
          : EXIT_CLEAN;
    });
}
