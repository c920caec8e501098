/**
 * Collection of a whole snapshot from a set of nodes, each reached through its own Transport. Nodes run in
 * parallel up to a limit; one dead or slow node is recorded as a warning and never blocks the others.
 */
import { hostname } from "node:os";
import { SnapshotWriter } from "../snapshot/writer.js";
import { collectNode, type NodeCollectOptions, type NodeCollectResult } from "./node.js";
import { type ApiAuth, type ApiEndpoints, collectApi } from "./openstack-api.js";
import type { Transport } from "./transport.js";

export interface CollectTarget extends NodeCollectOptions {
  transport: Transport;
}

export interface CollectSummary {
  out: string;
  nodes: NodeCollectResult[];
  failedNodes: { name: string; error: string }[];
  api?: { fetched: number; failed: number };
}

export async function collectSnapshot(
  out: string,
  targets: CollectTarget[],
  opts: {
    source: string;
    concurrency?: number;
    description?: string;
    api?: { endpoints: ApiEndpoints; auth?: ApiAuth };
  },
): Promise<CollectSummary> {
  const w = new SnapshotWriter(
    out,
    { kind: opts.source, detail: `collected from ${hostname()}` },
    opts.description,
  );
  const summary: CollectSummary = { out, nodes: [], failedNodes: [] };
  const queue = [...targets];
  const worker = async (): Promise<void> => {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
      try {
        summary.nodes.push(await collectNode(t.transport, w, t));
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        summary.failedNodes.push({ name: t.name, error });
        w.warn({
          object: `node:${t.name}`,
          message: `collection failed on ${t.transport.name}`,
          cause: error,
        });
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, targets.length)) }, worker),
  );
  if (opts.api) summary.api = await collectApi(w, opts.api.endpoints, opts.api.auth);
  w.finish();
  return summary;
}
