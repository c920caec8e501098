/**
 * `netdoctor lab …`: the guide's cloud for real on this machine. Only wiring here; the work is in the
 * modules next to this file.
 */
import type { Command } from "@commander-js/extra-typings";
import { EXIT_CLEAN, EXIT_FAILED, EXIT_FINDINGS } from "../cli/constants.js";
import { labDown } from "./down.js";
import { aptInstallArgv, installLabDeps } from "./install.js";
import { formatLadder, runLadder } from "./ladder.js";
import { LabPaths, resolveLabDir } from "./paths.js";
import { inNs, onHost, runInteractive } from "./run.js";
import { formatStatus, labStatus } from "./status.js";
import { EXT_SERVER, nodeByName, TOR, vmByName } from "./topology.js";
import { labUp, PrerequisiteError } from "./up.js";

const out = (s: string): void => {
  process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
};
const err = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

/** argv that runs `command` on a lab host: nodes and the ToR get their OVS at default paths. */
export function execArgv(labDir: string, host: string, command: readonly string[]): string[] {
  const paths = new LabPaths(labDir);
  const node = nodeByName(host);
  if (node !== undefined) {
    const hp = paths.host(node.name);
    return onHost(node.ns, hp.ovs, hp.lldpdSocket, command);
  }
  if (host === TOR.name) {
    const hp = paths.host(TOR.name);
    return onHost(TOR.ns, hp.ovs, hp.lldpdSocket, command);
  }
  if (host === EXT_SERVER.name) return inNs(EXT_SERVER.ns, command);
  const vm = vmByName(host);
  if (vm !== undefined) return inNs(vm.ns, command);
  // the agents' namespaces, by their full name
  if (/^(qdhcp|qrouter)-[0-9a-f-]{36}$/.test(host)) return inNs(host, command);
  throw new Error(
    `unknown lab host "${host}" (compute, controller, network, tor, ext, ${["vm1", "vm2"].join(", ")}, or a qdhcp-/qrouter- namespace)`,
  );
}

export function registerLab(program: Command): void {
  const lab = program
    .command("lab")
    .description(
      "the field guide's cloud for real on this machine: 3 nodes with Open vSwitch, a ToR with LLDP, real Neutron",
    );

  lab
    .command("up")
    .description(
      "build the lab (namespaces, OVS, ToR, RabbitMQ, neutron-server, agents, VMs) and run the ping ladder",
    )
    .option("--ladder-timeout <seconds>", "how long the ping ladder may take to pass", "60")
    .action(async (opts) => {
      const labDir = resolveLabDir();
      const res = await labUp({
        labDir,
        log: (l) => err(`[lab up] ${l}`),
        ladderTimeoutMs: Number(opts.ladderTimeout) * 1000,
      }).catch((e: unknown) => {
        if (e instanceof PrerequisiteError) throw e;
        const msg = e instanceof Error ? e.message : String(e);
        throw new Error(
          `lab up failed: ${msg}\n  what was made is recorded; logs are in ${labDir}; \`netdoctor lab down\` removes it`,
          {
            cause: e,
          },
        );
      });
      out(formatLadder(res.ladder));
      out(`lab up in ${res.seconds.toFixed(1)} s (state: ${labDir}/state.json)`);
      process.exitCode = EXIT_CLEAN;
    });

  lab
    .command("down")
    .description("stop and delete exactly what `lab up` recorded (also after a failed up)")
    .action(async () => {
      const labDir = resolveLabDir();
      const r = await labDown({ labDir, log: (l) => err(`[lab down] ${l}`) });
      if (!r.hadState) out(`no lab state in ${labDir}: nothing to tear down`);
      else {
        out(
          `lab down in ${r.seconds.toFixed(1)} s: ${r.processes} recorded processes stopped, ` +
            `${r.namespaceProcesses} more found in lab namespaces, ${r.namespaces.length} namespaces deleted`,
        );
      }
      if (r.strays.length > 0) {
        err(
          `namespaces with the lab prefix that the state does not record (left alone): ${r.strays.join(", ")}`,
        );
      }
    });

  lab
    .command("status")
    .description("what the lab recorded and what of it runs")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const labDir = resolveLabDir();
      const s = await labStatus(labDir);
      out(opts.json === true ? JSON.stringify(s, null, 2) : formatStatus(s, labDir));
    });

  lab
    .command("ping")
    .description("the ping ladder: VM→VM across nodes, VM→router, VM→external (SNAT), external→floating IP")
    .action(async () => {
      const results = await runLadder();
      out(formatLadder(results));
      process.exitCode = results.every((r) => r.ok) ? EXIT_CLEAN : EXIT_FINDINGS;
    });

  lab
    .command("exec")
    .description(
      "run a command on a lab host (its namespace; nodes also get their OVS and lldpd at default paths)",
    )
    .argument("<host>", "compute | controller | network | tor | ext | vm1 | vm2 | qdhcp-… | qrouter-…")
    .argument("<command...>", "the command; put `--` before it when it has options")
    .allowUnknownOption()
    .action(async (host, command) => {
      const code = await runInteractive(execArgv(resolveLabDir(), host, command));
      process.exitCode = code;
    });

  lab
    .command("install-deps")
    .description("apt-get install the Debian packages the lab needs (what CI runs)")
    .option("--print", "only print the apt-get command line")
    .action(async (opts) => {
      if (opts.print === true) {
        out(aptInstallArgv().join(" "));
        return;
      }
      try {
        await installLabDeps((l) => err(`[lab install-deps] ${l}`));
      } catch (e) {
        process.exitCode = EXIT_FAILED;
        throw e;
      }
    });
}
