import type { Command } from "@commander-js/extra-typings";
import { Option } from "@commander-js/extra-typings";
import { RULES, ruleById } from "../checks/registry.js";
import { toJson } from "../report/json.js";
import { renderRuleDoc, renderRulesMarkdown } from "../report/rule-docs.js";

export function registerRules(program: Command): void {
  program
    .command("rules")
    .description("list the check catalogue, or print one rule's documentation")
    .argument("[rule]", "rule id to document")
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["text", "json", "markdown"] as const)
        .default("text" as const),
    )
    .action((id, opts) => {
      if (id !== undefined) {
        const rule = ruleById(id);
        if (!rule) throw new Error(`no rule ${JSON.stringify(id)}; \`netdoctor rules\` lists them`);
        process.stdout.write(renderRuleDoc(rule));
        return;
      }
      if (opts.format === "json") {
        process.stdout.write(`${toJson(RULES.map(({ run: _run, ...r }) => r))}\n`);
      } else if (opts.format === "markdown") {
        process.stdout.write(renderRulesMarkdown(RULES));
      } else {
        for (const r of RULES)
          process.stdout.write(`${r.id.padEnd(36)} ${r.severity.padEnd(8)} ${r.title}\n`);
      }
    });
}
