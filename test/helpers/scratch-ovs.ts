/**
 * A throw-away real Open vSwitch for tests and benchmarks: ovsdb-server + ovs-vswitchd in a network
 * namespace of its own (name prefix `ndsim-`), files under a temp dir, bridges on the userspace
 * datapath (no kernel module here: see /work/shared/docs/real-ovs-on-this-machine.md). `stop()`
 * kills exactly the two daemons it started, by pid, then removes the namespace and the dir; a
 * watchdog does the same if the test process dies without calling it.
 *
 * `call()` and `trace()` talk JSON-RPC to ovs-vswitchd's unixctl socket directly (what `ovs-appctl`
 * does, minus a process per call); `appctl()` runs the real `ovs-appctl` when that is the point.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/exec/run.js";
import { inNs, sleep, waitFor } from "../../src/lab/run.js";
import type { Flow } from "../../src/openflow/flow.js";
import { formatActions, formatMatchField } from "../../src/parse/ofctl-flows.js";
import { parseDpifShow } from "../../src/parse/ofproto-trace.js";

const SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema";
const BINARIES = ["ovsdb-server", "ovs-vswitchd", "ovsdb-tool", "ovs-vsctl", "ovs-ofctl", "ovs-appctl"];
const PATH_DIRS = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"];

/** The OVS programs that are not installed (empty when a scratch OVS can run). */
export function missingOvsBinaries(): string[] {
  const dirs = [...new Set([...(process.env.PATH ?? "").split(":"), ...PATH_DIRS])].filter((d) => d !== "");
  return BINARIES.filter((b) => !dirs.some((d) => existsSync(join(d, b))));
}

export interface ScratchPort {
  name: string;
  ofport: number;
  tag?: number;
  trunks?: readonly number[];
  vlanMode?: string;
}

/** A flow as `ovs-ofctl add-flows` takes it: no statistics, the match and actions as dumped. */
export function flowForAdd(flow: Flow): string {
  const match = flow.match.map(formatMatchField).join(",");
  const head = `cookie=${flow.cookie},table=${flow.table},priority=${flow.priority}`;
  return `${head}${match === "" ? "" : "," + match} actions=${formatActions(flow.actions)}`;
}

function pidAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/.test(state);
  } catch {
    return false;
  }
}

/**
 * Watches the test process and, should it die without `stop()` (even by SIGKILL, when a test runner
 * gives up on it), kills the daemons by pid — after checking they are still ours — and removes the
 * namespace and the dir. Names travel as arguments, never inside the script text.
 */
const WATCHDOG = [
  "node=$1; dir=$2; ns=$3; shift 3",
  'while kill -0 "$node" 2>/dev/null; do sleep 1; done',
  'for p in "$@"; do grep -qs "$dir" /proc/$p/cmdline && kill "$p"; done',
  "sleep 1",
  'for p in "$@"; do grep -qs "$dir" /proc/$p/cmdline && kill -9 "$p"; done',
  'ip netns delete "$ns" 2>/dev/null',
  'rm -rf "$dir"',
].join("\n");

export class ScratchOvs {
  private readonly pids: number[] = [];
  private socket?: Socket;
  private nextId = 0;
  private pending: Promise<unknown> = Promise.resolve();
  private watchdog?: number;

  private constructor(
    readonly ns: string,
    readonly runDir: string,
  ) {}

