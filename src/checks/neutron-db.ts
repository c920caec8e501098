/**
 * The guide's "Mapping of physnet vs network inside neutron db" recipe, automated: the physnets and VLAN ids of
 * `ml2_vlan_allocations` against ML2's `network_vlan_ranges` (controller), every node's `bridge_mappings` and the
 * networks that really use a VLAN. A physnet no host maps is the root cause of "No valid host" for every network
 * on it; allocation flags that disagree with the networks are F41.
 */
import type { CloudModel, EvidenceRef, Network, NodeModel } from "../model/types.js";
import { isOvsAgent } from "./nova.js";
import { type Finding, finding, type Rule } from "./types.js";

type Allocation = CloudModel["vlanAllocations"][number];

/** A physnet ML2 offers, with the config line that says so. */
interface Declared {
  physnet: string;
  kind: "vlan" | "flat";
  ranges: { min: number; max: number }[];
  node: string;
  evidence?: EvidenceRef;
}

/**
 * Physnets declared by `network_vlan_ranges` and `flat_networks` on any node (the controllers). Undefined when no
 * node's config declares any: then they are unknown, not none.
 */
function declaredPhysnets(model: CloudModel): Declared[] | undefined {
  const out = new Map<string, Declared>();
  let known = false;
  for (const node of model.nodes) {
    const vlanRef = node.config.evidence["ml2_type_vlan.network_vlan_ranges"];
    const flatRef = node.config.evidence["ml2_type_flat.flat_networks"];
    if (vlanRef !== undefined || flatRef !== undefined) known = true;
    for (const r of node.config.networkVlanRanges) {
      const d = out.get(r.physnet) ?? { physnet: r.physnet, kind: "vlan", ranges: [], node: node.name };
      if (vlanRef !== undefined) d.evidence ??= vlanRef;
      if (
        r.min !== undefined &&
        r.max !== undefined &&
        !d.ranges.some((x) => x.min === r.min && x.max === r.max)
      ) {
        d.ranges.push({ min: r.min, max: r.max });
      }
      out.set(r.physnet, d);
    }
    for (const physnet of (node.config.options["ml2_type_flat.flat_networks"] ?? "").split(",")) {
      const p = physnet.trim();
      // `*` allows any physnet as flat: nothing specific to map.
      if (p === "" || p === "*" || out.has(p)) continue;
      out.set(p, {
        physnet: p,
        kind: "flat",
        ranges: [],
        node: node.name,
        ...(flatRef ? { evidence: flatRef } : {}),
      });
    }
  }
  return known ? [...out.values()] : undefined;
}

/** Nodes whose agent config was read, with the physnets their `bridge_mappings` carry. */
function mappings(model: CloudModel) {
  return model.nodes.flatMap((n) => {
    const evidence = n.config.evidence["ovs.bridge_mappings"];
    return evidence === undefined ? [] : [{ node: n, evidence, physnets: n.config.bridgeMappings }];
  });
}

/**
 * The node's `bridge_mappings` with the physnet added: on the bridge node.json gives its NIC (else a placeholder
 * the operator fills in), replacing the label that bridge carries now — the agent refuses a bridge mapped twice.
 */
function remapped(node: NodeModel, physnet: string): string {
  const bridge =
    node.nics.find((n) => n.physnet === physnet && n.bridge !== undefined)?.bridge ??
    `<bridge of ${physnet}>`;
  return [
    ...node.config.bridgeMappings.filter((m) => m.bridge !== bridge).map((m) => `${m.physnet}:${m.bridge}`),
    `${physnet}:${bridge}`,
  ].join(",");
}

const rangeText = (d: Declared): string =>
  d.ranges.length === 0 ? "no VLAN range" : d.ranges.map((r) => `${r.min}-${r.max}`).join(", ");

const inRange = (d: Declared, vlan: number): boolean => d.ranges.some((r) => vlan >= r.min && vlan <= r.max);

