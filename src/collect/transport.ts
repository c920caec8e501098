/**
 * How the collector reaches a node. Every source (this host, SSH, a lab node in its namespace) is a way to run
 * an argv there; the collector never builds shell lines from names.
 */

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status; null when the command could not be started or was killed by the timeout. */
  exitCode: number | null;
  durationMs: number;
}

export interface Transport {
  /** Where commands run, for messages: `local`, `ssh:compute1`, `lab:network`. */
  readonly name: string;
  exec(argv: readonly string[], opts: { timeoutMs: number }): Promise<ExecResult>;
}
