/**
 * RabbitMQ for the lab's Neutron, inside the controller's namespace (so its ports 5672/4369/25672 never
 * collide with anything on the machine), reachable by the agents over the management segment.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import type { LabPaths } from "./paths.js";
import { spawnDaemon } from "./processes.js";
import { inNs, waitFor } from "./run.js";
import type { StateStore } from "./state.js";
import { CONTROLLER_IP, nodeByName, RABBIT_PORT } from "./topology.js";

export const RABBIT_USER = "guest";
export const RABBIT_PASSWORD = "guest";

export function transportUrl(): string {
  return `rabbit://${RABBIT_USER}:${RABBIT_PASSWORD}@${CONTROLLER_IP}:${RABBIT_PORT}/`;
}

/** True when something accepts TCP connections on host:port (from the root namespace). */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
  });
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

function userIds(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
  return { uid, gid };
}

export async function startRabbit(store: StateStore, paths: LabPaths): Promise<void> {
  const dir = paths.rabbit;
  const controller = nodeByName("controller");
  if (controller === undefined) throw new Error("topology has no controller");
  if (!existsSync(dir)) store.recordDir(dir);
  mkdirSync(join(dir, "mnesia"), { recursive: true });
  mkdirSync(join(dir, "log"), { recursive: true });
  // the default guest user may only log in over loopback; the agents come over the management segment
  writeFileSync(
    join(dir, "rabbitmq.conf"),
    [
      "loopback_users.guest = false",
      `listeners.tcp.default = ${RABBIT_PORT}`,
      "disk_free_limit.absolute = 50MB",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "enabled_plugins"), "[].\n");
  const { uid, gid } = userIds("rabbitmq");
  chownTree(dir, uid, gid);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin",
    LANG: "C.UTF-8",
    // HOME holds the Erlang cookie: keep it in the lab dir, not in /var/lib/rabbitmq
    HOME: dir,
    RABBITMQ_NODENAME: "netdoctor@localhost",
    RABBITMQ_NODE_PORT: String(RABBIT_PORT),
    RABBITMQ_DIST_PORT: "25672",
    ERL_EPMD_ADDRESS: "127.0.0.1",
    RABBITMQ_MNESIA_BASE: join(dir, "mnesia"),
    RABBITMQ_LOG_BASE: join(dir, "log"),
    RABBITMQ_PID_FILE: join(dir, "rabbitmq.pid"),
    RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq.conf"),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "enabled_plugins"),
    // ignore /etc/rabbitmq/rabbitmq-env.conf: the lab's settings are all here
    RABBITMQ_CONF_ENV_FILE: "/dev/null",
  };
  await spawnDaemon(store, {
    name: "controller/rabbitmq",
    ns: controller.ns,
    argv: inNs(controller.ns, [
      "setpriv",
      "--reuid=rabbitmq",
      "--regid=rabbitmq",
      "--init-groups",
      "/usr/lib/rabbitmq/bin/rabbitmq-server",
    ]),
    log: join(dir, "console.log"),
    env,
  });
}

export async function waitForRabbit(timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `RabbitMQ on ${CONTROLLER_IP}:${RABBIT_PORT}`,
    async () => ((await tcpOpen(CONTROLLER_IP, RABBIT_PORT)) ? true : undefined),
    { timeoutMs, intervalMs: 300 },
  );
}
