/**
 * Building snapshots in tests: a scratch copy of the bundled example to break on purpose, or a snapshot
 * assembled from real fixture files. Both are cleaned up by the caller with `dispose()`.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildModel } from "../../src/model/build.js";
import type { CloudModel } from "../../src/model/types.js";
import type { NodeMeta } from "../../src/snapshot/format.js";
import { readSnapshot } from "../../src/snapshot/reader.js";
import { SnapshotWriter } from "../../src/snapshot/writer.js";
import { realFixture } from "./fixtures.js";

export const EXAMPLE = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "examples",
  "reference-cloud",
);

export interface ScratchSnapshot {
  root: string;
  read(rel: string): string;
  write(rel: string, text: string): void;
  /** Rewrites a file of the snapshot; fails loudly when the edit changes nothing (a test that cannot fail). */
  edit(rel: string, fn: (text: string) => string): void;
  remove(rel: string): void;
  model(): CloudModel;
  dispose(): void;
}

function scratch(root: string): ScratchSnapshot {
  return {
    root,
    read: (rel) => readFileSync(join(root, rel), "utf8"),
    write: (rel, text) => writeFileSync(join(root, rel), text),
    edit(rel, fn) {
      const before = readFileSync(join(root, rel), "utf8");
      const after = fn(before);
      if (after === before) throw new Error(`edit of ${rel} changed nothing`);
      writeFileSync(join(root, rel), after);
    },
    remove: (rel) => rmSync(join(root, rel), { force: true, recursive: true }),
    model: () => buildModel(readSnapshot(root)),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A private copy of examples/reference-cloud. */
export function exampleCopy(): ScratchSnapshot {
  const root = mkdtempSync(join(tmpdir(), "nd-example-"));
  cpSync(EXAMPLE, root, { recursive: true });
  return scratch(root);
}

export interface FixtureNode {
  name: string;
  roles?: NodeMeta["roles"];
  nics?: NodeMeta["nics"];
  /** evidence key (`ovs-ofctl-dump-flows@br-int`) → fixture path under test/fixtures/real, or literal text. */
  evidence?: Record<string, string | { text: string }>;
  /** absolute path on the node → fixture path or literal text. */
  files?: Record<string, string | { text: string }>;
}

const content = (v: string | { text: string }) => (typeof v === "string" ? realFixture(v) : v.text);

/** A snapshot assembled from real fixture files (each keeps its origin in the metadata). */
export function fixtureSnapshot(
  nodes: FixtureNode[],
  cloud: Record<string, string | { text: string }> = {},
): ScratchSnapshot {
  const root = mkdtempSync(join(tmpdir(), "nd-fixture-"));
  const w = new SnapshotWriter(root, { kind: "test", detail: "assembled from test/fixtures" });
  const meta = (key: string, v: string | { text: string }) => {
    const at = key.indexOf("@");
    const id = at < 0 ? key : key.slice(0, at);
    return {
      id,
      ...(at < 0 ? {} : { param: key.slice(at + 1) }),
      command: id,
      exitCode: 0,
      stderr: "",
      origin: typeof v === "string" ? `fixture:${v}` : "test",
    };
  };
  for (const n of nodes) {
    w.node({ name: n.name, roles: n.roles ?? [], nics: n.nics ?? [], warnings: [] });
    for (const [key, v] of Object.entries(n.evidence ?? {})) w.evidence(n.name, meta(key, v), content(v));
    for (const [path, v] of Object.entries(n.files ?? {})) w.rawFile(n.name, path, content(v));
  }
  for (const [key, v] of Object.entries(cloud)) w.evidence(null, meta(key, v), content(v));
  w.finish();
  return scratch(root);
}

/** Runs `fn` on a scratch snapshot and always disposes of it. */
export function withSnapshot<T>(s: ScratchSnapshot, fn: (s: ScratchSnapshot) => T): T {
  try {
    return fn(s);
  } finally {
    s.dispose();
  }
}
