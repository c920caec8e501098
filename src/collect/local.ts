/** Runs commands on this host (or, with a wrapper, inside a namespace of it: the lab's nodes). */
import { run } from "../exec/run.js";
import type { ExecResult, Transport } from "./transport.js";

export class LocalTransport implements Transport {
  /**
   * @param wrap turns a command into the argv that runs it where the node lives (identity for this host;
   *             `ip netns exec …` with the node's OVS paths for a lab node).
   */
  constructor(
    readonly name = "local",
    private readonly wrap: (argv: readonly string[]) => readonly string[] = (a) => a,
  ) {}

  async exec(argv: readonly string[], opts: { timeoutMs: number }): Promise<ExecResult> {
    const started = performance.now();
    const r = await run(this.wrap(argv), { timeoutMs: opts.timeoutMs, allowFailure: true });
    // run() reports a command that could not start or was killed as a negative code.
    return {
      stdout: r.stdout,
      stderr: r.stderr,
      exitCode: r.code >= 0 ? r.code : null,
      durationMs: Math.round(performance.now() - started),
    };
  }
}
