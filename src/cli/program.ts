/**
 * netdoctor's command line: only wiring. Each command lives in its own file and registers itself here.
 */
import { Command } from "@commander-js/extra-typings";
import { registerLab } from "../lab/cli.js";
import { registerCheck } from "./check.js";
import { registerCollect } from "./collect.js";
import { VERSION } from "./constants.js";
import { registerRules } from "./rules.js";
import { registerShow } from "./show.js";
import { registerTrace } from "./trace.js";

export function buildProgram(): Command {
  const program = new Command()
    .name("netdoctor")
    .description(
      "Diagnose OpenStack Neutron networks (Open vSwitch, VLAN provider networks) from evidence snapshots",
    )
    .version(VERSION)
    .showHelpAfterError();
  registerShow(program);
  registerTrace(program);
  registerCheck(program);
  registerRules(program);
  registerCollect(program);
  registerLab(program);
  return program;
}
