/**
 * `netdoctor lab status`: what the state file says and what of it really runs — each recorded process
 * (alive by pid + start time), each namespace, and, when neutron-server answers, the agents and ports.
 */
import { namespaceExists } from "./fabric.js";
import { agentNamespaceNames } from "./neutron.js";
import { type ApiAgent, type ApiPort, NeutronClient } from "./neutron-api.js";
import { LabPaths } from "./paths.js";
import { isAlive } from "./processes.js";
import { type LabState, readState } from "./state.js";

export interface LabStatus {
  state: LabState | undefined;
  processes: { name: string; pid: number; alive: boolean }[];
  namespaces: { name: string; exists: boolean }[];
  agents?: ApiAgent[];
  ports?: ApiPort[];
}

export async function labStatus(labDir: string): Promise<LabStatus> {
  const state = readState(new LabPaths(labDir).stateFile);
  if (state === undefined) return { state, processes: [], namespaces: [] };
  const status: LabStatus = {
    state,
    processes: state.processes.map((p) => ({ name: p.name, pid: p.pid, alive: isAlive(p) })),
    namespaces: [...new Set([...state.namespaces, ...agentNamespaceNames(state.neutron)])].map((name) => ({
      name,
      exists: namespaceExists(name),
    })),
  };
  const api = new NeutronClient();
  if (await api.answers()) {
    try {
      status.agents = await api.list<ApiAgent>("agents");
      status.ports = await api.list<ApiPort>("ports");
    } catch {
      // the server answers / but not the API yet: leave agents/ports out
    }
  }
  return status;
}

export function formatStatus(s: LabStatus, labDir: string): string {
  if (s.state === undefined) return `no lab state in ${labDir}: the lab is down`;
  const lines = [`lab ${s.state.phase} (state: ${labDir}/state.json, started ${s.state.startedAt})`];
  if (s.state.error !== undefined) lines.push(`last error: ${s.state.error}`);
  const timings = Object.entries(s.state.timings);
  if (timings.length > 0)
    lines.push(`timings (s since start): ${timings.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  lines.push("", "processes:");
  for (const p of s.processes)
    lines.push(`  ${p.alive ? "running" : "DEAD   "}  ${String(p.pid).padStart(7)}  ${p.name}`);
  lines.push("", "namespaces:");
  for (const n of s.namespaces.filter((x) => x.exists || !x.name.startsWith("q"))) {
    lines.push(`  ${n.exists ? "present" : "MISSING"}  ${n.name}`);
  }
  if (s.agents !== undefined) {
    lines.push("", "neutron agents:");
    for (const a of [...s.agents].sort(
      (x, y) => x.host.localeCompare(y.host) || x.agent_type.localeCompare(y.agent_type),
    )) {
      lines.push(`  ${a.alive ? ":-)" : "XXX"}  ${a.host.padEnd(11)} ${a.agent_type}`);
    }
  } else {
    lines.push("", "neutron-server does not answer");
  }
  if (s.ports !== undefined) {
    lines.push("", "neutron ports:");
    for (const p of s.ports) {
      const ips = p.fixed_ips.map((f) => f.ip_address).join(",");
      lines.push(
        `  ${p.status.padEnd(6)}  ${p.id.slice(0, 11)}  ${(p.device_owner || "-").padEnd(24)} ${(p["binding:host_id"] || "-").padEnd(10)} ${p.mac_address}  ${ips}`,
      );
    }
  }
  return lines.join("\n");
}
