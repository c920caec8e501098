/**
 * Starting, recognising and stopping the lab's daemons — always by pid. A pid alone can be reused, so a
 * process is "ours" only while /proc/<pid>/stat still shows the start time we recorded.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { run, sleep } from "./run.js";
import type { ProcessRecord, StateStore } from "./state.js";

/** Field 22 (starttime, clock ticks since boot) of /proc/<pid>/stat, or undefined if the pid is gone. */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm (field 2) may contain spaces and parentheses: split after the last ")"
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19];
  } catch {
    return undefined;
  }
}

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

/** Alive, not a zombie, and still the process we started. */
export function isAlive(rec: Pick<ProcessRecord, "pid" | "startTime">): boolean {
  const st = procState(rec.pid);
  if (st === undefined || st === "Z" || st === "X") return false;
  return procStartTime(rec.pid) === rec.startTime;
}

function readPidfile(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function record(
  name: string,
  pid: number,
  ns: string | null,
  argv: readonly string[],
  log?: string,
): ProcessRecord {
  const startTime = procStartTime(pid);
  if (startTime === undefined) throw new Error(`${name} (pid ${pid}) exited right after it started`);
  const rec: ProcessRecord = { name, pid, startTime, ns, argv: [...argv] };
  if (log !== undefined) rec.log = log;
  return rec;
}

export interface SpawnSpec {
  /** Label in the state file and in `lab status`. */
  name: string;
  ns: string | null;
  /** Full argv; it must exec into the daemon so the spawned pid is the daemon's pid. */
  argv: readonly string[];
  /** stdout+stderr go here. */
  log: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Start a foreground daemon detached from this CLI (it outlives `lab up`), record its pid, and return the
 * record. The pid is recorded as soon as it exists, before any readiness wait.
 */
export async function spawnDaemon(store: StateStore, spec: SpawnSpec): Promise<ProcessRecord> {
  const [file, ...args] = spec.argv;
  if (file === undefined) throw new Error(`spawnDaemon ${spec.name}: empty argv`);
  store.recordFile(spec.log);
  const fd = openSync(spec.log, "a");
  try {
    const child = spawn(file, args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: spec.env ?? process.env,
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", (err) => reject(new Error(`cannot start ${spec.name} (${file})`, { cause: err })));
      child.once("spawn", () => {
        if (child.pid === undefined) reject(new Error(`cannot start ${spec.name}: no pid`));
        else resolve(child.pid);
      });
    });
    child.unref();
    const rec = record(spec.name, pid, spec.ns, spec.argv, spec.log);
    store.recordProcess(rec);
    return rec;
  } finally {
    closeSync(fd);
  }
}

/**
 * Run a daemon that detaches by itself (`--detach`) and names its pid in `pidfile`; record that pid.
 */
export async function startSelfDetaching(
  store: StateStore,
  spec: {
    name: string;
    ns: string | null;
    argv: readonly string[];
    pidfile: string;
    log: string;
    env?: NodeJS.ProcessEnv;
  },
): Promise<ProcessRecord> {
  store.recordFile(spec.pidfile);
  await run(spec.argv, spec.env === undefined ? { timeoutMs: 30_000 } : { env: spec.env, timeoutMs: 30_000 });
  const pid = readPidfile(spec.pidfile);
  if (pid === undefined) throw new Error(`${spec.name} started but wrote no pid to ${spec.pidfile}`);
  const rec = record(spec.name, pid, spec.ns, spec.argv, spec.log);
  store.recordProcess(rec);
  return rec;
}

/** Pids of every process whose network namespace is `ns` (what `ip netns pids` reports). */
export async function namespacePids(ns: string): Promise<number[]> {
  if (!existsSync(`/run/netns/${ns}`)) return [];
  const r = await run(["ip", "netns", "pids", ns], { allowFailure: true });
  if (r.code !== 0) return [];
  return r.stdout
    .split(/\s+/)
    .filter((s) => s !== "")
    .map((s) => Number.parseInt(s, 10))
    .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * SIGTERM, wait up to `graceMs`, then SIGKILL. Only pids whose start time still matches are touched.
 * (The OVS agent ignores SIGTERM for up to a minute while it shuts down gracefully, hence the short grace.)
 */
export async function stopProcesses(
  targets: readonly Pick<ProcessRecord, "pid" | "startTime">[],
  graceMs = 3000,
): Promise<void> {
  const live = targets.filter(isAlive);
  for (const t of live) signal(t.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && live.some(isAlive)) await sleep(100);
  const stubborn = live.filter(isAlive);
  for (const t of stubborn) signal(t.pid, "SIGKILL");
  const killDeadline = Date.now() + 3000;
  while (Date.now() < killDeadline && stubborn.some(isAlive)) await sleep(50);
}

/** Stop every process that still lives in one of the lab's namespaces (daemons' forks, privsep helpers, dnsmasq). */
export async function stopNamespaceProcesses(namespaces: readonly string[], graceMs = 2000): Promise<number> {
  const targets: { pid: number; startTime: string }[] = [];
  for (const ns of namespaces) {
    for (const pid of await namespacePids(ns)) {
      const startTime = procStartTime(pid);
      if (startTime !== undefined) targets.push({ pid, startTime });
    }
  }
  await stopProcesses(targets, graceMs);
  return targets.length;
}
