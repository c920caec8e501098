/**
 * `netdoctor lab down`: undo exactly what the state file records — stop the recorded processes (by pid
 * and start time), then whatever still runs inside the lab's namespaces (forks, privsep helpers, dnsmasq),
 * delete the namespaces (the lab's own and the qdhcp-/qrouter- ones the agents made for the lab's
 * objects), the links in the root namespace, the files and directories. Safe to run twice, and after an
 * `up` that failed half-way.
 */
import { existsSync, readdirSync, rmdirSync, rmSync, statSync, unlinkSync } from "node:fs";
import { namespaceExists } from "./fabric.js";
import { agentNamespaceNames } from "./neutron.js";
import { NeutronClient } from "./neutron-api.js";
import { LabPaths } from "./paths.js";
import { stopNamespaceProcesses, stopProcesses } from "./processes.js";
import { run } from "./run.js";
import { type NeutronIds, readState } from "./state.js";
import { LAB_PREFIX, PROJECT_ID } from "./topology.js";

export interface DownReport {
  hadState: boolean;
  processes: number;
  namespaceProcesses: number;
  namespaces: string[];
  links: string[];
  /** `nd-*` namespaces that exist but are not in the state file (left alone). */
  strays: string[];
  seconds: number;
}

export async function listNamespaces(): Promise<string[]> {
  const r = await run(["ip", "netns", "list"], { allowFailure: true });
  return r.stdout
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n !== "");
}

/** Objects the state may not name yet (an `up` killed between a POST and its record): ask the API once. */
async function liveNeutronIds(): Promise<Partial<NeutronIds>> {
  const api = new NeutronClient();
  if (!(await api.answers())) return {};
  try {
    const nets = await api.list<{ id: string; name: string }>("networks", { project_id: PROJECT_ID });
    const routers = await api.list<{ id: string; name: string }>("routers", { project_id: PROJECT_ID });
    return {
      networks: Object.fromEntries(nets.map((n) => [n.name, n.id])),
      routers: Object.fromEntries(routers.map((r) => [r.name, r.id])),
    };
  } catch {
    return {};
  }
}

function removeMountPoint(path: string): void {
  try {
    const st = statSync(path);
    if (st.isDirectory() && readdirSync(path).length === 0) rmdirSync(path);
    else if (st.isFile() && st.size === 0) unlinkSync(path);
  } catch {
    // gone already, or in use by someone else: leave it
  }
}

export async function labDown(opts: { labDir: string; log?: (line: string) => void }): Promise<DownReport> {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const paths = new LabPaths(opts.labDir);
  const state = readState(paths.stateFile);
  const report: DownReport = {
    hadState: state !== undefined,
    processes: 0,
    namespaceProcesses: 0,
    namespaces: [],
    links: [],
    strays: [],
    seconds: 0,
  };
  if (state === undefined) {
    report.strays = (await listNamespaces()).filter((n) => n.startsWith(LAB_PREFIX));
    report.seconds = (performance.now() - t0) / 1000;
    return report;
  }

  const live = await liveNeutronIds();
  const ids: NeutronIds = {
    ...state.neutron,
    networks: { ...live.networks, ...state.neutron.networks },
    routers: { ...live.routers, ...state.neutron.routers },
  };

  report.processes = state.processes.length;
  log(`stopping ${state.processes.length} recorded processes`);
  await stopProcesses([...state.processes].reverse(), 3000);

  const namespaces = [...new Set([...state.namespaces, ...agentNamespaceNames(ids)])].filter(namespaceExists);
  // whatever still lives in the lab's namespaces is the lab's: forks, privsep daemons, dnsmasq, epmd
  report.namespaceProcesses = await stopNamespaceProcesses(namespaces);
  for (const ns of [...namespaces].reverse()) {
    const r = await run(["ip", "netns", "del", ns], { allowFailure: true });
    if (r.code === 0) report.namespaces.push(ns);
    else log(`could not delete namespace ${ns}: ${r.stderr.trim()}`);
  }
  // a veth dies with its namespace; ends in the root namespace are deleted here if still there
  for (const link of state.links.filter((l) => l.ns === null)) {
    const r = await run(["ip", "link", "del", "dev", link.name], { allowFailure: true });
    if (r.code === 0) report.links.push(link.name);
  }

  for (const f of state.files) rmSync(f, { force: true });
  for (const d of [...state.dirs].sort((a, b) => b.length - a.length))
    rmSync(d, { recursive: true, force: true });
  for (const m of state.mountPoints) removeMountPoint(m);
  if (existsSync(paths.stateFile)) rmSync(paths.stateFile, { force: true });

  report.strays = (await listNamespaces()).filter((n) => n.startsWith(LAB_PREFIX));
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}
