/** Where lab commands run (which namespace, which OVS), and waiting for the lab to settle. */
export { CommandError, type RunOptions, type RunResult, run, runInteractive } from "../exec/run.js";

/** argv that runs `argv` inside network namespace `ns`. */
export function inNs(ns: string, argv: readonly string[]): string[] {
  return ["ip", "netns", "exec", ns, ...argv];
}

/**
 * argv that runs `argv` in network namespace `ns` but in the machine's own mount namespace. Agents that
 * create namespaces (DHCP: qdhcp-, L3: qrouter-) need this: under `ip netns exec` /run/netns is a slave
 * mount, so the namespaces they add would be invisible to everyone else.
 */
export function inNetNsOnly(ns: string, argv: readonly string[]): string[] {
  return ["nsenter", `--net=/run/netns/${ns}`, "--", ...argv];
}

/**
 * The script of {@link onHost}: constant text, names travel as positional arguments.
 * `ip netns exec` already gave the command a private mount namespace, so these binds stay private.
 */
const ON_HOST_SCRIPT = [
  'mount --bind "$1" /run/openvswitch || exit 125',
  'if [ -S "$2" ] && [ -e /run/lldpd.socket ]; then mount --bind "$2" /run/lldpd.socket; fi',
  "shift 2",
  'exec "$@"',
].join("\n");

/**
 * argv that runs `argv` "on" a lab host: inside its namespace, with its OVS run dir at /run/openvswitch
 * and its lldpd socket at /run/lldpd.socket, so `ovs-vsctl show`, `ovs-ofctl dump-flows br-int`,
 * `ovs-appctl …` and `lldpctl` work with their default paths — as on a real node.
 * The final `exec` keeps the pid: a daemon started this way is the pid we record.
 */
export function onHost(
  ns: string,
  ovsRunDir: string,
  lldpdSocket: string,
  argv: readonly string[],
): string[] {
  return inNs(ns, ["sh", "-c", ON_HOST_SCRIPT, "sh", ovsRunDir, lldpdSocket, ...argv]);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for ${what}`, {
        cause: lastError,
      });
    }
    await sleep(opts.intervalMs ?? 500);
  }
}

/**
 * Like Promise.all, but waits for every task to settle before rejecting with the first failure: a task
 * still starting daemons in the background would otherwise race with the `lab down` that follows.
 */
export async function allSettledOrThrow<T>(tasks: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
