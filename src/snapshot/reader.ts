/**
 * Reads a snapshot folder. Missing or malformed pieces become warnings that name the file; only a
 * folder that is not a snapshot at all is an error.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { splitEvidenceKey } from "./catalogue.js";
import {
  type EvidenceItem,
  EvidenceMetaSchema,
  type NodeMeta,
  NodeMetaSchema,
  type SnapshotMeta,
  SnapshotMetaSchema,
  type SnapshotWarning,
} from "./format.js";

export interface SnapshotNode {
  meta: NodeMeta;
  /** Evidence items by key (`ovs-ofctl-dump-flows@br-int`). */
  evidence: Map<string, EvidenceItem>;
  /** Copied files by absolute path on the node (`/etc/neutron/neutron.conf`) → snapshot-relative path. */
  files: Map<string, string>;
}

export interface Snapshot {
  root: string;
  meta: SnapshotMeta;
  nodes: Map<string, SnapshotNode>;
  cloud: Map<string, EvidenceItem>;
  /** Everything that could not be read, with the file it concerns. */
  warnings: SnapshotWarning[];
  /** Reads an evidence item's text (undefined when it vanished). */
  text(item: EvidenceItem): string | undefined;
  /** Reads a copied file by snapshot-relative path. */
  fileText(path: string): string | undefined;
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

function zodMessage(err: unknown): string {
  if (err && typeof err === "object" && "issues" in err && Array.isArray(err.issues)) {
    return err.issues
      .map((i: { path: PropertyKey[]; message: string }) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
  }
  return err instanceof Error ? err.message : String(err);
}

function readCommands(
  root: string,
  dir: string,
  owner: string,
  warnings: SnapshotWarning[],
): Map<string, EvidenceItem> {
  const items = new Map<string, EvidenceItem>();
  if (!existsSync(dir)) return items;
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith(".meta.json")) continue;
    const key = name.replace(/\.(txt|json|xml)$/, "");
    const { id, param } = splitEvidenceKey(key);
    const path = relative(root, join(dir, name));
    const item: EvidenceItem = param === undefined ? { key, id, path } : { key, id, param, path };
    const metaPath = join(dir, `${key}.meta.json`);
    if (existsSync(metaPath)) {
      try {
        item.meta = EvidenceMetaSchema.parse(readJson(metaPath));
      } catch (err) {
        warnings.push({
          object: `${owner}/${key}`,
          message: `metadata ${relative(root, metaPath)} is unreadable; the output is used without it`,
          cause: zodMessage(err),
        });
      }
    }
    items.set(key, item);
  }
  return items;
}

function listFiles(root: string, dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(`/${relative(dir, p)}`, relative(root, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

export function readSnapshot(root: string): Snapshot {
  const metaPath = join(root, "snapshot.json");
  if (!existsSync(metaPath)) {
    throw new Error(`${root} is not a netdoctor snapshot: snapshot.json is missing`);
  }
  let meta: SnapshotMeta;
  try {
    meta = SnapshotMetaSchema.parse(readJson(metaPath));
  } catch (err) {
    throw new Error(
      `${metaPath} is not a valid snapshot (format ${"netdoctor-snapshot"} v1): ${zodMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  const warnings: SnapshotWarning[] = [...meta.warnings];
  const nodes = new Map<string, SnapshotNode>();
  for (const name of meta.nodes) {
    const dir = join(root, "nodes", name);
    if (!existsSync(dir)) {
      warnings.push({
        object: `node:${name}`,
        message: `listed in snapshot.json but nodes/${name}/ is missing`,
      });
      continue;
    }
    let nodeMeta: NodeMeta = { name, roles: [], nics: [], warnings: [] };
    const nodeJson = join(dir, "node.json");
    if (existsSync(nodeJson)) {
      try {
        nodeMeta = NodeMetaSchema.parse(readJson(nodeJson));
      } catch (err) {
        warnings.push({
          object: `node:${name}`,
          message: `nodes/${name}/node.json is unreadable: roles and NIC roles unknown`,
          cause: zodMessage(err),
        });
      }
    } else {
      warnings.push({ object: `node:${name}`, message: `nodes/${name}/node.json is missing: roles unknown` });
    }
    warnings.push(...nodeMeta.warnings);
    nodes.set(name, {
      meta: nodeMeta,
      evidence: readCommands(root, join(dir, "commands"), `node:${name}`, warnings),
      files: listFiles(root, join(dir, "files")),
    });
  }
  const cloud = readCommands(root, join(root, "cloud", "commands"), "cloud", warnings);
  const text = (path: string): string | undefined => {
    try {
      return readFileSync(join(root, path), "utf8");
    } catch {
      return undefined;
    }
  };
  return { root, meta, nodes, cloud, warnings, text: (item) => text(item.path), fileText: text };
}