/** `/etc/neutron/...` from the snapshot path of a copied file (`nodes/<n>/files/etc/neutron/...`). */
function nodeFile(ref: EvidenceRef): string {
  return ref.path.replace(/^nodes\/[^/]+\/files/, "");
}

/** `vlan_id in (319,320)` with the physnet when the rows carry one (chi-in-a-box's join does not). */
function rowsWhere(physnet: string | undefined, vlans: number[]): string {
  const ids = vlans.length === 1 ? `vlan_id=${vlans[0]}` : `vlan_id in (${vlans.join(",")})`;
  return physnet === undefined ? ids : `physical_network='${physnet}' and ${ids}`;
}

function mysql(sql: string): string {
  return `mysql neutron -e "${sql}"`;
}

/** Network segments (the table is ml2_network_segments before Newton; a shell comment keeps it runnable). */
function segments(condition: string): string {
  return `${mysql(`select network_id, physical_network, segmentation_id from networksegments where ${condition}`)} # ml2_network_segments before Newton`;
}

const BACKUP = "mysqldump neutron ml2_vlan_allocations > ml2_vlan_allocations.backup.sql";

/** Allocation rows grouped by physnet (`undefined` for rows of a query that did not select it). */
function byPhysnet(rows: Allocation[]): Map<string | undefined, Allocation[]> {
  const out = new Map<string | undefined, Allocation[]>();
  for (const r of rows) out.set(r.physnet, [...(out.get(r.physnet) ?? []), r]);
  return out;
}

/** `VLAN 326`, `VLANs 319, 320`. */
const vlanWord = (vlans: number[]): string => `VLAN${vlans.length === 1 ? "" : "s"} ${vlans.join(", ")}`;

const vlanList = (rows: Allocation[]): number[] =>
  [...new Set(rows.map((r) => r.vlanId))].sort((a, b) => a - b);

/** Evidence refs without repeats (many networks or ports come from one file without lines). */
const distinct = (refs: EvidenceRef[]): EvidenceRef[] =>
  refs.filter((r, i) => refs.findIndex((x) => x.path === r.path && x.line === r.line) === i);

/** The allocation table's file, once: the model has no line per row. */
const tableRef = (rows: Allocation[]): EvidenceRef[] => (rows[0] ? [rows[0].evidence] : []);

const where = (physnet: string | undefined) =>
  physnet === undefined ? "ml2_vlan_allocations" : `ml2_vlan_allocations physnet ${physnet}`;

/**
 * Which networks use a row's VLAN. The join with networksegments (a `network_id` column) is the database's own
 * answer; otherwise the networks' provider attributes. Undefined when neither is in the snapshot.
 */
function usage(model: CloudModel): ((row: Allocation) => (Network | string)[]) | undefined {
  if (model.vlanAllocations.some((a) => a.networkId !== undefined)) {
    return (row) => (row.networkId === undefined ? [] : [row.networkId]);
  }
  const vlanNets = model.networks.filter((n) => n.networkType === "vlan" && n.segmentationId !== undefined);
  if (!model.networks.some((n) => n.networkType !== undefined)) return undefined;
  return (row) =>
    vlanNets.filter(
      (n) => n.segmentationId === row.vlanId && (row.physnet === undefined || n.physnet === row.physnet),
    );
}

const netName = (n: Network | string): string =>
  typeof n === "string" ? n : `${n.name} (${n.segmentationId ?? n.networkType})`;