  /** Starts the daemons; on any failure everything started so far is torn down again. */
  static async start(): Promise<ScratchOvs> {
    const ns = `ndsim-${process.pid}-${randomBytes(3).toString("hex")}`;
    const dir = mkdtempSync(join(tmpdir(), "ndsim-"));
    const ovs = new ScratchOvs(ns, dir);
    try {
      await run(["ip", "netns", "add", ns]);
      await run(["ovsdb-tool", "create", join(dir, "conf.db"), SCHEMA]);
      const common = (name: string): string[] => [
        `--pidfile=${join(dir, name + ".pid")}`,
        `--unixctl=${join(dir, name + ".ctl")}`,
        `--log-file=${join(dir, name + ".log")}`,
        "-vconsole:off",
        "--detach",
        "--no-chdir",
      ];
      await run(
        inNs(ns, [
          "ovsdb-server",
          join(dir, "conf.db"),
          `--remote=punix:${join(dir, "db.sock")}`,
          ...common("ovsdb-server"),
        ]),
      );
      ovs.pids.push(ovs.pidOf("ovsdb-server"));
      await ovs.vsctl("--no-wait", "init");
      // OVS_RUNDIR puts the bridges' OpenFlow sockets (<bridge>.mgmt) in the run dir.
      await run(inNs(ns, ["ovs-vswitchd", `unix:${join(dir, "db.sock")}`, ...common("ovs-vswitchd")]), {
        env: { ...process.env, OVS_RUNDIR: dir },
      });
      ovs.pids.push(ovs.pidOf("ovs-vswitchd"));
      const dog = spawn("sh", ["-c", WATCHDOG, "sh", String(process.pid), dir, ns, ...ovs.pids.map(String)], {
        detached: true,
        stdio: "ignore",
      });
      dog.unref();
      ovs.watchdog = dog.pid;
      return ovs;
    } catch (err) {
      await ovs.stop();
      throw err;
    }
  }

  private pidOf(daemon: string): number {
    const pid = Number(readFileSync(join(this.runDir, daemon + ".pid"), "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${daemon} wrote no pid`);
    return pid;
  }

  async vsctl(...args: string[]): Promise<string> {
    return (await run(["ovs-vsctl", `--db=unix:${join(this.runDir, "db.sock")}`, "--timeout=30", ...args]))
      .stdout;
  }

  /** `ovs-ofctl [-O proto] CMD unix:<bridge socket> ARGS…`. */
  async ofctl(
    bridge: string,
    cmd: string,
    args: string[] = [],
    opts: { protocol?: string; input?: string } = {},
  ): Promise<string> {
    const proto = opts.protocol === undefined ? [] : ["-O", opts.protocol];
    const target = `unix:${join(this.runDir, bridge + ".mgmt")}`;
    const runOpts = opts.input === undefined ? {} : { input: opts.input };
    return (await run(["ovs-ofctl", ...proto, cmd, target, ...args], runOpts)).stdout;
  }

  /** The real `ovs-appctl` command (a process per call). */
  async appctl(...args: string[]): Promise<string> {
    return (await run(["ovs-appctl", "-t", join(this.runDir, "ovs-vswitchd.ctl"), ...args])).stdout;
  }

  /**
   * A unixctl command over one kept-open JSON-RPC connection (what ovs-appctl sends). Calls are
   * queued: replies carry no framing beyond being one JSON object each.
   */
  call(method: string, ...params: string[]): Promise<string> {
    const reply = this.pending.then(() => this.request(method, params));
    this.pending = reply.catch(() => undefined);
    return reply;
  }

  private async request(method: string, params: string[]): Promise<string> {
    const socket = await this.connection();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let buf = "";
      const onData = (chunk: Buffer): void => {
        buf += chunk.toString("utf8");
        let reply: { id?: number; result?: string | null; error?: string | null };
        try {
          reply = JSON.parse(buf);
        } catch {
          return; // not complete yet
        }
        socket.off("data", onData);
        socket.off("error", onError);
        if (reply.error !== null && reply.error !== undefined) reject(new Error(`${method}: ${reply.error}`));
        else resolve(reply.result ?? "");
      };
      const onError = (err: Error): void => {
        socket.off("data", onData);
        reject(err);
      };
      socket.on("data", onData);
      socket.once("error", onError);
      socket.write(JSON.stringify({ method, params, id }));
    });
  }

