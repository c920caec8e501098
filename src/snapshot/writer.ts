/**
 * Writes a snapshot folder (format in docs/ARCHITECTURE.md). Every source (local, ssh, sosreport, lab, the
 * example builder) goes through here, so the layout has one definition.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { evidenceKey } from "./catalogue.js";
import {
  type EvidenceMeta,
  type NodeMeta,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  type SnapshotMeta,
  type SnapshotWarning,
} from "./format.js";
import { redactConfig } from "./redact.js";

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Node name → folder name; node names come from inventories, so keep them inside the snapshot. */
function safeSegment(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw new Error(`unsafe node or evidence name: ${JSON.stringify(name)}`);
  return name;
}

export class SnapshotWriter {
  private readonly nodes: string[] = [];
  private readonly warnings: SnapshotWarning[] = [];

  constructor(
    readonly root: string,
    private readonly source: SnapshotMeta["source"],
    private readonly description?: string,
  ) {
    mkdirSync(root, { recursive: true });
  }

  private evidenceDir(node: string | null): string {
    return node === null
      ? join(this.root, "cloud", "commands")
      : join(this.root, "nodes", safeSegment(node), "commands");
  }

  /** One command output plus its metadata sidecar. `node` null = cloud-wide. */
  evidence(node: string | null, meta: EvidenceMeta, stdout: string): void {
    const key = evidenceKey(meta.id, meta.param);
    if (key.includes("/") || key.startsWith("."))
      throw new Error(`unsafe evidence key ${JSON.stringify(key)}`);
    const dir = this.evidenceDir(node);
    write(join(dir, `${key}.txt`), stdout);
    write(join(dir, `${key}.meta.json`), json(meta));
  }

  node(meta: NodeMeta): void {
    write(join(this.root, "nodes", safeSegment(meta.name), "node.json"), json(meta));
    if (!this.nodes.includes(meta.name)) this.nodes.push(meta.name);
  }

  /** A config file from the node, redacted. Returns how many values were blanked. */
  configFile(node: string, absPath: string, content: string): number {
    const { text, redacted } = redactConfig(content);
    this.rawFile(node, absPath, text);
    return redacted;
  }

  /** A file that holds no secrets by nature (libvirt XML, a log excerpt). */
  rawFile(node: string, absPath: string, content: string): void {
    const rel = absPath.replace(/^\/+/, "");
    if (rel.split("/").some((s) => s === ".." || s === "")) throw new Error(`unsafe file path ${absPath}`);
    write(join(this.root, "nodes", safeSegment(node), "files", rel), content);
  }

  warn(w: SnapshotWarning): void {
    this.warnings.push(w);
  }

  finish(createdAt: string = new Date().toISOString()): void {
    const meta: SnapshotMeta = {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      createdAt,
      source: this.source,
      nodes: [...this.nodes].sort(),
      warnings: this.warnings,
      ...(this.description ? { description: this.description } : {}),
    };
    write(join(this.root, "snapshot.json"), json(meta));
  }
}