const physnetUnmapped: Rule = {
  id: "neutron.physnet-unmapped",
  title: "A physnet ML2 offers is mapped to a bridge on no host",
  severity: "error",
  category: "neutron",
  faults: ["F02", "F41", "guide:mapping-physnet-vs-network"],
  doc: {
    checks:
      "Every physnet of `network_vlan_ranges` and `flat_networks` (controller) appears in the `bridge_mappings` of " +
      "at least one node of the snapshot.",
    why:
      "ML2 lets networks be created on such a physnet, but no Open vSwitch agent can wire them: every port binding " +
      'fails (binding_failed) and boots end in "No valid host was found" — the guide\'s unclear resource error.',
    fix:
      "Map the physnet on the nodes that carry it (`[ovs] bridge_mappings = <physnet>:<bridge>`, restart the agent), " +
      "or drop it from `network_vlan_ranges`/`flat_networks` and restart neutron-server.",
  },
  run({ model }) {
    const declared = declaredPhysnets(model);
    const mapped = mappings(model);
    if (declared === undefined || mapped.length === 0) return [];
    const collected = new Set(model.nodes.map((n) => n.name));
    const unseen = [
      ...new Set(
        model.agents
          .filter((a) => isOvsAgent(a) && a.host !== undefined && !collected.has(a.host))
          .map((a) => a.host as string),
      ),
    ];
    const out: Finding[] = [];
    for (const d of declared) {
      if (mapped.some((m) => m.physnets.some((p) => p.physnet === d.physnet))) continue;
      const group = `physnet-unmapped:${d.physnet}`;
      const nets = model.networks.filter((n) => n.physnet === d.physnet);
      const offered =
        d.kind === "flat"
          ? "flat networks"
          : d.ranges.length > 0
            ? `VLANs ${rangeText(d)}`
            : "provider VLAN networks";
      out.push(
        finding(physnetUnmapped, {
          node: d.node,
          object: `physnet ${d.physnet}`,
          title: `physnet ${d.physnet} is offered by ML2 but no host maps it in bridge_mappings`,
          explanation:
            `ML2 offers ${offered} on ${d.physnet}, but none of ${mapped.map((m) => m.node.name).join(", ")} has a ` +
            `bridge for it: every port of a network on ${d.physnet} fails to bind (binding_failed) and boots end in ` +
            `"No valid host was found"` +
            (unseen.length > 0
              ? `. Open vSwitch agents on ${unseen.join(", ")} are not in the snapshot: whether they map it is unknown.`
              : "."),
          evidence: [...(d.evidence ? [d.evidence] : []), ...mapped.map((m) => m.evidence)],
          fix: [
            "openstack network agent list --agent-type open-vswitch -c ID -c Host -c Alive",
            ...mapped.map(
              (m) =>
                `ssh ${m.node.name} crudini --set ${nodeFile(m.evidence)} ovs bridge_mappings ` +
                `${remapped(m.node, d.physnet)} && ssh ${m.node.name} systemctl restart neutron-openvswitch-agent`,
            ),
          ],
          group,
          root: true,
          ...(unseen.length > 0 ? { severity: "warning" as const } : {}),
        }),
      );
      for (const n of nets) {
        const failed = model.ports.filter((p) => p.networkId === n.id && p.vifType === "binding_failed");
        out.push(
          finding(physnetUnmapped, {
            object: `network ${n.name}`,
            title: `network ${n.name} cannot be bound on any host (physnet ${d.physnet} unmapped)`,
            explanation:
              `${n.name} is ${n.networkType ?? "a network"}${n.segmentationId !== undefined ? ` ${n.segmentationId}` : ""} ` +
              `on ${d.physnet}: no agent can plug its ports` +
              (failed.length > 0 ? `; already binding_failed: ${failed.map((p) => p.id).join(", ")}.` : "."),
            evidence: distinct([n, ...failed].flatMap((x) => (x.evidence ? [x.evidence] : []))),
            fix: [
              `openstack network show ${n.id} -c provider:physical_network -c provider:segmentation_id`,
              `openstack port list --network ${n.id} --long -c ID -c Status`,
            ],
            severity: "warning",
            group,
          }),
        );
      }
    }
    return out;
  },
};