  private async connection(): Promise<Socket> {
    if (this.socket !== undefined && !this.socket.destroyed) return this.socket;
    const path = join(this.runDir, "ovs-vswitchd.ctl");
    await waitFor("the ovs-vswitchd control socket", async () => (existsSync(path) ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    const socket = connect({ path });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.setMaxListeners(0);
    this.socket = socket;
    return socket;
  }

  /**
   * A bridge on the userspace datapath, OpenFlow 1.0 and 1.3, no flows (fail_mode=secure), with the
   * given ports as internal ports at fixed OpenFlow numbers and their VLAN configuration.
   */
  async addBridge(name: string, ports: readonly ScratchPort[]): Promise<void> {
    const cmds: string[] = [
      "add-br",
      name,
      "--",
      "set",
      "Bridge",
      name,
      "datapath_type=netdev",
      "fail_mode=secure",
      "protocols=OpenFlow10,OpenFlow13",
    ];
    for (const p of ports) {
      cmds.push(
        "--",
        "add-port",
        name,
        p.name,
        "--",
        "set",
        "Interface",
        p.name,
        "type=internal",
        `ofport_request=${p.ofport}`,
      );
      const portCols: string[] = [];
      if (p.tag !== undefined) portCols.push(`tag=${p.tag}`);
      if (p.trunks !== undefined && p.trunks.length > 0) portCols.push(`trunks=${p.trunks.join(",")}`);
      if (p.vlanMode !== undefined) portCols.push(`vlan_mode=${p.vlanMode}`);
      if (portCols.length > 0) cmds.push("--", "set", "Port", p.name, ...portCols);
    }
    await this.vsctl(...cmds);
    // The ports only get their numbers once ovs-vswitchd has created them.
    await waitFor(
      `ports of ${name}`,
      async () => {
        const map = await this.dpPorts(name);
        return ports.every((p) => [...map.values()].includes(p.ofport)) ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  }

  async deleteBridge(name: string): Promise<void> {
    await this.vsctl("--if-exists", "del-br", name);
  }

  /** Replaces the bridge's flows (statistics stripped); `protocol` as the dump was taken. */
  async loadFlows(
    bridge: string,
    flows: readonly Flow[],
    protocol: "OpenFlow10" | "OpenFlow13",
  ): Promise<void> {
    await this.ofctl(bridge, "del-flows", [], { protocol });
    await this.ofctl(bridge, "add-flows", ["-"], {
      protocol,
      input: flows.map(flowForAdd).join("\n") + "\n",
    });
  }

  /** Datapath port number → OpenFlow port number of one bridge (`dpif/show`). */
  async dpPorts(bridge: string): Promise<Map<number, number>> {
    const { value } = parseDpifShow(await this.call("dpif/show"));
    const map = new Map<number, number>();
    for (const p of value) if (p.bridge === bridge && p.dpPort !== undefined) map.set(p.dpPort, p.ofport);
    return map;
  }

  /** `ofproto/trace BRIDGE FLOW`, resuming every ct() recirculation with `ctNext` (`trk,est`). */
  async trace(bridge: string, flow: string, ctNext: string, recirculations = 8): Promise<string> {
    const ct = Array.from({ length: recirculations }, () => ["--ct-next", ctNext]).flat();
    return this.call("ofproto/trace", bridge, flow, ...ct);
  }

  /** Kills the daemons (by pid), removes the namespace and the run dir. Safe to call twice. */
  async stop(): Promise<void> {
    try {
      if (this.watchdog !== undefined) process.kill(this.watchdog, "SIGKILL");
    } catch {
      // already gone
    }
    this.watchdog = undefined;
    this.socket?.destroy();
    for (const pid of this.pids.splice(0).reverse()) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        continue; // already gone
      }
      for (let i = 0; i < 50 && pidAlive(pid); i++) await sleep(100);
      if (pidAlive(pid)) process.kill(pid, "SIGKILL");
    }
    await run(["ip", "netns", "delete", this.ns], { allowFailure: true });
    rmSync(this.runDir, { recursive: true, force: true });
  }
}
