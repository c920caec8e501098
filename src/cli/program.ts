/**
 * netdoctor's command line: only wiring. Each command lives in its own file and registers itself here.
 */
import { Command } from "@commander-js/extra-typings";
import { registerLab } from "../lab/cli.js";
import { registerShow } from "./show.js";

/** Exit codes shared by every command: 0 clean, 1 findings at/above the chosen severity, 2 could not run. */
export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_FAILED = 2;

export function buildProgram(): Command {
  const program = new Command()
    .name("netdoctor")
    .description(
      "Diagnose OpenStack Neutron networks (Open vSwitch, VLAN provider networks) from evidence snapshots",
    )
    .version("0.1.0")
    .showHelpAfterError();
  registerShow(program);
  registerLab(program);
  return program;
}
