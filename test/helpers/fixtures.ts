import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Real command outputs copied from ../shared/fixtures/real (see test/fixtures/real/SOURCES.md). */
export const REAL_FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "real");

export function realFixture(path: string): string {
  return readFileSync(join(REAL_FIXTURES, path), "utf8");
}

/** Every fixture file (relative path), for "all files of this kind parse" tests. */
export function allRealFixtures(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name !== "SOURCES.md") out.push(relative(REAL_FIXTURES, p));
    }
  };
  walk(REAL_FIXTURES);
  return out;
}

/** Command outputs copied verbatim from the field guide (../shared/seed). */
export function guideFixture(name: string): string {
  return readFileSync(join(REAL_FIXTURES, "..", "guide", name), "utf8");
}

/** Real outputs captured from the OVS lab on this kind of machine. */
export function labFixture(name: string): string {
  return readFileSync(join(REAL_FIXTURES, "..", "lab", name), "utf8");
}
