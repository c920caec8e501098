/**
 * `netdoctor lab up`: build the guide's cloud on this machine, in order — hosts and cables, one OVS per
 * host, the ToR and LLDP, RabbitMQ and neutron-server on the controller, the agents on every node, the
 * tenant objects through the API, the VMs plugged like Nova plugs them — and finish with the ping ladder.
 * Everything is recorded in the state file before it is made, so `lab down` can undo a failed `up` too.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import {
  createFloatingIp,
  createNetworks,
  createRouter,
  createSecurityRules,
  createVmPort,
  labPorts,
  scheduleDhcp,
} from "./cloud.js";
import {
  cableAll,
  configureAddresses,
  configureNodeBridges,
  configureTor,
  ensureNamespace,
  namespaceExists,
  noTxOffload,
} from "./fabric.js";
import { isRoot, missingComponents } from "./install.js";
import { type RungResult, waitForLadder } from "./ladder.js";
import { nodeLldpConfig, startLldpd, torLldpConfig } from "./lldp.js";
import {
  AGENT_TYPE,
  agentNamespaceNames,
  prepareServer,
  startAgents,
  startServer,
  waitForAgents,
  waitForServer,
} from "./neutron.js";
import { NeutronClient } from "./neutron-api.js";
import { startOvs } from "./ovs.js";
import { LabPaths, LLDPD_CHROOT, LLDPD_DEFAULT_SOCKET, OVS_DEFAULT_RUNDIR } from "./paths.js";
import { startRabbit, waitForRabbit } from "./rabbitmq.js";
import { allSettledOrThrow, inNs, run, waitFor } from "./run.js";
import { readState, StateStore } from "./state.js";
import {
  EXT_SERVER,
  labNamespaces,
  NODES,
  ovsHosts,
  TENANT_NETWORKS,
  TOR,
  TOR_PORTS,
  VMS,
} from "./topology.js";
import { plugVm } from "./vm-plug.js";

export interface UpOptions {
  labDir: string;
  log?: (line: string) => void;
  /** How long the ladder may take to pass once everything is plugged. */
  ladderTimeoutMs?: number;
}

export interface UpResult {
  seconds: number;
  ladder: RungResult[];
  timings: Record<string, number>;
}

/** `lab up` refused before making anything (missing root/packages, a lab already recorded). */
export class PrerequisiteError extends Error {}

/** Fail early, with the package names, when this machine cannot run the lab. */
export function assertCanRun(): void {
  if (!isRoot()) throw new PrerequisiteError("netdoctor lab needs root (network namespaces, Open vSwitch)");
  const missing = missingComponents();
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))].join(" ");
    throw new PrerequisiteError(
      `missing: ${missing.map((m) => m.what).join(", ")} — install with: apt-get install -y ${pkgs} ` +
        "(or: netdoctor lab install-deps)",
    );
  }
}

/** RabbitMQ runs as its own user and must traverse the lab's directories, whatever the umask. */
function makeTraversable(dir: string): void {
  chmodSync(dir, 0o755);
}

function ensureOwnedDir(store: StateStore, dir: string): void {
  if (!existsSync(dir)) {
    store.recordDir(dir);
    mkdirSync(dir, { recursive: true });
    makeTraversable(dir);
  }
}

/** Mount points the per-node mount namespaces bind onto; made only if missing, removed only if still empty. */
function ensureMountPoints(store: StateStore): void {
  if (!existsSync(OVS_DEFAULT_RUNDIR)) {
    store.recordMountPoint(OVS_DEFAULT_RUNDIR);
    mkdirSync(OVS_DEFAULT_RUNDIR, { recursive: true });
  }
  // lldpd fills its chroot (etc/localtime …): when the lab made it, the lab removes it with its content
  if (!existsSync(LLDPD_CHROOT)) {
    store.recordDir(LLDPD_CHROOT);
    mkdirSync(LLDPD_CHROOT, { recursive: true });
  }
  if (!existsSync(LLDPD_DEFAULT_SOCKET)) {
    store.recordMountPoint(LLDPD_DEFAULT_SOCKET);
    closeSync(openSync(LLDPD_DEFAULT_SOCKET, "a"));
  }
}

async function buildFabric(store: StateStore, paths: LabPaths): Promise<void> {
  for (const ns of labNamespaces()) await ensureNamespace(store, ns);
  for (const host of [...ovsHosts(), { key: EXT_SERVER.name }, ...VMS.map((v) => ({ key: v.name }))]) {
    ensureOwnedDir(store, paths.host(host.key).root);
  }
  await allSettledOrThrow(ovsHosts().map((h) => startOvs(store, h, paths.host(h.key).ovs)));
  await cableAll(store);
  await configureTor(paths);
  await configureNodeBridges(paths);
  await configureAddresses();
}

async function startLldp(store: StateStore, paths: LabPaths): Promise<void> {
  await startLldpd(store, {
    hostKey: TOR.name,
    ns: TOR.ns,
    paths: paths.host(TOR.name),
    interfaces: TOR_PORTS.filter((p) => p.peer.ns !== null).map((p) => p.ifname),
    config: torLldpConfig(TOR.systemName, TOR.systemDescription, TOR_PORTS),
  });
  for (const node of NODES) {
    await startLldpd(store, {
      hostKey: node.name,
      ns: node.ns,
      paths: paths.host(node.name),
      interfaces: node.nics.map((n) => n.name),
      config: nodeLldpConfig(node.name),
    });
  }
}

