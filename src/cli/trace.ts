import type { Command } from "@commander-js/extra-typings";
import { Option } from "@commander-js/extra-typings";
import { buildModel } from "../model/build.js";
import { toJson } from "../report/json.js";
import { renderTraceText } from "../report/trace-text.js";
import { readSnapshot } from "../snapshot/reader.js";
import { readFdbTables } from "../trace/fdb.js";
import { EndpointError, parseProto, traceRoute } from "../trace/trace.js";
import { EXIT_CLEAN, EXIT_FAILED, EXIT_FINDINGS } from "./constants.js";

/** Exit codes: 0 delivered (request and reply), 1 dropped, 2 could not run (or the evidence ran out mid-path). */
export function registerTrace(program: Command): void {
  program
    .command("trace")
    .description(
      "follow a packet hop by hop across the nodes of a snapshot (VM → qbr → br-int → provider bridge → wire → … → qrouter → br-ex), then its reply; each hop with its VLAN tag, the flow or rule that decided, and the tcpdump that shows it",
    )
    .argument("<snapshot>", "snapshot folder")
    .requiredOption(
      "--from <endpoint>",
      "VM (libvirt domain, Nova uuid, IP, MAC, Neutron port id), namespace (qrouter-…, qdhcp-…), node NIC (network:em4) or an outside IP",
    )
    .requiredOption(
      "--to <endpoint>",
      "IP, VM, `router` (or a router id/name), namespace, or an outside address",
    )
    .option("--proto <proto>", "icmp, tcp:PORT or udp:PORT", "icmp")
    .option("--no-reply", "trace only the request, not the reply")
    .option("-v, --verbose", "print each hop's reason and evidence under it")
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["text", "json"] as const)
        .default("text" as const),
    )
    .action((dir, opts) => {
      const snap = readSnapshot(dir);
      const model = buildModel(snap);
      let report: ReturnType<typeof traceRoute>;
      try {
        report = traceRoute(model, {
          from: opts.from,
          to: opts.to,
          proto: parseProto(opts.proto),
          reply: opts.reply,
          fdb: readFdbTables(snap),
        });
      } catch (err) {
        if (!(err instanceof EndpointError)) throw err;
        process.stderr.write(`netdoctor trace: ${err.message}\n`);
        process.exitCode = EXIT_FAILED;
        return;
      }
      const out =
        opts.format === "json" ? toJson(report) : renderTraceText(report, { verbose: opts.verbose === true });
      process.stdout.write(out.endsWith("\n") ? out : `${out}\n`);
      process.exitCode =
        report.verdict.status === "delivered"
          ? EXIT_CLEAN
          : report.verdict.status === "dropped"
            ? EXIT_FINDINGS
            : EXIT_FAILED;
    });
}
