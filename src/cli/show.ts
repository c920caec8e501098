import type { Command } from "@commander-js/extra-typings";
import { Option } from "@commander-js/extra-typings";
import { buildModel } from "../model/build.js";
import { toJson } from "../report/json.js";
import { renderShowText } from "../report/show-text.js";
import { vlanTable } from "../report/vlan-table.js";
import { readSnapshot } from "../snapshot/reader.js";

export function registerShow(program: Command): void {
  program
    .command("show")
    .description(
      "print each node's bridge → port chain, namespaces, VMs and the cloud-wide VLAN translation table",
    )
    .argument("<snapshot>", "snapshot folder")
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["text", "json"] as const)
        .default("text" as const),
    )
    .action((dir, opts) => {
      const model = buildModel(readSnapshot(dir));
      process.stdout.write(
        opts.format === "json"
          ? `${toJson({ ...model, vlanTable: vlanTable(model) })}\n`
          : renderShowText(model),
      );
    });
}