const unknownPhysnet: Rule = {
  id: "neutron.vlan-allocation-unknown-physnet",
  title: "ml2_vlan_allocations has rows for a physnet network_vlan_ranges does not declare",
  severity: "warning",
  category: "neutron",
  faults: ["F41", "guide:mapping-physnet-vs-network"],
  doc: {
    checks: "Every `physical_network` of `ml2_vlan_allocations` is declared in `network_vlan_ranges`.",
    why:
      "neutron-server drops the free rows of an undeclared physnet when it starts: their presence means the range " +
      "was changed without a restart, or the server runs with another ml2_conf.ini than the one collected. Networks " +
      "still allocated on it keep working, but no new network can be created there.",
    fix: "Restart neutron-server to resync the table, or declare the physnet again if networks still use it.",
  },
  run({ model }) {
    const declared = declaredPhysnets(model);
    // Without a declared VLAN range the file that holds them was not collected: nothing to compare with.
    if (declared === undefined || !declared.some((d) => d.kind === "vlan")) return [];
    const names = new Set(declared.filter((d) => d.kind === "vlan").map((d) => d.physnet));
    const ranges = declared.find((d) => d.evidence !== undefined && d.kind === "vlan")?.evidence;
    const out: Finding[] = [];
    for (const [physnet, rows] of byPhysnet(model.vlanAllocations)) {
      if (physnet === undefined || names.has(physnet)) continue;
      const vlans = vlanList(rows);
      const used = vlanList(rows.filter((r) => r.allocated));
      const span = vlans.length === 1 ? `VLAN ${vlans[0]}` : `VLANs ${vlans[0]}-${vlans.at(-1)}`;
      out.push(
        finding(unknownPhysnet, {
          object: where(physnet),
          title: `ml2_vlan_allocations has rows for physnet ${physnet} (${span}), which network_vlan_ranges does not declare`,
          explanation:
            `${span} of ${physnet} in the table, but ${physnet} is not in network_vlan_ranges ` +
            `(${[...names].join(", ") || "none declared"}): stale rows after a range change` +
            (used.length > 0
              ? `; ${vlanWord(used)} still allocated to networks, which keep working but cannot be recreated.`
              : "; none is allocated, so a neutron-server restart removes them."),
          evidence: [...tableRef(rows), ...(ranges ? [ranges] : [])],
          fix: [
            mysql(`select * from ml2_vlan_allocations where physical_network='${physnet}' and allocated=1`),
            "grep -r network_vlan_ranges /etc/neutron/",
            "systemctl restart neutron-server",
          ],
        }),
      );
    }
    return out;
  },
};

const outsideRange: Rule = {
  id: "neutron.vlan-allocation-outside-range",
  title: "Free ml2_vlan_allocations rows outside network_vlan_ranges",
  severity: "warning",
  category: "neutron",
  faults: ["F41", "F04"],
  doc: {
    checks:
      "Rows with `allocated=0` have a VLAN id inside their physnet's `network_vlan_ranges` (rows outside the range " +
      "that are allocated belong to provider networks created with an explicit segment, which is normal).",
    why:
      "A free row outside the range can be handed to the next tenant network: a VLAN the switch trunk was never " +
      "configured for (F04), so that network's traffic is dropped by the switch.",
    fix: "Restart neutron-server: at start it deletes the free rows outside the ranges.",
  },
  run({ model }) {
    const declared = declaredPhysnets(model);
    if (declared === undefined) return [];
    const out: Finding[] = [];
    for (const [physnet, rows] of byPhysnet(model.vlanAllocations)) {
      const d = declared.find((x) => x.kind === "vlan" && x.physnet === physnet);
      if (d === undefined) continue;
      const stray = rows.filter((r) => !r.allocated && !inRange(d, r.vlanId));
      if (stray.length === 0) continue;
      const vlans = vlanList(stray);
      out.push(
        finding(outsideRange, {
          object: where(physnet),
          title: `free ${vlanWord(vlans)} of ${physnet} outside network_vlan_ranges (${rangeText(d)})`,
          explanation:
            `${vlanWord(vlans)}: free in the table but outside ${rangeText(d)}, so the next tenant network ` +
            `can get one of them, a VLAN the switch trunk is probably not configured for.`,
          evidence: [...tableRef(rows), ...(d.evidence ? [d.evidence] : [])],
          fix: [
            mysql(`select * from ml2_vlan_allocations where ${rowsWhere(physnet, vlans)}`),
            "systemctl restart neutron-server",
          ],
        }),
      );
    }
    return out;
  },
};

