/**
 * The cloud's API view: every `api` item of the evidence catalogue fetched as JSON, all pages merged into one
 * body (`{"networks": [...]}`), stored as cloud-wide evidence. Auth is a token (Keystone) or none (a
 * noauth neutron-server such as the lab's). Tokens are sent, never written.
 */
import { CATALOGUE, type EvidenceSpec } from "../snapshot/catalogue.js";
import type { SnapshotWriter } from "../snapshot/writer.js";

export interface ApiEndpoints {
  network?: string;
  compute?: string;
}

export interface ApiAuth {
  token?: string;
  /** Nova microversion to ask for (`2.53` gives service ids as UUIDs, hypervisor details). */
  computeMicroversion?: string;
}

/** Follows `<collection>_links` rel=next (Neutron and Nova pagination) and merges the pages. */
async function fetchAll(url: string, auth: ApiAuth, service: string): Promise<unknown> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (auth.token) headers["X-Auth-Token"] = auth.token;
  if (service === "compute" && auth.computeMicroversion)
    headers["OpenStack-API-Version"] = `compute ${auth.computeMicroversion}`;
  let next: string | undefined = url;
  let merged: Record<string, unknown> | undefined;
  for (let page = 0; next !== undefined && page < 1000; page++) {
    const res = await fetch(next, { headers, signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`GET ${next}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as Record<string, unknown>;
    next = undefined;
    if (merged === undefined) merged = body;
    for (const [key, value] of Object.entries(body)) {
      if (key.endsWith("_links") && Array.isArray(value)) {
        const link = value.find((l: { rel?: string; href?: string }) => l.rel === "next") as
          | { href?: string }
          | undefined;
        next = link?.href;
      } else if (Array.isArray(value) && merged !== body && Array.isArray(merged[key])) {
        (merged[key] as unknown[]).push(...value);
      }
    }
  }
  if (merged) for (const key of Object.keys(merged)) if (key.endsWith("_links")) delete merged[key];
  return merged;
}

export async function collectApi(
  w: SnapshotWriter,
  endpoints: ApiEndpoints,
  auth: ApiAuth = {},
): Promise<{ fetched: number; failed: number }> {
  const specs = CATALOGUE.filter(
    (s): s is EvidenceSpec & { api: NonNullable<EvidenceSpec["api"]> } => s.api !== undefined,
  );
  let fetched = 0;
  let failed = 0;
  for (const spec of specs) {
    const base = endpoints[spec.api.service];
    if (base === undefined) continue;
    const url = `${base.replace(/\/+$/, "")}${spec.api.path}`;
    const started = performance.now();
    const meta = { id: spec.id, command: `GET ${url}`, collectedAt: new Date().toISOString(), origin: "api" };
    try {
      const body = await fetchAll(url, auth, spec.api.service);
      w.evidence(
        null,
        { ...meta, exitCode: 0, stderr: "", durationMs: Math.round(performance.now() - started) },
        `${JSON.stringify(body, null, 2)}\n`,
      );
      fetched++;
    } catch (err) {
      failed++;
      const stderr =
        err instanceof Error ? `${err.message}${err.cause ? ` (${String(err.cause)})` : ""}` : String(err);
      w.evidence(
        null,
        { ...meta, exitCode: 1, stderr, durationMs: Math.round(performance.now() - started) },
        "",
      );
    }
  }
  return { fetched, failed };
}
