/**
 * The Open vSwitch chain of each node, as the guide walks it: the bridges `bridge_mappings` names exist and are
 * joined to br-int by their patch pair, br-int is secure and programmed, every agent-managed port carries a
 * local VLAN that is not the dead one, interfaces have no errors, tunnels exist where tunnelling is on, and
 * the OVS daemons run. The helpers exported here (which bridge is br-int, a port's Neutron network, the F02
 * and F19 group keys) are shared with the VLAN translation rules so both families group the same way.
 */

import { lineRef } from "../model/evidence.js";
import { classifyDevice, DEAD_VLAN, type DeviceRole } from "../model/naming.js";
import { EXCERPT_BRIDGE, resolvePort } from "../model/ovs.js";
import type {
  Bridge,
  CloudModel,
  EvidenceRef,
  ModelIssue,
  Network,
  NeutronPort,
  NodeModel,
  OvsPort,
} from "../model/types.js";
import type { Flow } from "../openflow/flow.js";
import { type Finding, finding, type Rule } from "./types.js";

// ---------------------------------------------------------------------------------------------------------
// Shared helpers (also used by vlan-translation.ts).

/** The integration bridge's name: `[ovs] integration_bridge`, br-int by default. */
export function intBridgeName(node: NodeModel): string {
  return node.config.options["ovs.integration_bridge"] ?? "br-int";
}

export function bridgeOf(node: NodeModel, name: string): Bridge | undefined {
  return node.bridges.find((b) => b.name === name);
}

/** True when the snapshot shows the node's bridges (not only an excerpt of `ovs-vsctl show`). */
export function hasOvsView(node: NodeModel): boolean {
  return node.bridges.some((b) => b.name !== EXCERPT_BRIDGE);
}

/** The Neutron port and network an OVS port belongs to, as far as the snapshot tells. */
export function neutronOf(
  model: CloudModel,
  p: OvsPort,
): { port?: NeutronPort | undefined; network?: Network | undefined } {
  const port = p.neutronPortId === undefined ? undefined : model.ports.find((x) => x.id === p.neutronPortId);
  const network =
    port?.networkId === undefined ? undefined : model.networks.find((n) => n.id === port.networkId);
  return { port, network };
}

/** Flat and VLAN networks (or any network with a physnet) reach the wire through a mapped bridge. */
export function usesPhysnet(net: Network): net is Network & { physnet: string } {
  return (
    net.physnet !== undefined && (net.networkType === undefined || ["vlan", "flat"].includes(net.networkType))
  );
}

/**
 * The agent's config was collected: an `[ovs]`, `[agent]` or `[securitygroup]` option was read, so an absent
 * `bridge_mappings` means "maps nothing" rather than "not collected".
 */
export function agentConfigKnown(node: NodeModel): boolean {
  return Object.keys(node.config.options).some((k) => /^(ovs|agent|securitygroup)\./.test(k));
}

/** The physnet has no bridge on this node although the agent config is known (fault F02). */
export function physnetUnmapped(node: NodeModel, physnet: string): boolean {
  return agentConfigKnown(node) && !node.config.bridgeMappings.some((m) => m.physnet === physnet);
}

/** Group key of F02's root cause: every consequence of an unmapped physnet on a node shares it. */
export function physnetGroup(node: string, physnet: string): string {
  return `physnet:${node}:${physnet}`;
}

/** Group key of a missing mapped bridge (the agent does not even start). */
export function bridgeGroup(node: string, bridge: string): string {
  return `bridge:${node}:${bridge}`;
}

/** Group key of F19's root cause (flows gone from secure bridges). */
export function flowsLostGroup(node: string): string {
  return `flows-lost:${node}`;
}

/**
 * br-int is fail_mode secure and its flow table is (almost) empty: ovs-vswitchd restarted and nobody
 * reprogrammed it (F19). Without the canary table 23 and with at most the NORMAL/drop pair, nothing is left
 * of the agent's pipeline.
 */
export function flowsLost(node: NodeModel): boolean {
  const br = bridgeOf(node, intBridgeName(node));
  if (!br?.flows || br.failMode !== "secure") return false;
  const flows = br.flows.flows;
  return flows.length === 0 || (flows.length <= 2 && !flows.some((f) => f.table === 23));
}

export function flowRef(path: string, flow: Flow): EvidenceRef {
  return lineRef({ path }, flow.line, flow.text);
}