const inUseNotAllocated: Rule = {
  id: "neutron.vlan-in-use-not-allocated",
  title: "VLANs used by networks are marked free in ml2_vlan_allocations",
  severity: "error",
  category: "neutron",
  faults: ["F41", "guide:mapping-physnet-vs-network"],
  doc: {
    checks:
      "No row says `allocated=0` for a VLAN a network uses (its segmentation id, or the networksegments join).",
    why:
      "The next tenant network can be given that VLAN and share one broadcast domain with the existing network " +
      "(traffic leaks between them); the guide's own table shows every VLAN free although six are in use.",
    fix: "Back up the table, then set `allocated=1` on the rows of the VLANs in use.",
  },
  run({ model }) {
    const users = usage(model);
    if (users === undefined) return [];
    const out: Finding[] = [];
    for (const [physnet, rows] of byPhysnet(model.vlanAllocations)) {
      const wrong = rows.filter((r) => !r.allocated && users(r).length > 0);
      if (wrong.length === 0) continue;
      const vlans = vlanList(wrong);
      const nets = wrong.flatMap((r) => users(r));
      out.push(
        finding(inUseNotAllocated, {
          object: where(physnet),
          title: `${vlanWord(vlans)} in use but marked free (allocated=0)`,
          explanation:
            `Networks ${nets.map(netName).join(", ")} use these VLANs, but their rows say allocated=0: the next ` +
            `tenant network can be given one of them and share its broadcast domain with an existing network.`,
          evidence: distinct([
            ...tableRef(rows),
            ...nets.flatMap((n) => (typeof n !== "string" && n.evidence ? [n.evidence] : [])),
          ]),
          fix: [
            mysql(`select * from ml2_vlan_allocations where ${rowsWhere(physnet, vlans)}`),
            segments("network_type='vlan'"),
            BACKUP,
            mysql(`update ml2_vlan_allocations set allocated=1 where ${rowsWhere(physnet, vlans)}`),
          ],
        }),
      );
    }
    return out;
  },
};

const allocatedUnused: Rule = {
  id: "neutron.vlan-allocated-unused",
  title: "VLANs marked allocated that no network uses",
  severity: "warning",
  category: "neutron",
  faults: ["F41"],
  doc: {
    checks:
      "Every row with `allocated=1` belongs to a network (its segmentation id, or the networksegments join).",
    why:
      'Leaked VLANs shrink the tenant pool; once it is empty, network creation fails with "No tenant network is ' +
      'available for allocation" although VLANs are really free.',
    fix: "Back up the table, then set `allocated=0` on the leaked rows (or delete them if outside the range).",
  },
  run({ model }) {
    const users = usage(model);
    if (users === undefined) return [];
    const out: Finding[] = [];
    for (const [physnet, rows] of byPhysnet(model.vlanAllocations)) {
      const leaked = rows.filter((r) => r.allocated && users(r).length === 0);
      if (leaked.length === 0) continue;
      const vlans = vlanList(leaked);
      out.push(
        finding(allocatedUnused, {
          object: where(physnet),
          title: `${vlanWord(vlans)} marked allocated but used by no network`,
          explanation:
            `These rows say allocated=1 but no network segment uses the VLAN: they are lost to the tenant pool until ` +
            `the flag is reset.`,
          evidence: tableRef(rows),
          fix: [
            segments(`network_type='vlan' and segmentation_id in (${vlans.join(",")})`),
            BACKUP,
            mysql(`update ml2_vlan_allocations set allocated=0 where ${rowsWhere(physnet, vlans)}`),
          ],
        }),
      );
    }
    return out;
  },
};

export const neutronDbRules: Rule[] = [
  physnetUnmapped,
  unknownPhysnet,
  outsideRange,
  inUseNotAllocated,
  allocatedUnused,
];
