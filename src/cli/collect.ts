import { hostname } from "node:os";
import type { Command } from "@commander-js/extra-typings";
import { collectSnapshot } from "../collect/collect.js";
import { LocalTransport } from "../collect/local.js";
import { LAB_API, labTargets } from "../lab/collect.js";
import { resolveLabDir } from "../lab/paths.js";
import { RoleSchema } from "../snapshot/format.js";
import { EXIT_CLEAN, EXIT_FINDINGS } from "./constants.js";

export function registerCollect(program: Command): void {
  program
    .command("collect")
    .description("gather an evidence snapshot by running the evidence catalogue's commands (read-only)")
    .requiredOption("-o, --out <dir>", "snapshot folder to write")
    .option("--local", "collect from this host", false)
    .option("--lab", "collect from the running `netdoctor lab` (its nodes and its Neutron API)", false)
    .option("--name <name>", "node name for --local (default: the host name)")
    .option(
      "--roles <roles>",
      "node roles for --local, comma-separated (default: detected from running services)",
    )
    .option(
      "--lldp-wait <seconds>",
      "how long to wait for an LLDP frame per NIC when lldpd does not run",
      "35",
    )
    .action(async (opts) => {
      if (!opts.local && !opts.lab) throw new Error("say where to collect from: --local or --lab");
      const progress = (node: string, cmd: string) => process.stderr.write(`[${node}] ${cmd}\n`);
      const roles = opts.roles?.split(",").map((r) => RoleSchema.parse(r.trim()));
      const summary = opts.lab
        ? await collectSnapshot(
            opts.out,
            labTargets(resolveLabDir()).map((t) => ({ ...t, onCommand: progress })),
            { source: "lab", api: { endpoints: LAB_API } },
          )
        : await collectSnapshot(
            opts.out,
            [
              {
                name: opts.name ?? hostname(),
                transport: new LocalTransport(),
                lldpWaitSeconds: Number(opts.lldpWait),
                ...(roles ? { roles } : {}),
                onCommand: progress,
              },
            ],
            { source: "local" },
          );
      if (summary.api)
        process.stderr.write(`API: ${summary.api.fetched} views, ${summary.api.failed} failed\n`);
      for (const n of summary.nodes)
        process.stderr.write(`${n.name}: ${n.commands} commands, ${n.failed} failed\n`);
      for (const f of summary.failedNodes) process.stderr.write(`${f.name}: FAILED: ${f.error}\n`);
      process.stdout.write(`${summary.out}\n`);
      process.exitCode = summary.failedNodes.length ? EXIT_FINDINGS : EXIT_CLEAN;
    });
}