/** Evidence list without repeats (several facts often sit on one line of one file). */
export function refs(...items: (EvidenceRef | undefined)[]): EvidenceRef[] {
  const seen = new Set<string>();
  const out: EvidenceRef[] = [];
  for (const r of items) {
    if (!r) continue;
    const k = `${r.path}:${r.line ?? ""}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}

/** The node's name as Neutron knows it matches a port's binding host (short names and FQDNs alike). */
export function hostMatches(node: NodeModel, host: string | undefined): boolean {
  if (host === undefined) return false;
  const short = (s: string) => s.split(".")[0];
  const names = [node.name, node.config.options["DEFAULT.host"]].filter((x): x is string => x !== undefined);
  return names.some((n) => n === host || short(n) === short(host));
}

/** A snapshot file copied from a node (`nodes/compute/files/etc/…`) → its path on the node (`/etc/…`). */
export function nodeFilePath(ref: EvidenceRef | undefined, fallback: string): string {
  const m = ref && /^nodes\/[^/]+\/files(\/.+)$/.exec(ref.path);
  return m?.[1] ?? fallback;
}

const AGENT_INI = "/etc/neutron/plugins/ml2/openvswitch_agent.ini";

/** Where the agent's options live on the node (the file `bridge_mappings` or any agent option came from). */
function agentIniPath(node: NodeModel): string {
  const ref =
    node.config.evidence["ovs.bridge_mappings"] ??
    Object.entries(node.config.evidence).find(([k]) => /^(ovs|agent)\./.test(k))?.[1];
  return nodeFilePath(ref, AGENT_INI);
}

export const RESTART_AGENT = "systemctl restart neutron-openvswitch-agent";

function ovsAgentOf(model: CloudModel, node: NodeModel) {
  return model.agents.find(
    (a) =>
      hostMatches(node, a.host) &&
      (a.binary === "neutron-openvswitch-agent" || /open vswitch/i.test(a.agentType ?? "")),
  );
}

function processOf(node: NodeModel, re: RegExp) {
  return node.processes?.find((p) => re.test(p.args));
}

const VSWITCHD = /(^|\/)ovs-vswitchd(\s|$)/;
const OVSDB_SERVER = /(^|\/)ovsdb-server(\s|:|$)/;
const OVS_AGENT = /neutron-openvswitch-agent/;

/** Ports the L2 agent wires itself and tags with the network's local VLAN on br-int. */
const AGENT_MANAGED: readonly DeviceRole[] = [
  "vm-tap",
  "hybrid-veth-ovs-side",
  "router-interface",
  "router-gateway",
  "ha",
  "dvr-fip-gateway",
  "dvr-snat",
];

/**
 * br-int's ports, plus those of an `ovs-vsctl show` excerpt whose bridge line was cut (tap/qvo/qr/ha ports
 * only live on br-int; qg-/fg- may sit on br-ex in older layouts, so an excerpt does not place them).
 */
function intPorts(node: NodeModel): { port: OvsPort; excerpt: boolean }[] {
  const out: { port: OvsPort; excerpt: boolean }[] = [];
  for (const p of bridgeOf(node, intBridgeName(node))?.ports ?? []) out.push({ port: p, excerpt: false });
  for (const p of bridgeOf(node, EXCERPT_BRIDGE)?.ports ?? [])
    if (p.role !== "router-gateway" && p.role !== "dvr-fip-gateway") out.push({ port: p, excerpt: true });
  return out;
}

/**
 * The agent's `priority=2,in_port=<port> actions=drop` flows: behind each patch port's translations, and for
 * every dead port. Returns each with the port it names (numbers resolved through the bridge's port map).
 */
export function inPortDrops(bridge: Bridge | undefined): { flow: Flow; port: string }[] {
  const out: { flow: Flow; port: string }[] = [];
  for (const flow of bridge?.flows?.flows ?? []) {
    if (flow.priority !== 2 || flow.actions.length !== 1 || flow.actions[0]!.kind !== "drop") continue;
    if (flow.match.length !== 1 || flow.match[0]!.name !== "in_port") continue;
    const port = resolvePort(bridge!, flow.match[0]!.value ?? "");
    if (port !== undefined) out.push({ flow, port });
  }
  return out;
}

/** What a port is for, in operator words: from Neutron's device_owner, else from the device name. */
function portKind(p: OvsPort, port: NeutronPort | undefined): string {
  const owner = port?.deviceOwner ?? "";
  if (owner.startsWith("compute:")) return "VM port";
  if (owner === "network:dhcp") return "DHCP port";
  if (owner.startsWith("network:router")) return "router port";
  const byRole: Partial<Record<DeviceRole, string>> = {
    "vm-tap": "VM or DHCP port",
    "hybrid-veth-ovs-side": "VM port",
    "router-interface": "router port",
    "router-gateway": "router gateway port",
    ha: "L3-HA port",
  };
  return byRole[p.role] ?? "port";
}

function bridgeLabel(p: OvsPort, excerpt: boolean): string {
  return excerpt ? `port ${p.name} (bridge not shown in the excerpt)` : `${p.bridge} port ${p.name}`;
}

// ---------------------------------------------------------------------------------------------------------
// F02: a network's physnet missing from the node's bridge_mappings.

const physnetNotMapped: Rule = {
  id: "ovs.physnet-not-mapped",
  title: "A network's physnet is not in bridge_mappings on a node that hosts its ports",
  severity: "critical",
  category: "ovs",
  faults: ["F02"],
  doc: {
    checks:
      "For every flat/VLAN network with ports on a node (OVS ports by iface-id, Neutron ports by binding host), its provider:physical_network is a key of that node's `[ovs] bridge_mappings`.",
    why: 'The OVS mechanism driver refuses to bind a port whose physnet the host\'s agent does not map: ports end binding_failed on the dead VLAN, no VLAN translation exists and boots fail with "Binding failed for port" / "No valid host was found".',
    fix: "Make the labels agree: `[ovs] bridge_mappings = <physnet>:<bridge>` in openvswitch_agent.ini on that node (or recreate the network on the mapped physnet), restart neutron-openvswitch-agent, then rebind the failed ports.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      if (!agentConfigKnown(node)) continue;
      const byPhysnet = new Map<string, { nets: Set<Network>; ovs: OvsPort[]; neutron: NeutronPort[] }>();
      const entry = (physnet: string) => {
        let e = byPhysnet.get(physnet);
        if (!e) {
          e = { nets: new Set(), ovs: [], neutron: [] };
          byPhysnet.set(physnet, e);
        }
        return e;
      };
      // Only br-int's ports need the physnet mapped: with the old `external_network_bridge` the L3 agent plugs
      // qg- straight into br-ex, outside the OVS agent, and its port's binding does not matter.
      const plugsGatewayItself = Boolean(node.config.options["DEFAULT.external_network_bridge"]);
      for (const { port: p } of intPorts(node)) {
        const { network } = neutronOf(model, p);
        if (network && usesPhysnet(network) && physnetUnmapped(node, network.physnet)) {
          const e = entry(network.physnet);
          e.nets.add(network);
          e.ovs.push(p);
        }
      }
      for (const port of model.ports) {
        if (!hostMatches(node, port.hostId)) continue;
        if (plugsGatewayItself && port.deviceOwner === "network:router_gateway") continue;
        const network = model.networks.find((n) => n.id === port.networkId);
        if (network && usesPhysnet(network) && physnetUnmapped(node, network.physnet)) {
          const e = entry(network.physnet);
          e.nets.add(network);
          e.neutron.push(port);
        }
      }
      const mapped = node.config.bridgeMappings;
      const usedPhysnets = new Set(model.networks.map((n) => n.physnet).filter((x) => x !== undefined));
      const unused = mapped.filter((m) => !usedPhysnets.has(m.physnet));
      const bmRef = node.config.evidence["ovs.bridge_mappings"];
      for (const [physnet, e] of byPhysnet) {
        const nets = [...e.nets];
        const failed = e.neutron.filter((p) => p.vifType === "binding_failed");
        const dead = e.ovs.filter((p) => p.tag === DEAD_VLAN);
        // The likely intended mapping: the one label no network uses (a rename), else the inventory's NIC.
        const nic = node.nics.find((n) => n.physnet === physnet && n.bridge !== undefined);
        const fixBridge = unused.length === 1 ? unused[0]!.bridge : nic?.bridge;
        const newMappings =
          fixBridge === undefined
            ? undefined
            : [
                ...mapped.filter((m) => m.bridge !== fixBridge).map((m) => `${m.physnet}:${m.bridge}`),
                `${physnet}:${fixBridge}`,
              ].join(",");
        const mappedText = mapped.length
          ? `maps only ${mapped.map((m) => `${m.physnet}:${m.bridge}`).join(", ")}`
          : "maps no physnet at all";
        const hint =
          unused.length > 0
            ? ` ${unused.map((m) => m.physnet).join(", ")} is used by no network: probably the same wire under another name.`
            : "";
        const ini = agentIniPath(node);
        out.push(
          finding(physnetNotMapped, {
            node: node.name,
            object: `physnet ${physnet}`,
            title: `physnet ${physnet} is not in bridge_mappings on ${node.name} (${mappedText})`,
            explanation:
              `${nets.map((n) => `${n.name}${n.segmentationId !== undefined ? ` (VLAN ${n.segmentationId})` : " (flat)"}`).join(", ")} ` +
              `${nets.length > 1 ? "are" : "is"} on physnet ${physnet}, but the OVS agent on ${node.name} ${mappedText}, so Neutron cannot bind ` +
              `${nets.length > 1 ? "their" : "its"} ports here: ` +
              `${[
                failed.length ? `${failed.length} port(s) binding_failed` : "",
                dead.length ? `${dead.length} port(s) on the dead VLAN 4095` : "",
                'no VLAN translation, boots on this host fail with "Binding failed for port"',
              ]
                .filter(Boolean)
                .join(", ")}.${hint}`,
            evidence: refs(
              bmRef,
              ...nets.map((n) => n.evidence),
              ...e.ovs.map((p) => p.evidence),
              ...e.neutron.map((p) => p.evidence),
            ),
            fix: [
              `openstack network show ${nets[0]!.name} -c provider:physical_network -c provider:segmentation_id`,
              `openstack network agent list --host ${node.name} --agent-type open-vswitch --long`,
              `grep -n bridge_mappings ${ini}`,
              ...(newMappings !== undefined
                ? [`crudini --set ${ini} ovs bridge_mappings ${newMappings}`]
                : [
                    `# add ${physnet}:<the bridge holding the ${physnet} NIC> to [ovs] bridge_mappings in ${ini}`,
                  ]),
              RESTART_AGENT,
              ...[...new Set([...failed.map((p) => p.id), ...e.ovs.map((p) => p.neutronPortId)])]
                .filter((id): id is string => id !== undefined)
                .map((id) => `openstack port show ${id} -c binding_vif_type -c binding_host_id -c status`),
            ],
            group: physnetGroup(node.name, physnet),
            root: true,
          }),
        );
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------
// F02/F09: the bridges the agent needs exist; a mapped bridge has its uplink NIC.

