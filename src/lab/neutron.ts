/**
 * Real Neutron (Debian 12: 21.0.0, Zed): neutron-server inside the controller namespace and, on every
 * node, the agents the guide's cloud runs there — neutron-openvswitch-agent everywhere, plus the DHCP and
 * L3 agents on the network node. Agents run "on" their node: inside its namespace with its OVS at the
 * default paths (see onHost in run.ts).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ApiAgent, NeutronClient } from "./neutron-api.js";
import {
  agentNeutronConf,
  dhcpAgentConf,
  l3AgentConf,
  ml2Conf,
  ovsAgentConf,
  serverConf,
} from "./neutron-config.js";
import { ovsEnv } from "./ovs.js";
import type { LabPaths } from "./paths.js";
import { spawnDaemon } from "./processes.js";
import { transportUrl } from "./rabbitmq.js";
import { inNetNsOnly, inNs, onHost, run, waitFor } from "./run.js";
import type { NeutronIds, StateStore } from "./state.js";
import { type AgentKind, type LabNode, NODES, nodeByName } from "./topology.js";

/** Debian's interpreter: the one on PATH may be another Python without the neutron modules. */
const SYSTEM_PYTHON = "/usr/bin/python3";

/**
 * `neutron-db-manage upgrade head` fails on sqlite ("No support for ALTER of constraints in SQLite
 * dialect"), so the schema is created from the models and then stamped with every alembic head
 * (`stamp heads`, plural: Neutron has several branches). One interpreter does both to save a start-up.
 */
const CREATE_DB_SCRIPT = `
import sys
import sqlalchemy
from neutron.db.migration.models import head  # noqa: F401  (imports every model)
from neutron_lib.db import model_base
engine = sqlalchemy.create_engine(sys.argv[1])
with engine.connect() as conn:
    # WAL lets the server's API and RPC workers read while another one writes
    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
model_base.BASEV2.metadata.create_all(engine)
from neutron.db.migration import cli
sys.argv = ["neutron-db-manage", "--config-file", sys.argv[2], "--config-file", sys.argv[3], "stamp", "heads"]
cli.main()
`;

function ensureDir(store: StateStore, dir: string): void {
  if (!existsSync(dir)) {
    store.recordDir(dir);
    mkdirSync(dir, { recursive: true });
  }
}

function writeConf(store: StateStore, path: string, text: string): void {
  store.recordFile(path);
  writeFileSync(path, text);
}

function serverFiles(paths: LabPaths) {
  const dir = paths.neutronServer;
  return {
    dir,
    conf: join(dir, "neutron.conf"),
    ml2: join(dir, "ml2_conf.ini"),
    db: join(dir, "neutron.sqlite"),
    state: join(dir, "state"),
    lock: join(dir, "lock"),
    log: join(dir, "server.log"),
  };
}

/** Write the server's configuration and create its database. */
export async function prepareServer(store: StateStore, paths: LabPaths): Promise<void> {
  const f = serverFiles(paths);
  ensureDir(store, f.dir);
  mkdirSync(f.state, { recursive: true });
  mkdirSync(f.lock, { recursive: true });
  writeConf(
    store,
    f.conf,
    serverConf({ transportUrl: transportUrl(), stateDir: f.state, dbFile: f.db, lockDir: f.lock }),
  );
  writeConf(store, f.ml2, ml2Conf());
  if (!existsSync(f.db)) {
    store.recordFile(f.db);
    await run([SYSTEM_PYTHON, "-c", CREATE_DB_SCRIPT, `sqlite:///${f.db}`, f.conf, f.ml2], {
      timeoutMs: 120_000,
    }).catch((err: unknown) => {
      throw new Error("creating the Neutron database failed", { cause: err });
    });
  }
}

/**
 * /usr/bin/neutron-server plus one line of policy. On sqlite, a transaction that read before another
 * process committed fails at once with "database is locked" (no busy wait can help a read→write upgrade);
 * MySQL reports the same collision as a deadlock, which Neutron's retry decorators repeat. Mapping the
 * sqlite error to oslo.db's DBDeadlock gives the lab's sqlite that same behaviour. The eventlet monkey
 * patching happens on the first import, exactly as in the packaged entry point.
 */
const SERVER_LAUNCHER = `# neutron-server for the netdoctor lab (written by netdoctor lab up)
import sys
from neutron.cmd.eventlet.server import main
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import exc_filters
from sqlalchemy import exc as sqla_exc

@exc_filters.filters("sqlite", sqla_exc.OperationalError, r".*database is locked.*")
def _sqlite_locked_is_a_deadlock(error, match, engine_name, is_disconnect):
    raise db_exc.DBDeadlock(error)

sys.exit(main())
`;

