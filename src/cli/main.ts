#!/usr/bin/env node
import { EXIT_FAILED } from "./constants.js";
import { buildProgram } from "./program.js";

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`netdoctor: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof Error && err.cause !== undefined)
      process.stderr.write(`  cause: ${String(err.cause)}\n`);
    process.exitCode = EXIT_FAILED;
  });