const mappedBridgeMissing: Rule = {
  id: "ovs.mapped-bridge-missing",
  title: "A bridge named in bridge_mappings (or br-int) does not exist",
  severity: "critical",
  category: "ovs",
  faults: ["F02", "F09"],
  doc: {
    checks: "Every bridge of `[ovs] bridge_mappings` and the integration bridge are in the node's OVSDB.",
    why: 'The agent refuses to start when a mapped bridge is missing ("Bridge br-em3 for physical network trunknet does not exist. Agent terminated!"); without br-int nothing on the node is wired.',
    fix: "`ovs-vsctl add-br <bridge>` and `ovs-vsctl add-port <bridge> <nic>` (persist it in the host network config), then restart neutron-openvswitch-agent.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      if (!hasOvsView(node)) continue;
      const intName = intBridgeName(node);
      const wanted = [
        ...(agentConfigKnown(node) ? [{ bridge: intName, physnet: undefined as string | undefined }] : []),
        ...node.config.bridgeMappings,
      ];
      for (const { bridge, physnet } of wanted) {
        if (bridgeOf(node, bridge)) continue;
        const nic = node.nics.find(
          (n) => n.bridge === bridge || (physnet !== undefined && n.physnet === physnet),
        );
        const bmRef = node.config.evidence["ovs.bridge_mappings"];
        const showRef = node.bridges.find((b) => b.name !== EXCERPT_BRIDGE)?.evidence;
        out.push(
          finding(mappedBridgeMissing, {
            node: node.name,
            object: `bridge ${bridge}`,
            title:
              physnet === undefined
                ? `integration bridge ${bridge} does not exist on ${node.name}`
                : `bridge ${bridge} (physnet ${physnet}) does not exist on ${node.name}`,
            explanation:
              physnet === undefined
                ? `Without ${bridge} no VM, DHCP or router port on ${node.name} is connected to anything; the agent creates it at start, so it has not run since OVS lost its database.`
                : `bridge_mappings maps ${physnet} to ${bridge}, which OVS does not have: the agent stops at start ("Bridge ${bridge} for physical network ${physnet} does not exist. Agent terminated!"), so no port on ${node.name} is wired and nothing reaches physnet ${physnet}.`,
            evidence: refs(
              physnet === undefined ? undefined : bmRef,
              showRef === undefined ? undefined : { path: showRef.path },
            ),
            fix: [
              "ovs-vsctl list-br",
              `ovs-vsctl add-br ${bridge}`,
              ...(physnet === undefined
                ? []
                : [
                    nic
                      ? `ovs-vsctl add-port ${bridge} ${nic.name}`
                      : `# ovs-vsctl add-port ${bridge} <the NIC that carries physnet ${physnet}>`,
                  ]),
              RESTART_AGENT,
            ],
            group: bridgeGroup(node.name, bridge),
            root: true,
          }),
        );
      }
    }
    return out;
  },
};

/** A physnet carries traffic on this node: the agent provisioned a translation for it or a port uses it. */
function physnetInUse(model: CloudModel, node: NodeModel, physnet: string): boolean {
  if (node.vlanTranslations.some((t) => t.physnet === physnet)) return true;
  return (bridgeOf(node, intBridgeName(node))?.ports ?? []).some(
    (p) => neutronOf(model, p).network?.physnet === physnet,
  );
}

const UPLINK_TYPES = new Set(["", "system", "dpdk"]);

/** The ports that lead off the host: not the bridge's own internal port, not a patch or veth to br-int. */
export function uplinksOf(br: Bridge): OvsPort[] {
  return br.ports.filter(
    (p) =>
      p.name !== br.name &&
      p.type !== "internal" &&
      p.role !== "patch-phy" &&
      p.role !== "patch-int" &&
      UPLINK_TYPES.has(p.type),
  );
}

