/**
 * One Open vSwitch per lab host (ToR and nodes): ovsdb-server + ovs-vswitchd inside the host's namespace,
 * files in the host's run dir. There is no OVS kernel module here, so every bridge uses the userspace
 * datapath (`datapath_type=netdev`); that is also why each host needs its own namespace — the userspace
 * datapath makes a tap called `ovs-netdev` plus one per internal port, which would collide otherwise.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { startSelfDetaching } from "./processes.js";
import { inNs, type RunResult, run } from "./run.js";
import type { StateStore } from "./state.js";

const SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema";

/** The daemons find their sockets (br-*.mgmt, *.ctl) through these. */
export function ovsEnv(runDir: string): NodeJS.ProcessEnv {
  return { ...process.env, OVS_RUNDIR: runDir, OVS_DBDIR: runDir, OVS_LOGDIR: runDir };
}

export function vsctl(
  runDir: string,
  args: readonly string[],
  opts: { allowFailure?: boolean } = {},
): Promise<RunResult> {
  return run(["ovs-vsctl", `--db=unix:${join(runDir, "db.sock")}`, "--timeout=20", ...args], {
    env: ovsEnv(runDir),
    allowFailure: opts.allowFailure ?? false,
  });
}

export function ofctl(
  runDir: string,
  args: readonly string[],
  opts: { input?: string } = {},
): Promise<RunResult> {
  // OpenFlow13: `replace-flows` with table= fails over OpenFlow 1.0 on this OVS
  return run(["ovs-ofctl", "-O", "OpenFlow13", ...args], { env: ovsEnv(runDir), ...opts });
}

export async function startOvs(
  store: StateStore,
  host: { key: string; ns: string },
  runDir: string,
): Promise<void> {
  if (!existsSync(runDir)) {
    store.recordDir(runDir);
    mkdirSync(runDir, { recursive: true });
  }
  const db = join(runDir, "conf.db");
  if (!existsSync(db)) await run(["ovsdb-tool", "create", db, SCHEMA]);
  const env = ovsEnv(runDir);
  await startSelfDetaching(store, {
    name: `${host.key}/ovsdb-server`,
    ns: host.ns,
    argv: inNs(host.ns, [
      "ovsdb-server",
      db,
      `--remote=punix:${join(runDir, "db.sock")}`,
      "--remote=db:Open_vSwitch,Open_vSwitch,manager_options",
      // without this the detached daemon prints its first log lines to our terminal
      "-vconsole:off",
      `--pidfile=${join(runDir, "ovsdb-server.pid")}`,
      `--log-file=${join(runDir, "ovsdb-server.log")}`,
      "--detach",
      "--no-chdir",
    ]),
    pidfile: join(runDir, "ovsdb-server.pid"),
    log: join(runDir, "ovsdb-server.log"),
    env,
  });
  await vsctl(runDir, ["--no-wait", "init"]);
  await vsctl(runDir, [
    "--no-wait",
    "set",
    "Open_vSwitch",
    ".",
    `external_ids:hostname=${host.key}`,
    `external_ids:system-id=${host.key}`,
  ]);
  await startSelfDetaching(store, {
    name: `${host.key}/ovs-vswitchd`,
    ns: host.ns,
    // OVS_RUNDIR (env) puts br-*.mgmt and the unixctl socket in the run dir; no --unixctl, so a plain
    // `ovs-appctl` finds the default ovs-vswitchd.<pid>.ctl there
    argv: inNs(host.ns, [
      "ovs-vswitchd",
      `unix:${join(runDir, "db.sock")}`,
      "-vconsole:off",
      `--pidfile=${join(runDir, "ovs-vswitchd.pid")}`,
      `--log-file=${join(runDir, "ovs-vswitchd.log")}`,
      "--detach",
      "--no-chdir",
    ]),
    pidfile: join(runDir, "ovs-vswitchd.pid"),
    log: join(runDir, "ovs-vswitchd.log"),
    env,
  });
}

/** A bridge on the userspace datapath. */
export async function addBridge(
  runDir: string,
  bridge: string,
  failMode: "secure" | "standalone",
): Promise<void> {
  await vsctl(runDir, [
    "--may-exist",
    "add-br",
    bridge,
    "--",
    "set",
    "Bridge",
    bridge,
    "datapath_type=netdev",
    `fail_mode=${failMode}`,
  ]);
}
