#!/usr/bin/env node
import { buildProgram, EXIT_FAILED } from "./program.js";

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`netdoctor: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof Error && err.cause !== undefined)
      process.stderr.write(`  cause: ${String(err.cause)}\n`);
    process.exitCode = EXIT_FAILED;
  });
