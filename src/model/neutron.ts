/**
 * Cloud-wide Neutron and Nova objects from the snapshot's `cloud/` evidence. Several forms of the same view
 * may be present (`openstack … -f json`, the old `neutron`/`nova` tables): JSON first, tables fill the gaps.
 */
import {
  type CliInput,
  type CliRecord,
  parseCliJson,
  parseCliTable,
  toAgents,
  toComputeServices,
  toFloatingIps,
  toHypervisorStats,
  toNetworks,
  toPorts,
  toSecgroupRules,
  toSubnets,
  toVlanAllocations,
} from "../parse/openstack-cli.js";
import type { ParseResult } from "../parse/types.js";
import type { EvidenceReader } from "./evidence.js";
import type { CloudModel, EvidenceRef, Network, NeutronPort, Router, Subnet } from "./types.js";

/** CLI output is JSON (`-f json`, API dumps) or a table; one reader for both. */
function parseCliAny(text: string): ParseResult<CliInput> {
  const t = text.trimStart();
  return t.startsWith("[") || t.startsWith("{") ? parseCliJson(text) : parseCliTable(text);
}

function read<T>(
  ev: EvidenceReader,
  ids: string[],
  convert: (input: CliInput) => T[],
): { items: T[]; ref: EvidenceRef }[] {
  const out: { items: T[]; ref: EvidenceRef }[] = [];
  for (const id of ids) {
    const parsed = ev.parse("cloud", ev.item(null, id), parseCliAny);
    if (parsed) out.push({ items: convert(parsed.value), ref: parsed.ref });
  }
  return out;
}

function str(r: CliRecord, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = r[k];
    if (typeof v === "string" && v !== "") return v;
  }
  return undefined;
}

/** Routers: `openstack router list --long -f json` or the API's `routers` list. */
function toRouters(input: CliInput): Router[] {
  const records: CliRecord[] = Array.isArray(input)
    ? input
    : "rows" in input && Array.isArray(input.rows)
      ? (input.rows as CliRecord[])
      : [input as CliRecord];
  return records.flatMap((r) => {
    const id = str(r, "ID", "id");
    if (id === undefined) return [];
    const router: Router = { id };
    const name = str(r, "Name", "name");
    if (name !== undefined) router.name = name;
    const gw = r["External gateway info"] ?? r["external_gateway_info"];
    const gwInfo = typeof gw === "string" ? safeJson(gw) : gw;
    if (
      gwInfo &&
      typeof gwInfo === "object" &&
      "network_id" in gwInfo &&
      typeof gwInfo.network_id === "string"
    ) {
      router.externalNetworkId = gwInfo.network_id;
    }
    return [router];
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function buildCloud(ev: EvidenceReader): Omit<CloudModel, "nodes" | "issues" | "warnings"> {
  const networks = new Map<string, Network>();
  for (const { items, ref } of read(
    ev,
    ["neutron-api-networks", "openstack-network-list", "neutron-net-list"],
    toNetworks,
  )) {
    for (const n of items) {
      if (n.id === undefined) continue;
      const prev = networks.get(n.id);
      const net: Network = prev ?? { id: n.id, name: n.name ?? n.id, subnets: n.subnets, evidence: ref };
      net.networkType ??= n.networkType;
      net.physnet ??= n.physnet;
      net.segmentationId ??= n.segmentationId;
      net.external ??= n.external;
      net.mtu ??= n.mtu;
      if (net.subnets.length === 0) net.subnets = n.subnets;
      for (const k of Object.keys(net) as (keyof Network)[]) if (net[k] === undefined) delete net[k];
      networks.set(n.id, net);
    }
  }
  const subnets = new Map<string, Subnet>();
  for (const { items, ref } of read(ev, ["neutron-api-subnets", "openstack-subnet-list"], toSubnets)) {
    for (const s of items) {
      if (s.id === undefined || subnets.has(s.id)) continue;
      const { id, ...rest } = s;
      subnets.set(id, { id, ...rest, evidence: ref });
    }
  }
  const ports = new Map<string, NeutronPort>();
  for (const { items, ref } of read(ev, ["neutron-api-ports", "openstack-port-list"], toPorts)) {
    for (const p of items) {
      if (p.id === undefined || ports.has(p.id)) continue;
      const port: NeutronPort = { id: p.id, fixedIps: p.fixedIps, evidence: ref };
      for (const k of [
        "name",
        "networkId",
        "mac",
        "deviceOwner",
        "deviceId",
        "hostId",
        "vifType",
        "status",
        "ovsHybridPlug",
        "securityGroups",
      ] as const) {
        if (p[k] !== undefined) (port as unknown as Record<string, unknown>)[k] = p[k];
      }
      // `openstack port list --long` has no network column: the subnet of a fixed IP says it.
      const viaSubnet = p.fixedIps
        .map((f) => (f.subnetId ? subnets.get(f.subnetId)?.networkId : undefined))
        .find(Boolean);
      if (port.networkId === undefined && viaSubnet !== undefined) port.networkId = viaSubnet;
      ports.set(p.id, port);
    }
  }
  const routers = read(ev, ["neutron-api-routers", "openstack-router-list"], toRouters)
    .slice(0, 1)
    .flatMap(({ items, ref }) => items.map((r) => ({ ...r, evidence: ref })));
  const withRef = <T>(groups: { items: T[]; ref: EvidenceRef }[]) =>
    groups.flatMap(({ items, ref }) => items.map((x) => ({ ...x, evidence: ref })));
  const stats = read(ev, ["openstack-hypervisor-stats", "nova-hypervisor-stats"], (i) => [
    toHypervisorStats(i),
  ])[0];
  const cloud: Omit<CloudModel, "nodes" | "issues" | "warnings"> = {
    networks: [...networks.values()],
    subnets: [...subnets.values()],
    ports: [...ports.values()],
    routers,
    agents: withRef(read(ev, ["neutron-api-agents", "openstack-network-agent-list"], toAgents).slice(0, 1)),
    // The first view present wins: the JSON and the old table list the same services.
    computeServices: withRef(
      read(
        ev,
        ["nova-api-services", "openstack-compute-service-list", "nova-service-list"],
        toComputeServices,
      ).slice(0, 1),
    ),
    vlanAllocations: withRef(read(ev, ["mysql-ml2-vlan-allocations"], toVlanAllocations)),
    securityGroupRules: withRef(
      read(
        ev,
        [
          "neutron-api-security-group-rules",
          "openstack-security-group-rule-list",
          "nova-secgroup-list-rules",
        ],
        toSecgroupRules,
      ).slice(0, 1),
    ),
    floatingIps: withRef(
      read(ev, ["neutron-api-floatingips", "openstack-floating-ip-list"], toFloatingIps).slice(0, 1),
    ),
  };
  if (stats?.items[0]) cloud.hypervisorStats = { ...stats.items[0], evidence: stats.ref };
  return cloud;
}
