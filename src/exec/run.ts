/**
 * Running commands: argv arrays only (never a shell line built from names), errors that say which command
 * failed and what it printed. Shared by the lab and the collectors.
 */
import { execFile, spawn } from "node:child_process";

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Text fed to stdin. */
  input?: string;
  timeoutMs?: number;
  /** Resolve with the exit code instead of throwing when the command fails. */
  allowFailure?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: RunResult,
    cause?: unknown,
  ) {
    const tail = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-5).join("\n");
    super(`command failed (exit ${result.code}): ${argv.join(" ")}${tail ? `\n${tail}` : ""}`, { cause });
  }
}

export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error("run: empty argv"));
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: "utf8",
      },
      (err, stdout, stderr) => {
        if (err === null) {
          resolve({ stdout, stderr, code: 0 });
          return;
        }
        const code = typeof err.code === "number" ? err.code : -1;
        const result = { stdout, stderr: stderr || err.message, code };
        if (opts.allowFailure === true) resolve(result);
        else reject(new CommandError(argv, result, err));
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Run with the caller's terminal (for `lab exec`), resolving with the exit code. */
export function runInteractive(argv: readonly string[]): Promise<number> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error("runInteractive: empty argv"));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: "inherit" });
    child.on("error", (err) => reject(new Error(`cannot start ${file}`, { cause: err })));
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
