/** Runs commands on this host (or, with a prefix, inside a namespace of it: the lab's nodes). */
import { execFile } from "node:child_process";
import type { ExecResult, Transport } from "./transport.js";

/** Runs an argv, never throwing: a command that cannot start or times out is a result with exitCode null. */
export function execArgv(
  argv: readonly string[],
  timeoutMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<ExecResult> {
  const started = performance.now();
  const [file, ...args] = argv;
  return new Promise((resolve) => {
    if (file === undefined) {
      resolve({ stdout: "", stderr: "empty command", exitCode: null, durationMs: 0 });
      return;
    }
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: "utf8", env: env ?? process.env },
      (err, stdout, stderr) => {
        const durationMs = Math.round(performance.now() - started);
        if (err === null) {
          resolve({ stdout, stderr, exitCode: 0, durationMs });
          return;
        }
        const killed = err.killed === true || (err.signal !== undefined && err.signal !== null);
        const exitCode = typeof err.code === "number" && !killed ? err.code : null;
        const why = killed
          ? `timed out after ${timeoutMs} ms`
          : typeof err.code === "string"
            ? `${err.code}: ${err.message}`
            : "";
        resolve({ stdout, stderr: [stderr.trim(), why].filter(Boolean).join("\n"), exitCode, durationMs });
      },
    );
  });
}

export class LocalTransport implements Transport {
  /**
   * @param wrap turns a command into the argv that runs it where the node lives (identity for this host;
   *             `ip netns exec …` with the node's OVS paths for a lab node).
   */
  constructor(
    readonly name = "local",
    private readonly wrap: (argv: readonly string[]) => readonly string[] = (a) => a,
  ) {}

  exec(argv: readonly string[], opts: { timeoutMs: number }): Promise<ExecResult> {
    return execArgv(this.wrap(argv), opts.timeoutMs);
  }
}
