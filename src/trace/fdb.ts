/**
 * The MAC learning tables (`ovs-appctl fdb/show <bridge>`, evidence id `ovs-fdb`) a snapshot may hold. The model
 * does not carry them, so the trace reads them from the snapshot; without one NORMAL floods every unicast and the
 * trace says "flooded (no FDB)".
 */
import type { EvidenceRef } from "../model/types.js";
import type { FdbRecord } from "../openflow/normal.js";
import { parseFdbShow } from "../parse/ovs-appctl.js";
import type { Snapshot } from "../snapshot/reader.js";

export interface FdbTable {
  records: FdbRecord[];
  evidence: EvidenceRef;
}

/** node → bridge → its MAC table. */
export type FdbTables = Map<string, Map<string, FdbTable>>;

export function readFdbTables(snap: Snapshot): FdbTables {
  const out: FdbTables = new Map();
  for (const [node, n] of snap.nodes) {
    for (const item of n.evidence.values()) {
      if (item.id !== "ovs-fdb" || item.param === undefined) continue;
      const text = snap.text(item);
      if (text === undefined) continue;
      if (item.meta && item.meta.exitCode !== 0 && text.trim() === "") continue;
      const parsed = parseFdbShow(text).value;
      const bridges = out.get(node) ?? new Map<string, FdbTable>();
      bridges.set(item.param, {
        records: parsed.map((e) => ({ port: e.port, vlan: e.vlan, mac: e.mac })),
        evidence: { path: item.path },
      });
      out.set(node, bridges);
    }
  }
  return out;
}