const providerBridgeNoUplink: Rule = {
  id: "ovs.provider-bridge-no-uplink",
  title: "A mapped provider bridge has no physical NIC",
  severity: "error",
  category: "ovs",
  faults: ["F09"],
  doc: {
    checks:
      "Every bridge of `bridge_mappings` holds a port other than its own internal port and the phy- patch: the NIC (or bond) that carries the physnet.",
    why: "VMs on the node reach each other but nothing off the host on that physnet: the translated frames have no way out (`ovs-vsctl list-ports br-em3` shows only phy-br-em3).",
    fix: "`ovs-vsctl add-port <bridge> <nic>` and make it persistent in the host network config; `ip link set <nic> up`.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      for (const { physnet, bridge } of node.config.bridgeMappings) {
        const br = bridgeOf(node, bridge);
        if (!br) continue;
        const uplinks = uplinksOf(br);
        if (uplinks.length > 0) continue;
        // All-in-one labs route the external network through the bridge's own address (devstack style).
        const own = node.links.find((l) => l.name === br.name);
        const ownAddr = own?.addresses.find((a) => a.family === "inet");
        const hostRouted = ownAddr !== undefined;
        const inUse = physnetInUse(model, node, physnet);
        const severity = inUse && !hostRouted && node.links.length > 0 ? "error" : "info";
        const nic = node.nics.find((n) => n.bridge === bridge || n.physnet === physnet);
        out.push(
          finding(providerBridgeNoUplink, {
            node: node.name,
            object: `bridge ${bridge}`,
            severity,
            title: `${bridge} (physnet ${physnet}) has no physical NIC on ${node.name}`,
            explanation: hostRouted
              ? `${bridge} holds only its internal port and the patch to br-int; its own address ${ownAddr!.cidr} suggests the host routes physnet ${physnet} itself (all-in-one style), so this may be intended.`
              : inUse
                ? `Networks on physnet ${physnet} are wired on ${node.name}, but ${bridge} holds only its internal port and the patch to br-int: their frames never leave the host${node.links.length === 0 ? " (unknown whether the host routes them through the bridge's own address: no `ip addr` in the snapshot)" : ""}.`
                : `${bridge} holds only its internal port and the patch to br-int; no network on physnet ${physnet} is wired on ${node.name} yet, so nothing is lost now, but the first one will not reach the wire.`,
            evidence: refs(br.evidence, node.config.evidence["ovs.bridge_mappings"], own?.evidence),
            fix: [
              `ovs-vsctl list-ports ${bridge}`,
              nic
                ? `ovs-vsctl add-port ${bridge} ${nic.name}`
                : `# ovs-vsctl add-port ${bridge} <the NIC cabled to physnet ${physnet}>`,
              ...(nic ? [`ip link set ${nic.name} up`] : []),
            ],
          }),
        );
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------
// F37: fail modes.

/**
 * Whether this agent sets mapped bridges secure: br-int's table 60 (TRANSIENT_TABLE) dates it Pike or later,
 * and Newton already did (the Newton all-in-one fixture's br-ex is secure); Juno left them standalone.
 */
function agentSetsPhysSecure(node: NodeModel, except: string): boolean {
  const brInt = bridgeOf(node, intBridgeName(node));
  if (brInt?.flows?.flows.some((f) => f.table === 60)) return true;
  return node.config.bridgeMappings.some(
    (m) => m.bridge !== except && bridgeOf(node, m.bridge)?.failMode === "secure",
  );
}

const failMode: Rule = {
  id: "ovs.fail-mode",
  title: "br-int (or a mapped bridge) is not in fail_mode secure",
  severity: "error",
  category: "ovs",
  faults: ["F37"],
  doc: {
    checks:
      "br-int has `fail_mode: secure`; a mapped physical bridge is secure when the agent is of a release that sets it (br-int has table 60, or the node's other mapped bridges are secure).",
    why: "A standalone br-int floods with NORMAL whenever its flows are gone or incomplete: no isolation between networks, and the agent's flows may be mixed with the fail-open behaviour (someone re-created the bridge by hand).",
    fix: "`ovs-vsctl set-fail-mode br-int secure` and restart neutron-openvswitch-agent (it also sets secure on mapped physical bridges); never pre-create br-int with other settings.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const brInt = bridgeOf(node, intBridgeName(node));
      if (brInt && brInt.failMode !== "secure") {
        out.push(
          finding(failMode, {
            node: node.name,
            object: `bridge ${brInt.name}`,
            title: `${brInt.name} fail_mode is ${brInt.failMode ?? "standalone (unset)"} on ${node.name}`,
            explanation: `${brInt.name} is not secure: whenever its flows are missing it acts as a plain learning switch, so ports of different networks (and the dead VLAN) see each other's traffic; the bridge was probably re-created by hand.`,
            evidence: [brInt.evidence],
            fix: [
              `ovs-vsctl get-fail-mode ${brInt.name}`,
              `ovs-vsctl set-fail-mode ${brInt.name} secure`,
              RESTART_AGENT,
            ],
          }),
        );
      }
      for (const { bridge } of node.config.bridgeMappings) {
        const br = bridgeOf(node, bridge);
        if (!br || br.failMode === "secure" || !agentSetsPhysSecure(node, bridge)) continue;
        out.push(
          finding(failMode, {
            node: node.name,
            object: `bridge ${bridge}`,
            severity: "warning",
            title: `${bridge} fail_mode is ${br.failMode ?? "standalone (unset)"} on ${node.name}, the agent sets it secure`,
            explanation: `This agent release sets mapped bridges secure at start, so ${bridge} was re-created or reset after it: while its flows are missing it forwards everything with NORMAL, which can bridge the physnet to other segments (loops, F43).`,
            evidence: [br.evidence],
            fix: [
              `ovs-vsctl get-fail-mode ${bridge}`,
              `ovs-vsctl set-fail-mode ${bridge} secure`,
              RESTART_AGENT,
            ],
          }),
        );
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------
// F36: patch pairs.

const patchPeer: Rule = {
  id: "ovs.patch-peer",
  title: "Patch pair between br-int and a bridge is missing or crossed",
  severity: "error",
  category: "ovs",
  faults: ["F36"],
  doc: {
    checks:
      "Every patch port's peer exists and points back (int-br-X ⇄ phy-br-X, int-br-ex ⇄ phy-br-ex, patch-tun ⇄ patch-int); every mapped bridge is joined to br-int by such a pair (or, in veth-era setups, both veth ends are OVS ports).",
    why: "All VLAN traffic of the host stops at br-int: a placeholder peer (`nonexistent-peer`) left by an agent that died during setup, a peer naming a port that does not exist, or a half-applied bridge mapping.",
    fix: "`ovs-vsctl set Interface int-br-X options:peer=phy-br-X` and vice versa, or restart the agent, which re-creates the pair.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const intName = intBridgeName(node);
      const all = node.bridges.filter((b) => b.name !== EXCERPT_BRIDGE).flatMap((b) => b.ports);
      // A broken pair is reported once, from whichever end is met first.
      const reported = new Set<string>();
      const report = (a: OvsPort, title: string, explanation: string, b?: OvsPort) => {
        if (reported.has(a.name)) return;
        reported.add(a.name);
        if (b) reported.add(b.name);
        const far =
          a.bridge !== intName ? a.bridge : (b?.bridge ?? classifyDevice(a.name).peerBridge ?? a.bridge);
        out.push(
          finding(patchPeer, {
            node: node.name,
            object: `${a.bridge} port ${a.name}`,
            title,
            explanation,
            evidence: refs(a.evidence, b?.evidence),
            fix: [
              `ovs-vsctl get Interface ${a.name} options:peer`,
              ...(b
                ? [
                    `ovs-vsctl get Interface ${b.name} options:peer`,
                    `ovs-vsctl set Interface ${a.name} options:peer=${b.name}`,
                    `ovs-vsctl set Interface ${b.name} options:peer=${a.name}`,
                  ]
                : []),
              RESTART_AGENT,
            ],
            group: `patch:${node.name}:${far}`,
            root: true,
          }),
        );
      };
      // Ports with a placeholder or no peer first: they are the broken end, their partner only points at them.
      const placeholder = (p: OvsPort) =>
        p.peer === undefined || p.peer === "nonexistent-peer" || /no usable peer/i.test(p.error ?? "");
      const patches = all
        .filter((p) => p.type === "patch")
        .sort((a, b) => Number(placeholder(b)) - Number(placeholder(a)));
      for (const p of patches) {
        const peer = p.peer === undefined ? undefined : all.find((q) => q.name === p.peer);
        const effect = `traffic between ${p.bridge} and the bridge behind it is cut: every network that crosses this patch is dead on ${node.name}.`;
        if (placeholder(p)) {
          report(
            p,
            `${p.bridge} patch port ${p.name} has ${p.peer === undefined ? "no peer" : `peer ${p.peer}`}${p.error ? ` (${p.error})` : ""}`,
            `The agent creates patch pairs with a placeholder peer and sets the real one once its drop flows are in; ${p.name} still has ${p.peer ?? "none"}, so the agent died in between or someone edited it: ${effect}`,
            all.find((q) => q.type === "patch" && q.peer === p.name),
          );
        } else if (!peer) {
          report(
            p,
            `${p.bridge} patch port ${p.name} points at ${p.peer}, which does not exist`,
            `No port named ${p.peer} is on any bridge: ${effect}`,
          );
        } else if (peer.type !== "patch" || peer.peer !== p.name) {
          report(
            p,
            `${p.name} → ${peer.name} is not paired back (${peer.name} ${peer.type !== "patch" ? `is of type ${peer.type || "system"}` : `points at ${peer.peer ?? "nothing"}`})`,
            `A patch link needs both ends pointing at each other; ${peer.name} on ${peer.bridge} does not point at ${p.name}: ${effect}`,
            peer,
          );
        } else if (peer.bridge === p.bridge) {
          report(
            p,
            `${p.name} and ${peer.name} are patched within ${p.bridge}`,
            `Both ends sit on ${p.bridge}, so the pair joins the bridge to itself and nothing reaches the other bridge: ${effect}`,
            peer,
          );
        }
      }
      // Each mapped bridge must be joined to br-int: a patch pair, or (veth era) both veth ends as OVS ports.
      const brInt = bridgeOf(node, intName);
      if (!brInt) continue;
      for (const { physnet, bridge } of node.config.bridgeMappings) {
        const br = bridgeOf(node, bridge);
        if (!br) continue;
        const intSide =
          brInt.ports.find((p) => p.name === `int-${bridge}`) ??
          brInt.ports.find((p) => p.type === "patch" && br.ports.some((q) => q.name === p.peer));
        const phySide =
          br.ports.find((p) => p.name === `phy-${bridge}`) ??
          br.ports.find((p) => p.type === "patch" && brInt.ports.some((q) => q.name === p.peer));
        if (
          (intSide && phySide) ||
          (intSide && reported.has(intSide.name)) ||
          (phySide && reported.has(phySide.name))
        )
          continue;
        const missing = intSide
          ? `phy-${bridge} on ${bridge}`
          : phySide
            ? `int-${bridge} on ${brInt.name}`
            : `int-${bridge} and phy-${bridge}`;
        out.push(
          finding(patchPeer, {
            node: node.name,
            object: `bridge ${bridge}`,
            title: `${bridge} is not joined to ${brInt.name}: ${missing} missing (${node.name})`,
            explanation: `bridge_mappings maps ${physnet} to ${bridge}, but the link between ${brInt.name} and ${bridge} is incomplete (${missing} missing), so no frame of physnet ${physnet} crosses between them on ${node.name}.`,
            evidence: refs(
              (intSide ?? phySide)?.evidence ?? br.evidence,
              node.config.evidence["ovs.bridge_mappings"],
            ),
            fix: [`ovs-vsctl list-ports ${brInt.name}`, `ovs-vsctl list-ports ${bridge}`, RESTART_AGENT],
            group: `patch:${node.name}:${bridge}`,
            root: true,
          }),
        );
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------
// F11 / F38: port tags on br-int.

/** Why the agent may not have wired a port, from what Neutron and the agent list say. */
function bindingStory(
  model: CloudModel,
  node: NodeModel,
  p: OvsPort,
): { text: string; port?: NeutronPort | undefined; orphan: boolean; group?: string } {
  const { port, network } = neutronOf(model, p);
  const agent = ovsAgentOf(model, node);
  const agentDown = agent?.alive === false ? ` The OVS agent on ${node.name} is reported dead (F06).` : "";
  if (!port) {
    const stem = classifyDevice(p.name).portStem;
    const id = p.neutronPortId ?? (stem === undefined ? `for ${p.name}` : `${stem}…`);
    if (model.ports.length > 0)
      return {
        text: `No Neutron port ${id} exists: a leftover of a deleted VM or port that nobody unplugged.${agentDown}`,
        orphan: true,
      };
    return { text: `The Neutron port is unknown (no port list in the snapshot).${agentDown}`, orphan: false };
  }
  const parts: string[] = [];
  if (port.vifType === "binding_failed")
    parts.push(`Neutron port ${port.id} is binding_failed${port.hostId ? ` on host ${port.hostId}` : ""}`);
  else if (port.vifType !== undefined) parts.push(`Neutron port ${port.id} has vif_type ${port.vifType}`);
  if (port.status !== undefined) parts.push(`status ${port.status}`);
  let group: string | undefined;
  if (network && usesPhysnet(network) && physnetUnmapped(node, network.physnet)) {
    parts.push(
      `its network ${network.name} is on physnet ${network.physnet}, which ${node.name} does not map (F02)`,
    );
    group = physnetGroup(node.name, network.physnet);
  }
  return {
    text: `${parts.join(", ")}.${agentDown}`,
    port,
    orphan: false,
    ...(group !== undefined ? { group } : {}),
  };
}

const deadVlanPort: Rule = {
  id: "ovs.dead-vlan-port",
  title: "Port parked on the dead VLAN 4095",
  severity: "error",
  category: "ovs",
  faults: ["F11", "F02"],
  doc: {
    checks:
      "No port on br-int has `tag: 4095` (or `vlan_mode=trunk trunks=[4095]`, how newer agents park not-yet-wired ports).",
    why: "The agent parks a port there (plus a `priority=2,in_port=<port> actions=drop` flow) when it could not bind it: binding failed, network not mapped on this host, port unknown to the server (orphan) or administratively down. That VM, DHCP or router port has no connectivity at all.",
    fix: "Cure the binding cause (F02/F06/F26) and restart the agent, `openstack port set --enable <id>` for a disabled port, or delete an orphan with `ovs-vsctl del-port br-int <port>` after confirming no Neutron port exists.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const brInt = bridgeOf(node, intBridgeName(node));
      for (const { port: p, excerpt } of intPorts(node)) {
        const parked = p.tag === DEAD_VLAN || (p.vlanMode === "trunk" && p.trunks.includes(DEAD_VLAN));
        if (!parked) continue;
        const story = bindingStory(model, node, p);
        const drop = excerpt ? undefined : inPortDrops(brInt).find((d) => d.port === p.name)?.flow;
        const id = story.port?.id ?? p.neutronPortId;
        out.push(
          finding(deadVlanPort, {
            node: node.name,
            object: bridgeLabel(p, excerpt),
            title: `${p.name} is on the dead VLAN 4095 on ${node.name}`,
            explanation: `The agent did not wire ${p.name}: it drops every frame to and from it, so this ${portKind(p, story.port)} has no connectivity (normal only for a few seconds after plugging). ${story.text}`,
            evidence: refs(
              p.evidence,
              drop && brInt?.flows ? flowRef(brInt.flows.path, drop) : undefined,
              story.port?.evidence,
            ),
            fix: [
              `ovs-vsctl get Port ${p.name} tag`,
              ...(id !== undefined
                ? [
                    `openstack port show ${id} -c status -c admin_state_up -c binding_vif_type -c binding_host_id`,
                  ]
                : [`ovs-vsctl get Interface ${p.name} external_ids:iface-id`]),
              ...(story.orphan ? [`ovs-vsctl del-port ${excerpt ? "" : `${p.bridge} `}${p.name}`] : []),
              `grep ${id ?? p.name} /var/log/neutron/neutron-openvswitch-agent.log | tail`,
              ...(story.orphan ? [] : [RESTART_AGENT]),
            ],
            ...(story.group !== undefined ? { group: story.group } : {}),
          }),
        );
      }
    }
    return out;
  },
};

const untaggedAgentPort: Rule = {
  id: "ovs.untagged-agent-port",
  title: "Agent-managed port on br-int without a VLAN tag",
  severity: "error",
  category: "ovs",
  faults: ["F38"],
  doc: {
    checks: "Every tap/qvo/qr/qg/ha/fg/sg port on br-int has a `tag:` (or vlan_mode/trunks).",
    why: "An untagged port on br-int is a trunk for NORMAL switching: it is on no network (its DHCP fails) and sees the tagged traffic of all of them. The agent never processed it: plugged while the agent was down, tag lost, or an orphan of a deleted VM.",
    fix: "Restart the agent (it re-processes every port), or delete the orphan with `ovs-vsctl del-port br-int <port>`.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      for (const { port: p, excerpt } of intPorts(node)) {
        if (
          !AGENT_MANAGED.includes(p.role) ||
          p.tag !== undefined ||
          p.trunks.length > 0 ||
          p.vlanMode !== undefined
        )
          continue;
        const story = bindingStory(model, node, p);
        const id = story.port?.id ?? p.neutronPortId;
        out.push(
          finding(untaggedAgentPort, {
            node: node.name,
            object: bridgeLabel(p, excerpt),
            title: `${p.name} has no VLAN tag on ${excerpt ? "br-int" : p.bridge} (${node.name})`,
            explanation: `The agent never processed ${p.name}: without a local VLAN it is on no network (DHCP and everything else fails for it) and, as a trunk, receives the other networks' tagged broadcasts. ${story.text}`,
            evidence: refs(p.evidence, story.port?.evidence),
            fix: [
              `ovs-vsctl get Port ${p.name} tag`,
              ...(id !== undefined
                ? [`openstack port show ${id} -c status -c binding_vif_type -c binding_host_id`]
                : [`ovs-vsctl get Interface ${p.name} external_ids:iface-id`]),
              story.orphan ? `ovs-vsctl del-port ${excerpt ? "" : `${p.bridge} `}${p.name}` : RESTART_AGENT,
            ],
            ...(story.group !== undefined ? { group: story.group } : {}),
          }),
        );
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------
// F31 / F21: interface errors.

const interfaceError: Rule = {
  id: "ovs.interface-error",
  title: "OVS interface with an error (device gone, tunnel not created)",
  severity: "warning",
  category: "ovs",
  faults: ["F31", "F21", "F42"],
  doc: {
    checks:
      "No OVS interface has an `error:` column or ofport -1 (patch ports are judged by ovs.patch-peer).",
    why: "`could not open network device tapX (No such device)` is a stale port whose kernel device is gone (failed delete, VM gone): harmless alone but it churns ofports and slows the agent; on a tunnel port it means the tunnel does not exist.",
    fix: "Confirm the VM/port is gone (`openstack port show <iface-id>`), then `ovs-vsctl del-port <bridge> <port>`; for a tunnel port fix local_ip/remote_ip and restart the agent.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      for (const b of node.bridges) {
        for (const p of b.ports) {
          if (p.type === "patch" || (p.error === undefined && p.ofport !== -1)) continue;
          const { port } = neutronOf(model, p);
          const tunnel = p.role === "tunnel" || ["vxlan", "gre", "geneve", "stt"].includes(p.type);
          const liveHere = port !== undefined && hostMatches(node, port.hostId) && port.status === "ACTIVE";
          const excerpt = b.name === EXCERPT_BRIDGE;
          out.push(
            finding(interfaceError, {
              node: node.name,
              object: bridgeLabel(p, excerpt),
              severity: tunnel || liveHere ? "error" : "warning",
              title: `${p.name}: ${p.error ?? "ofport -1"} (${node.name})`,
              explanation: tunnel
                ? `The tunnel port ${p.name} could not be created, so ${node.name} exchanges no overlay traffic with that peer (F21).`
                : liveHere
                  ? `Neutron still has port ${port!.id} ACTIVE on ${node.name}, but OVS cannot open its device: the VM or namespace behind it lost its interface.`
                  : `OVS keeps a port whose kernel device is gone (a stale port after a failed delete); it carries no traffic and makes the agent retry it on every loop${port ? "" : p.neutronPortId ? `; Neutron port ${p.neutronPortId} is unknown to the snapshot` : ""}.`,
              evidence: refs(p.evidence, port?.evidence),
              fix: [
                `ovs-vsctl get Interface ${p.name} ofport error`,
                `ip link show ${p.name}`,
                p.neutronPortId !== undefined
                  ? `openstack port show ${p.neutronPortId} -c status -c binding_host_id -c device_id`
                  : `ovs-vsctl get Interface ${p.name} external_ids`,
                tunnel ? RESTART_AGENT : `ovs-vsctl del-port ${excerpt ? "" : `${b.name} `}${p.name}`,
              ],
            }),
          );
        }
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------
// F19: flows gone from secure bridges.

const flowsMissing: Rule = {
  id: "ovs.flows-missing",
  title: "Secure bridge with no flows: ovs-vswitchd restarted and the agent did not reprogram it",
  severity: "critical",
  category: "ovs",
  faults: ["F19", "F37"],
  doc: {
    checks:
      "br-int in fail_mode secure has the agent's pipeline (the canary table 23 and more than a couple of flows); mapped bridges and br-tun in fail_mode secure are not empty.",
    why: "OpenFlow flows do not survive an ovs-vswitchd restart; a secure bridge with no flows drops everything, so the whole host loses connectivity until the agent reprograms it (an agent that missed the restart never does).",
    fix: "Restart neutron-openvswitch-agent after any OVS restart (order the units so the agent follows openvswitch).",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const brInt = bridgeOf(node, intBridgeName(node));
      const lost = flowsLost(node);
      const vswitchd = processOf(node, VSWITCHD);
      const agent = processOf(node, OVS_AGENT);
      const restartedAfter =
        vswitchd?.elapsed !== undefined && agent?.elapsed !== undefined && vswitchd.elapsed < agent.elapsed;
      const why = restartedAfter
        ? ` ovs-vswitchd started ${vswitchd!.elapsed} s ago, after neutron-openvswitch-agent (${agent!.elapsed} s).`
        : node.processes && !agent
          ? " neutron-openvswitch-agent is not running, so nothing will reprogram it."
          : "";
      const procRefs = restartedAfter ? [vswitchd!.evidence, agent!.evidence] : [];
      if (brInt?.flows && lost) {
        out.push(
          finding(flowsMissing, {
            node: node.name,
            object: `bridge ${brInt.name}`,
            title: `${brInt.name} is secure and has ${brInt.flows.flows.length} flow(s), no canary table 23 (${node.name})`,
            explanation: `${brInt.name}'s flows are gone while it is fail_mode secure, so it drops every frame: all ports of all networks on ${node.name} are cut off. ovs-vswitchd was restarted (or the host rebooted) and the agent has not reprogrammed the bridge.${why}`,
            evidence: refs(
              brInt.evidence,
              brInt.flows.flows[0]
                ? flowRef(brInt.flows.path, brInt.flows.flows[0])
                : { path: brInt.flows.path },
              ...procRefs,
            ),
            fix: [
              `ovs-ofctl dump-flows ${brInt.name} table=23`,
              `ovs-ofctl dump-flows ${brInt.name} | wc -l`,
              `ovs-vsctl get-fail-mode ${brInt.name}`,
              "ps -o pid,etimes,args -C ovs-vswitchd,neutron-openvswitch-agent",
              RESTART_AGENT,
            ],
            group: flowsLostGroup(node.name),
            root: true,
          }),
        );
      } else if (
        brInt?.flows &&
        brInt.failMode === "secure" &&
        !brInt.flows.flows.some((f) => f.table === 23)
      ) {
        out.push(
          finding(flowsMissing, {
            node: node.name,
            object: `bridge ${brInt.name}`,
            severity: "info",
            title: `${brInt.name} has no canary table 23 (${node.name})`,
            explanation: `The agent (Juno and later) keeps one \`table=23 priority=0 actions=drop\` flow to notice OVS restarts; it is missing while the other ${brInt.flows.flows.length} flows are present: an agent older than Juno, or an OVS restart during the agent's reprogramming.`,
            evidence: [{ path: brInt.flows.path }],
            fix: [`ovs-ofctl dump-flows ${brInt.name} table=23`],
          }),
        );
      }
      const secondary = [
        ...node.config.bridgeMappings.map((m) => m.bridge),
        ...(node.config.options["agent.tunnel_types"] ? ["br-tun"] : []),
      ];
      for (const name of secondary) {
        const br = bridgeOf(node, name);
        if (!br?.flows || br.failMode !== "secure" || br.flows.flows.length > 0) continue;
        out.push(
          finding(flowsMissing, {
            node: node.name,
            object: `bridge ${name}`,
            severity: "error",
            title: `${name} is secure and has no flows (${node.name})`,
            explanation: `${name} is fail_mode secure with an empty flow table, so it drops everything: ${name === "br-tun" ? "no overlay traffic" : "nothing of its physnet"} leaves or enters ${node.name}.${lost ? "" : why}`,
            evidence: refs(br.evidence, { path: br.flows.path }, ...(lost ? [] : procRefs)),
            fix: [`ovs-ofctl dump-flows ${name}`, `ovs-vsctl get-fail-mode ${name}`, RESTART_AGENT],
            group: flowsLostGroup(node.name),
            ...(lost ? {} : { root: true }),
          }),
        );
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------
// F20: flows under an old cookie.

/** Flows learned by `learn()` (hard_timeout) are not the agent's own installs; cookie 0 is OVS's or pre-Kilo. */
function agentFlows(flows: readonly Flow[]): Flow[] {
  return flows.filter((f) => !/^0x0+$/.test(f.cookie) && !f.info.some((i) => i.name === "hard_timeout"));
}

const staleCookies: Rule = {
  id: "ovs.stale-cookies",
  title: "Flows carry an older cookie than the agent's current one",
  severity: "warning",
  category: "ovs",
  faults: ["F20"],
  doc: {
    checks:
      "Each bridge's agent flows (cookie not 0, not learned) carry one cookie; a second cookie whose flows are all older than every flow of the current one is the previous agent run's.",
    why: "On restart the agent re-installs its flows under a new cookie and deletes the others at the end of its first loop; until then (or when it stalls) old flows linger, and l2pop tunnel flows the server did not resend are lost: cross-host traffic breaks. Agent extensions (QoS, logging, SFC) own extra cookies of their own, which is normal.",
    fix: "Restart the agent again or trigger port updates; on releases before Stein raise `agent_boot_time`; upgrade to releases with the restart state transfer.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      for (const br of node.bridges) {
        if (!br.flows) continue;
        const byCookie = new Map<string, Flow[]>();
        for (const f of agentFlows(br.flows.flows))
          byCookie.set(f.cookie, [...(byCookie.get(f.cookie) ?? []), f]);
        if (byCookie.size < 2) continue;
        const ranked = [...byCookie.entries()].sort((a, b) => b[1].length - a[1].length);
        const [current, currentFlows] = ranked[0]!;
        const ages = (fs: Flow[]) => fs.map((f) => f.duration).filter((d): d is number => d !== undefined);
        const newestRun = Math.max(...ages(currentFlows));
        // Without every flow's age the previous run cannot be told from an extension's cookie.
        const dated = ages(currentFlows).length === currentFlows.length;
        const stale = ranked
          .slice(1)
          .filter(([, fs]) => dated && ages(fs).length === fs.length && Math.min(...ages(fs)) > newestRun);
        const path = br.flows.path;
        if (stale.length > 0) {
          const staleFlows = stale.flatMap(([, fs]) => fs);
          out.push(
            finding(staleCookies, {
              node: node.name,
              object: `bridge ${br.name}`,
              title: `${staleFlows.length} flow(s) on ${br.name} carry cookie ${stale.map(([c]) => c).join(", ")}, older than the agent's ${current} (${node.name})`,
              explanation: `Every flow of the current cookie ${current} is younger than ${Math.round(newestRun)} s, every flow of ${stale.map(([c]) => c).join(", ")} older: the agent restarted and has not (yet) cleaned the previous run's flows. When it does, flows it did not re-learn (l2pop unicast/flood to other hosts) disappear and cross-host traffic breaks.`,
              evidence: refs(
                flowRef(path, currentFlows[0]!),
                ...staleFlows.slice(0, 3).map((f) => flowRef(path, f)),
              ),
              fix: [
                `ovs-ofctl dump-flows ${br.name} | awk '{print $1}' | sort | uniq -c`,
                ...(br.name === "br-tun" ? [`ovs-ofctl dump-flows ${br.name} table=22`] : []),
                "grep -i 'stale' /var/log/neutron/neutron-openvswitch-agent.log | tail",
                RESTART_AGENT,
              ],
            }),
          );
        } else {
          out.push(
            finding(staleCookies, {
              node: node.name,
              object: `bridge ${br.name}`,
              severity: "info",
              title: `${br.name} has flows under ${byCookie.size} cookies (${node.name})`,
              explanation: `Cookies ${ranked.map(([c, fs]) => `${c} (${fs.length})`).join(", ")}: their ages overlap, which is what agent extensions (QoS, logging, SFC) with cookies of their own look like, not a restart leftover.`,
              evidence: ranked.map(([, fs]) => flowRef(path, fs[0]!)),
              fix: [`ovs-ofctl dump-flows ${br.name} | awk '{print $1}' | sort | uniq -c`],
            }),
          );
        }
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------
// F21: tunnelling enabled but no tunnel.

/** Other hosts that run an OVS agent: from the snapshot's nodes with tunnelling, else the agent list. */
function tunnelPeers(model: CloudModel, node: NodeModel): string[] {
  const fromNodes = model.nodes
    .filter((n) => n !== node && n.config.options["agent.tunnel_types"])
    .map((n) => n.name);
  const fromAgents = model.agents
    .filter(
      (a) =>
        a.host !== undefined &&
        !hostMatches(node, a.host) &&
        (a.binary === "neutron-openvswitch-agent" || /open vswitch/i.test(a.agentType ?? "")),
    )
    .map((a) => a.host!);
  return [...new Set([...fromNodes, ...fromAgents])];
}

const tunnelPortsMissing: Rule = {
  id: "ovs.tunnel-ports-missing",
  title: "Tunnelling enabled but br-tun has no tunnel port",
  severity: "error",
  category: "ovs",
  faults: ["F21"],
  doc: {
    checks:
      "When `[agent] tunnel_types` is set: `[ovs] local_ip` is set, br-tun exists, and on a multi-node cloud it holds at least one vxlan-/gre-/geneve- port (a single node legitimately has none).",
    why: "VMs on different hosts of a VXLAN network cannot talk and DHCP from the network node fails for remote computes: no tunnel means table 22 floods to nobody.",
    fix: "Correct `[ovs] local_ip`, open UDP 4789 (VXLAN) between the tunnel endpoints, restart the agent on both ends.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const types = node.config.options["agent.tunnel_types"];
      if (!types?.trim() || !hasOvsView(node)) continue;
      const typesRef = node.config.evidence["agent.tunnel_types"];
      const ini = agentIniPath(node);
      const localIp = node.config.options["ovs.local_ip"];
      const brTun = bridgeOf(node, "br-tun");
      const peers = tunnelPeers(model, node);
      if (!localIp) {
        out.push(
          finding(tunnelPortsMissing, {
            node: node.name,
            object: "option [ovs] local_ip",
            title: `tunnel_types = ${types} but [ovs] local_ip is not set on ${node.name}`,
            explanation: `The agent refuses to start with tunnelling and no local_ip ("Tunneling cannot be enabled without a valid local_ip. Agent terminated!"), so no port on ${node.name} gets wired.`,
            evidence: refs(typesRef),
            fix: [
              `grep -n local_ip ${ini}`,
              `crudini --set ${ini} ovs local_ip <this host's tunnel address>`,
              RESTART_AGENT,
            ],
          }),
        );
        continue;
      }
      if (!brTun) {
        out.push(
          finding(tunnelPortsMissing, {
            node: node.name,
            object: "bridge br-tun",
            title: `tunnel_types = ${types} but br-tun does not exist on ${node.name}`,
            explanation: `The agent creates br-tun at start when tunnelling is on; without it no tunnel network reaches ${node.name}.`,
            evidence: refs(typesRef, node.config.evidence["ovs.local_ip"]),
            fix: [
              "ovs-vsctl list-br",
              RESTART_AGENT,
              "grep -i tunnel /var/log/neutron/neutron-openvswitch-agent.log | tail",
            ],
          }),
        );
        continue;
      }
      if (brTun.ports.some((p) => p.role === "tunnel" || ["vxlan", "gre", "geneve", "stt"].includes(p.type)))
        continue;
      const table22 = brTun.flows?.flows.filter((f) => f.table === 22) ?? [];
      const floodOnlyDrops =
        table22.length > 0 && table22.every((f) => f.actions.every((a) => a.kind === "drop"));
      const multi = peers.length > 0;
      out.push(
        finding(tunnelPortsMissing, {
          node: node.name,
          object: "bridge br-tun",
          severity: multi ? "error" : "info",
          title: `br-tun has no tunnel port on ${node.name} (tunnel_types = ${types})`,
          explanation: multi
            ? `${peers.join(", ")} also run${peers.length === 1 ? "s" : ""} OVS agents, but ${node.name} has no tunnel to any of them: tunnel-network traffic (and DHCP from a network node) cannot cross hosts${floodOnlyDrops ? "; br-tun's flood table 22 only drops" : ""}. Check local_ip ${localIp} and UDP 4789 between the endpoints.`
            : `No other OVS agent is known to this snapshot, so a single node without tunnels is expected; on a multi-node cloud it would mean no overlay traffic leaves ${node.name}.`,
          evidence: refs(
            brTun.evidence,
            typesRef,
            node.config.evidence["ovs.local_ip"],
            brTun.flows && table22[0] ? flowRef(brTun.flows.path, table22[0]) : undefined,
          ),
          fix: [
            "ovs-vsctl list-ports br-tun",
            "ovs-appctl ofproto/list-tunnels",
            "ovs-ofctl dump-flows br-tun table=22",
            `openstack network agent list --agent-type open-vswitch --long`,
            `ip -o addr | grep ${localIp}`,
            "iptables -S INPUT | grep 4789",
            RESTART_AGENT,
          ],
        }),
      );
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------
// F35: OVS daemons down.

const DB_DOWN = /database connection failed|db\.sock/i;
const SWITCH_DOWN = /failed to connect to socket/i;
/** Also printed for a bridge that does not exist; it means ovs-vswitchd is down only for a bridge OVSDB lists. */
const NO_SOCKET = /ovs-ofctl: (\S+) is not a bridge or a socket/;

/** What a model issue says, in its message or the failing line it quotes. */
function says(i: ModelIssue, re: RegExp): RegExpExecArray | null {
  return re.exec(`${i.message}\n${i.evidence?.text ?? ""}`);
}

const daemonsDown: Rule = {
  id: "ovs.daemons-down",
  title: "Open vSwitch daemons down (ovsdb-server / ovs-vswitchd)",
  severity: "critical",
  category: "ovs",
  faults: ["F35"],
  doc: {
    checks:
      'The node\'s OVS commands answered (no "database connection failed" / "failed to connect to socket") and, when a process list is present, ovsdb-server and ovs-vswitchd run on a node that uses OVS.',
    why: 'With ovsdb-server down nothing can be configured and the agent reports "OVS is dead"; with ovs-vswitchd down nothing is switched at all. New VMs are not wired; existing datapath flows may carry traffic for a while, then everything stops.',
    fix: "Start/restart openvswitch (ovsdb-server and ovs-vswitchd), then neutron-openvswitch-agent; read ovs-vswitchd.log for the crash.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const owner = `node:${node.name}`;
      const failures = model.issues.filter((i) => {
        if (i.object !== owner) return false;
        const missingBridge = says(i, NO_SOCKET)?.[1];
        return (
          says(i, DB_DOWN) !== null ||
          says(i, SWITCH_DOWN) !== null ||
          (missingBridge !== undefined && bridgeOf(node, missingBridge) !== undefined)
        );
      });
      const usesOvs =
        node.bridges.length > 0 ||
        agentConfigKnown(node) ||
        ovsAgentOf(model, node) !== undefined ||
        processOf(node, OVS_AGENT) !== undefined;
      const missing: string[] = [];
      if (node.processes && node.processes.length > 0 && usesOvs) {
        if (!processOf(node, OVSDB_SERVER)) missing.push("ovsdb-server");
        if (!processOf(node, VSWITCHD)) missing.push("ovs-vswitchd");
      }
      if (failures.length === 0 && missing.length === 0) continue;
      const db = missing.includes("ovsdb-server") || failures.some((i) => says(i, DB_DOWN) !== null);
      const psRef = node.processes?.[0] ? { path: node.processes[0].evidence.path } : undefined;
      const what = db ? "ovsdb-server" : "ovs-vswitchd";
      out.push(
        finding(daemonsDown, {
          node: node.name,
          object: missing.length ? missing.join(", ") : what,
          title: `${missing.length ? `${missing.join(" and ")} not running` : `${what} does not answer`} on ${node.name}`,
          explanation: `${
            failures.length ? `${failures.map((i) => i.message).join("; ")}. ` : ""
          }${db ? 'Without ovsdb-server no bridge or port can be read or changed and the agent reports "OVS is dead"' : "Without ovs-vswitchd nothing is switched"}: no new port on ${node.name} is wired and existing traffic stops once the datapath flows expire.`,
          evidence: refs(...failures.map((i) => i.evidence), ...(missing.length ? [psRef] : [])),
          fix: [
            "systemctl status openvswitch-switch ovsdb-server ovs-vswitchd",
            "tail -n 50 /var/log/openvswitch/ovs-vswitchd.log /var/log/openvswitch/ovsdb-server.log",
            "systemctl restart openvswitch-switch   # RHEL: systemctl restart openvswitch",
            "ovs-vsctl show",
            RESTART_AGENT,
          ],
          group: `ovs-down:${node.name}`,
          root: true,
        }),
      );
    }
    return out;
  },
};

export const ovsChainRules: Rule[] = [
  daemonsDown,
  mappedBridgeMissing,
  physnetNotMapped,
  flowsMissing,
  failMode,
  patchPeer,
  providerBridgeNoUplink,
  deadVlanPort,
  untaggedAgentPort,
  interfaceError,
  staleCookies,
  tunnelPortsMissing,
];
