/**
 * The cloud-wide VLAN translation view: per network, its segmentation id and physnet, and on every node the
 * local VLAN br-int gives it (ingress flow) and the one the provider bridge maps back (egress flow).
 */
import type { CloudModel, VlanTranslation } from "../model/types.js";

export interface VlanRow {
  network?: string;
  networkId?: string;
  networkType?: string;
  physnet?: string;
  segmentationId?: number;
  /** node → local VLANs seen in each direction (normally one each, equal). */
  perNode: Record<string, { ingress: number[]; egress: number[]; portTags: number[] }>;
}

export function vlanTable(model: CloudModel): VlanRow[] {
  const rows = new Map<string, VlanRow>();
  const key = (physnet: string | undefined, seg: number | undefined) => `${physnet ?? "?"}:${seg ?? "flat"}`;
  const rowFor = (physnet: string | undefined, seg: number | undefined): VlanRow => {
    const k = key(physnet, seg);
    let row = rows.get(k);
    if (!row) {
      row = { perNode: {} };
      if (seg !== undefined) row.segmentationId = seg;
      if (physnet !== undefined) row.physnet = physnet;
      rows.set(k, row);
    }
    return row;
  };
  for (const net of model.networks) {
    if (net.networkType !== "vlan" && net.networkType !== "flat") continue;
    const row = rowFor(net.physnet, net.segmentationId);
    row.network = net.name;
    row.networkId = net.id;
    row.networkType = net.networkType;
  }
  const cellOf = (row: VlanRow, node: string) => {
    row.perNode[node] ??= { ingress: [], egress: [], portTags: [] };
    return row.perNode[node];
  };
  for (const node of model.nodes) {
    const add = (t: VlanTranslation) => {
      // A network's translation can be recorded without physnet (no bridge_mappings in the snapshot): match by id.
      const known =
        [...rows.values()].find(
          (r) =>
            r.segmentationId === t.segmentationId &&
            (t.physnet === undefined || r.physnet === t.physnet || r.physnet === undefined),
        ) ?? rowFor(t.physnet, t.segmentationId);
      const cell = cellOf(known, node.name);
      const list = t.direction === "ingress" ? cell.ingress : cell.egress;
      if (!list.includes(t.localVlan)) list.push(t.localVlan);
    };
    node.vlanTranslations.forEach(add);
    // Tags of ports whose Neutron network is known, to show the third witness of the local VLAN.
    for (const b of node.bridges) {
      for (const p of b.ports) {
        if (p.tag === undefined || p.neutronPortId === undefined) continue;
        const port = model.ports.find((x) => x.id === p.neutronPortId);
        const net = port && model.networks.find((n) => n.id === port.networkId);
        if (!net) continue;
        const row = [...rows.values()].find((r) => r.networkId === net.id);
        if (!row) continue;
        const cell = cellOf(row, node.name);
        if (!cell.portTags.includes(p.tag)) cell.portTags.push(p.tag);
      }
    }
  }
  return [...rows.values()].sort((a, b) => (a.segmentationId ?? -1) - (b.segmentationId ?? -1));
}