export async function startServer(store: StateStore, paths: LabPaths): Promise<void> {
  const f = serverFiles(paths);
  const controller = nodeByName("controller");
  if (controller === undefined) throw new Error("topology has no controller");
  // a file rather than `python3 -c`, so `ps` shows a readable command line
  const launcher = join(f.dir, "neutron-server");
  writeConf(store, launcher, SERVER_LAUNCHER);
  await spawnDaemon(store, {
    name: "controller/neutron-server",
    ns: controller.ns,
    argv: inNs(controller.ns, [
      SYSTEM_PYTHON,
      launcher,
      "--config-file",
      f.conf,
      "--config-file",
      f.ml2,
      "--log-file",
      f.log,
    ]),
    log: join(f.dir, "server.console.log"),
  });
}

export async function waitForServer(api: NeutronClient, timeoutMs = 90_000): Promise<void> {
  await waitFor("neutron-server to answer", async () => ((await api.answers()) ? true : undefined), {
    timeoutMs,
    intervalMs: 300,
  });
}

const AGENT_BINARY: Record<AgentKind, string> = {
  openvswitch: "neutron-openvswitch-agent",
  dhcp: "neutron-dhcp-agent",
  l3: "neutron-l3-agent",
};

export const AGENT_TYPE: Record<AgentKind, string> = {
  openvswitch: "Open vSwitch agent",
  dhcp: "DHCP agent",
  l3: "L3 agent",
};

function agentIni(kind: AgentKind, node: LabNode, ovsdbSocket: string): string {
  switch (kind) {
    case "openvswitch":
      return ovsAgentConf({ node, ovsdbSocket });
    case "dhcp":
      return dhcpAgentConf({ ovsdbSocket });
    case "l3":
      return l3AgentConf({ ovsdbSocket });
  }
}

const INI_NAME: Record<AgentKind, string> = {
  openvswitch: "openvswitch_agent.ini",
  dhcp: "dhcp_agent.ini",
  l3: "l3_agent.ini",
};

/** Directory where a node's agents keep their state (dnsmasq files, router data, pidfiles of dnsmasq). */
export function agentStateDir(paths: LabPaths, node: string): string {
  return join(paths.host(node).neutron, "state");
}

export async function startAgents(store: StateStore, paths: LabPaths, node: LabNode): Promise<void> {
  const hp = paths.host(node.name);
  ensureDir(store, hp.neutron);
  const stateDir = agentStateDir(paths, node.name);
  const lockDir = join(hp.neutron, "lock");
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(lockDir, { recursive: true });
  const common = join(hp.neutron, "neutron.conf");
  writeConf(store, common, agentNeutronConf({ node, transportUrl: transportUrl(), stateDir, lockDir }));
  const ovsdbSocket = join(hp.ovs, "db.sock");
  for (const kind of node.agents) {
    const ini = join(hp.neutron, INI_NAME[kind]);
    writeConf(store, ini, agentIni(kind, node, ovsdbSocket));
    const binary = AGENT_BINARY[kind];
    const cmd = [
      binary,
      "--config-file",
      common,
      "--config-file",
      ini,
      "--log-file",
      join(hp.neutron, `${binary}.log`),
    ];
    await spawnDaemon(store, {
      name: `${node.name}/${binary}`,
      ns: node.ns,
      // The OVS agent's firewall runs `ovs-ofctl … br-int` through privsep, whose environment is wiped,
      // so it needs the node's OVS at the default path (a private mount). The DHCP and L3 agents create
      // namespaces, which must stay visible machine-wide: they run in the machine's mount namespace.
      argv: kind === "openvswitch" ? onHost(node.ns, hp.ovs, hp.lldpdSocket, cmd) : inNetNsOnly(node.ns, cmd),
      log: join(hp.neutron, `${binary}.console.log`),
      env: ovsEnv(hp.ovs),
    });
  }
}

/** Every agent the topology runs, as (type, host) pairs. */
export function expectedAgents(): { type: string; host: string }[] {
  return NODES.flatMap((n) => n.agents.map((k) => ({ type: AGENT_TYPE[k], host: n.name })));
}

export async function waitForAgents(api: NeutronClient, timeoutMs = 120_000): Promise<ApiAgent[]> {
  const want = expectedAgents();
  return waitFor(
    `agents alive: ${want.map((w) => `${w.host}/${w.type}`).join(", ")}`,
    async () => {
      const agents = await api.list<ApiAgent>("agents");
      const ok = want.every((w) =>
        agents.some((a) => a.host === w.host && a.agent_type === w.type && a.alive),
      );
      return ok ? agents : undefined;
    },
    { timeoutMs, intervalMs: 1000 },
  );
}

/** Namespaces the DHCP and L3 agents make for the lab's networks and routers (qdhcp-<net>, qrouter-<router>). */
export function agentNamespaceNames(ids: NeutronIds): string[] {
  return [
    ...Object.values(ids.networks).map((id) => `qdhcp-${id}`),
    ...Object.values(ids.routers).map((id) => `qrouter-${id}`),
  ];
}
