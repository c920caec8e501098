/**
 * Reading evidence for the model: find an item, parse it, and turn parser issues into model issues that
 * name the snapshot file and line. A missing or unparsable item never stops the build; it is reported.
 */
import type { ParseResult } from "../parse/types.js";
import { evidenceKey } from "../snapshot/catalogue.js";
import type { EvidenceItem } from "../snapshot/format.js";
import type { Snapshot } from "../snapshot/reader.js";
import type { EvidenceRef, ModelIssue } from "./types.js";

export class EvidenceReader {
  readonly issues: ModelIssue[] = [];

  constructor(readonly snap: Snapshot) {}

  item(node: string | null, id: string, param?: string): EvidenceItem | undefined {
    const items = node === null ? this.snap.cloud : this.snap.nodes.get(node)?.evidence;
    return items?.get(evidenceKey(id, param));
  }

  /** Parameters present for a per-object evidence id (`ovs-ofctl-dump-flows` → bridges with a dump). */
  params(node: string, id: string): string[] {
    const out: string[] = [];
    for (const item of this.snap.nodes.get(node)?.evidence.values() ?? []) {
      if (item.id === id && item.param !== undefined) out.push(item.param);
    }
    return out;
  }

  /**
   * Parses an evidence item. Returns undefined when absent; a failed command (non-zero exit with no
   * output) is reported once with its stderr.
   */
  parse<T>(
    owner: string,
    item: EvidenceItem | undefined,
    parser: (text: string) => ParseResult<T>,
  ): { value: T; ref: EvidenceRef } | undefined {
    if (!item) return undefined;
    const text = this.snap.text(item);
    const ref: EvidenceRef = { path: item.path };
    if (text === undefined) {
      this.issues.push({
        object: owner,
        message: `${item.path} could not be read`,
        evidence: ref,
        severity: "error",
      });
      return undefined;
    }
    if (item.meta && item.meta.exitCode !== 0 && text.trim() === "") {
      this.issues.push({
        object: owner,
        message: `\`${item.meta.command}\` failed (exit ${item.meta.exitCode}): ${item.meta.stderr.trim() || "no output"}`,
        evidence: ref,
        severity: "warning",
      });
      return undefined;
    }
    const result = parser(text);
    for (const i of result.issues) {
      const evidence: EvidenceRef = { path: item.path, line: i.line };
      if (i.text !== undefined) evidence.text = i.text;
      this.issues.push({
        object: owner,
        message: `${item.path}:${i.line}: ${i.message}`,
        evidence,
        severity: i.severity,
      });
    }
    return { value: result.value, ref };
  }

  /** Parses a copied file (`/etc/neutron/neutron.conf`) of a node. */
  parseFile<T>(
    node: string,
    absPath: string,
    parser: (text: string) => ParseResult<T>,
  ): { value: T; ref: EvidenceRef } | undefined {
    const rel = this.snap.nodes.get(node)?.files.get(absPath);
    if (rel === undefined) return undefined;
    return this.parse(`node:${node}`, { key: absPath, id: "file", path: rel }, parser);
  }

  files(node: string, prefix: string): string[] {
    return [...(this.snap.nodes.get(node)?.files.keys() ?? [])].filter((p) => p.startsWith(prefix));
  }

  missing(owner: string, what: string, severity: ModelIssue["severity"] = "warning"): void {
    this.issues.push({ object: owner, message: what, severity });
  }
}

/** Evidence ref pointing at one line of a file. */
export function lineRef(ref: EvidenceRef, line: number | undefined, text?: string): EvidenceRef {
  const out: EvidenceRef = { path: ref.path };
  if (line !== undefined) out.line = line;
  if (text !== undefined) out.text = text;
  return out;
}