/**
 * The agents' veths (ns-/qr-/qg- ends inside qdhcp-/qrouter-) keep checksum offload on; through the
 * userspace datapath that spoils the UDP/TCP the namespaces send themselves (DHCP offers, DNS answers).
 */
async function fixAgentVethOffload(store: StateStore): Promise<void> {
  for (const ns of agentNamespaceNames(store.state.neutron)) {
    if (!namespaceExists(ns)) continue;
    const r = await run(inNs(ns, ["ip", "-o", "link", "show", "type", "veth"]), { allowFailure: true });
    for (const m of r.stdout.matchAll(/^\d+: ([^:@]+)[@:]/gm)) {
      if (m[1] !== undefined) await noTxOffload(ns, m[1]);
    }
  }
}

/** Record the namespaces the agents made for the lab's objects, so `down` removes them. */
function recordAgentNamespaces(store: StateStore): void {
  for (const ns of agentNamespaceNames(store.state.neutron))
    if (namespaceExists(ns)) store.recordNamespace(ns);
}

export async function labUp(opts: UpOptions): Promise<UpResult> {
  const log = opts.log ?? (() => {});
  assertCanRun();
  const paths = new LabPaths(opts.labDir);
  const previous = readState(paths.stateFile);
  if (previous !== undefined) {
    throw new PrerequisiteError(
      previous.phase === "up"
        ? `the lab is already up (${paths.stateFile}); run \`netdoctor lab down\` first`
        : `a previous \`lab up\` stopped in phase "${previous.phase}"; run \`netdoctor lab down\` first`,
    );
  }
  const labDirExisted = existsSync(opts.labDir);
  const store = StateStore.open(paths.stateFile, opts.labDir);
  if (!labDirExisted) {
    store.recordDir(opts.labDir);
    makeTraversable(opts.labDir);
  }

  const t0 = performance.now();
  const lap = (phase: string): void => {
    const s = (performance.now() - t0) / 1000;
    store.timing(phase, s);
    log(`${phase.padEnd(14)} done at ${s.toFixed(1)} s`);
  };
  try {
    ensureMountPoints(store);
    await buildFabric(store, paths);
    lap("fabric");

    // RabbitMQ boots (~5 s of Erlang) while Python builds the Neutron schema; LLDP meanwhile
    await startRabbit(store, paths);
    await allSettledOrThrow([prepareServer(store, paths), startLldp(store, paths)]);
    lap("database");
    await waitForRabbit();
    lap("rabbitmq");
    const api = new NeutronClient();
    await startServer(store, paths);
    await waitForServer(api);
    lap("neutron-server");

    // The tenant objects need no agent. Two cores: the API answers fastest before five agents start
    // importing Python, and the DHCP and L3 agents then find everything at their first sync.
    const sgPromise = createSecurityRules(api, store);
    await allSettledOrThrow<unknown>([createNetworks(api, store), sgPromise]);
    const sgId = await sgPromise;
    await createRouter(api, store);
    lap("networks");

    for (const node of NODES) await startAgents(store, paths, node);
    const agents = await waitForAgents(api);
    const dhcpAgent = agents.find((a) => a.agent_type === AGENT_TYPE.dhcp);
    if (dhcpAgent !== undefined) await scheduleDhcp(api, store, dhcpAgent.id);
    lap("agents");

    await allSettledOrThrow(
      VMS.map(async (vm) => {
        const port = await createVmPort(api, store, vm, sgId);
        await plugVm(store, paths, vm, port);
        await createFloatingIp(api, store, vm);
      }),
    );
    lap("vms");

    // VM ports, router ports and one DHCP port per network: all bound and ACTIVE
    // (a floating IP's own port never becomes ACTIVE: its status is N/A)
    const expected = VMS.length + 2 + TENANT_NETWORKS.length;
    await waitFor(
      `all lab ports ACTIVE (expecting ${expected})`,
      async () => {
        const ports = (await labPorts(api, store)).filter((p) => p.device_owner !== "network:floatingip");
        return ports.length >= expected && ports.every((p) => p.status === "ACTIVE") ? ports : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    recordAgentNamespaces(store);
    await fixAgentVethOffload(store);
    lap("ports-active");

    const ladder = await waitForLadder(opts.ladderTimeoutMs ?? 60_000);
    lap("ladder");
    const failed = ladder.filter((r) => !r.ok);
    if (failed.length > 0) {
      throw new Error(`ping ladder failed: ${failed.map((r) => r.id).join(", ")}`);
    }
    store.setPhase("up");
    return { seconds: (performance.now() - t0) / 1000, ladder, timings: { ...store.state.timings } };
  } catch (err) {
    recordAgentNamespaces(store);
    store.setPhase("failed", err instanceof Error ? err.message : String(err));
    throw err;
  }
}
