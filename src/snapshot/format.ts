/**
 * Snapshot format, version 1 (docs/ARCHITECTURE.md). Schemas validate what is read from disk, so a
 * hand-edited or truncated metadata file yields a clear error naming the file instead of odd behaviour later.
 */
import { z } from "zod";

export const SNAPSHOT_FORMAT = "netdoctor-snapshot";
export const SNAPSHOT_VERSION = 1;

export const WarningSchema = z.object({
  /** What the warning is about: `snapshot`, `node:compute`, `node:compute/ovs-ofctl-dump-flows@br-int`. */
  object: z.string(),
  message: z.string(),
  cause: z.string().optional(),
});
export type SnapshotWarning = z.infer<typeof WarningSchema>;

export const RoleSchema = z.enum(["compute", "controller", "network"]);

export const NicSchema = z.object({
  name: z.string(),
  role: z.enum(["mgmt", "provider", "external", "tunnel", "other"]),
  bridge: z.string().optional(),
  physnet: z.string().optional(),
});
export type NicRole = z.infer<typeof NicSchema>;

export const NodeMetaSchema = z.object({
  name: z.string(),
  hostname: z.string().optional(),
  roles: z.array(RoleSchema),
  nics: z.array(NicSchema).default([]),
  warnings: z.array(WarningSchema).default([]),
});
export type NodeMeta = z.infer<typeof NodeMetaSchema>;

export const SnapshotMetaSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.literal(SNAPSHOT_VERSION),
  createdAt: z.string(),
  source: z.object({ kind: z.string(), detail: z.string().optional() }),
  nodes: z.array(z.string()),
  description: z.string().optional(),
  warnings: z.array(WarningSchema).default([]),
});
export type SnapshotMeta = z.infer<typeof SnapshotMetaSchema>;

export const EvidenceMetaSchema = z.object({
  id: z.string(),
  param: z.string().optional(),
  command: z.string(),
  exitCode: z.number().int().nullable(),
  stderr: z.string().default(""),
  collectedAt: z.string().optional(),
  durationMs: z.number().optional(),
  /** `live`, `sosreport:<path>`, `example:<note>`, `lab`. */
  origin: z.string(),
});
export type EvidenceMeta = z.infer<typeof EvidenceMetaSchema>;

/** One evidence item as read back: its text is loaded lazily by the reader. */
export interface EvidenceItem {
  key: string;
  id: string;
  param?: string;
  /** Path relative to the snapshot root, for citing evidence (`nodes/compute/commands/ip-addr.txt`). */
  path: string;
  meta?: EvidenceMeta;
}
