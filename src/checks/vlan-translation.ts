/**
 * The guide's core recipe, automated: for every flat/VLAN network with ports on a node, br-int maps the wire's
 * VLAN to a local VLAN (ingress, from int-br-X) and the provider bridge maps it back (egress, from phy-br-X),
 * both agree with each other and with the tags of the network's ports, no two networks share a local VLAN,
 * no translation is left for a network that no longer exists, and the drop flows behind the translations are
 * read for what their counters say.
 */

import { classifyDevice, DEAD_VLAN } from "../model/naming.js";
import { EXCERPT_BRIDGE } from "../model/ovs.js";
import type {
  Bridge,
  CloudModel,
  EvidenceRef,
  Network,
  NodeModel,
  OvsPort,
  VlanTranslation,
} from "../model/types.js";
import type { Flow } from "../openflow/flow.js";
import { flowVlanResult, parseNumber } from "../openflow/vlan.js";
import {
  bridgeGroup,
  bridgeOf,
  flowRef,
  flowsLost,
  flowsLostGroup,
  hasOvsView,
  inPortDrops,
  intBridgeName,
  neutronOf,
  physnetGroup,
  physnetUnmapped,
  RESTART_AGENT,
  refs,
  uplinksOf,
  usesPhysnet,
} from "./ovs-chain.js";
import { type Finding, finding, type Rule } from "./types.js";

type PhysNetwork = Network & { physnet: string };

/** One flat/VLAN network as it stands on one node: its br-int ports and the translations found for it. */
interface Presence {
  network: PhysNetwork;
  ports: OvsPort[];
  /** Provider bridge of the physnet on this node (undefined: physnet not mapped, or its bridge missing). */
  providerBridge?: Bridge | undefined;
  ingress: VlanTranslation[];
  egress: VlanTranslation[];
  /** The flows that would hold each direction were collected (else the direction is unknown). */
  ingressKnown: boolean;
  egressKnown: boolean;
  unmapped: boolean;
}

const netLabel = (n: Network) =>
  `${n.name} (${n.segmentationId !== undefined ? `VLAN ${n.segmentationId}` : "flat"}, physnet ${n.physnet})`;

const segLabel = (seg: number | undefined) => (seg === undefined ? "untagged (flat)" : `VLAN ${seg}`);

function presences(model: CloudModel, node: NodeModel): Presence[] {
  const brInt = bridgeOf(node, intBridgeName(node));
  if (!brInt) return [];
  const byNet = new Map<string, Presence>();
  for (const p of brInt.ports) {
    const { network } = neutronOf(model, p);
    if (!network || !usesPhysnet(network)) continue;
    let pr = byNet.get(network.id);
    if (!pr) {
      const bridgeName = node.config.bridgeMappings.find((m) => m.physnet === network.physnet)?.bridge;
      const providerBridge = bridgeName === undefined ? undefined : bridgeOf(node, bridgeName);
      const seg = network.segmentationId;
      pr = {
        network,
        ports: [],
        providerBridge,
        ingress: node.vlanTranslations.filter(
          (t) =>
            t.direction === "ingress" &&
            t.bridge === brInt.name &&
            t.segmentationId === seg &&
            (t.physnet === undefined || t.physnet === network.physnet),
        ),
        egress: node.vlanTranslations.filter(
          (t) => t.direction === "egress" && t.bridge === bridgeName && t.segmentationId === seg,
        ),
        ingressKnown: brInt.flows !== undefined,
        egressKnown: providerBridge?.flows !== undefined,
        unmapped: physnetUnmapped(node, network.physnet),
      };
      byNet.set(network.id, pr);
    }
    pr.ports.push(p);
  }
  return [...byNet.values()];
}

const liveTag = (p: OvsPort) => (p.tag !== undefined && p.tag !== DEAD_VLAN ? p.tag : undefined);

interface Missing {
  pr: Presence;
  ingress: boolean;
  egress: boolean;
  group: string;
  /** Heads its group (no F02/F19 root explains it). */
  root: boolean;
}

/** Which networks lack a direction of their translation on a node, and under which root cause they fall. */
function missingTranslations(model: CloudModel, node: NodeModel): Missing[] {
  const lost = flowsLost(node);
  const out: Missing[] = [];
  for (const pr of presences(model, node)) {
    // A network whose ports here are all parked on the dead VLAN is not provisioned, by design (F11 says why),
    // unless its physnet is unmapped: then the missing translation is one more consequence of F02.
    if (!pr.unmapped && pr.ports.every((p) => p.tag === DEAD_VLAN)) continue;
    const ingress = pr.unmapped || (pr.ingressKnown && pr.ingress.length === 0);
    const egress = pr.unmapped || (pr.egressKnown && pr.egress.length === 0);
    if (!ingress && !egress) continue;
    const mappedTo = node.config.bridgeMappings.find((m) => m.physnet === pr.network.physnet)?.bridge;
    const [group, root] = pr.unmapped
      ? [physnetGroup(node.name, pr.network.physnet), false]
      : lost
        ? [flowsLostGroup(node.name), false]
        : mappedTo !== undefined && !pr.providerBridge && hasOvsView(node)
          ? [bridgeGroup(node.name, mappedTo), false]
          : [`vlan:${node.name}:${pr.network.physnet}`, true];
    out.push({ pr, ingress, egress, group, root });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------

const translationMissing: Rule = {
  id: "vlan.translation-missing",
  title: "A network with ports on a node lacks its VLAN translation flows",
  severity: "error",
  category: "vlan",
  faults: ["F16", "F02", "F19"],
  doc: {
    checks:
      "For every flat/VLAN network with ports on br-int: br-int has `in_port=int-<phys>,dl_vlan=<seg> → local` (flat: `vlan_tci=0x0000/0x1fff` → push local) and the provider bridge `in_port=phy-<phys>,dl_vlan=<local> → <seg>` (flat: strip).",
    why: "Without the ingress flow, frames of the network arriving from the wire hit br-int's `priority=2 … drop` (DHCP replies never reach the VM); without the egress flow its frames are dropped on the provider bridge and never leave the host. The network is dead on that node.",
    fix: "Restart neutron-openvswitch-agent (a full resync re-creates the pair) and find why the flows vanished: unmapped physnet (F02), OVS restart (F19), cookie cleanup (F20), manual del-flows.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const brInt = bridgeOf(node, intBridgeName(node));
      if (!brInt) continue;
      for (const m of missingTranslations(model, node)) {
        const { network: net, ports, providerBridge: pb } = m.pr;
        const seg = net.segmentationId;
        const pbName = pb?.name ?? node.config.bridgeMappings.find((x) => x.physnet === net.physnet)?.bridge;
        const intPatch = pbName === undefined ? undefined : `int-${pbName}`;
        const drop =
          intPatch === undefined ? undefined : patchDropFlows(brInt).find((d) => d.port === intPatch);
        const lacking = m.pr.unmapped
          ? "no translation exists"
          : [
              m.ingress
                ? `br-int has no ${segLabel(seg)} → local flow${intPatch ? ` from ${intPatch}` : ""}`
                : "",
              m.egress ? `${pbName} has no local → ${segLabel(seg)} flow` : "",
            ]
              .filter(Boolean)
              .join(" and ");
        const effect = m.pr.unmapped
          ? `physnet ${net.physnet} is not in bridge_mappings on ${node.name} (F02), so none can be installed and the network cannot reach the wire here`
          : [
              m.ingress
                ? "frames from the wire for it are dropped at br-int (DHCP replies never reach its ports)"
                : "",
              m.egress ? "its frames never leave the host" : "",
            ]
              .filter(Boolean)
              .join(" and ");
        const mac = ports.map((p) => neutronOf(model, p).port?.mac).find((x) => x !== undefined);
        const uplink = pb ? uplinksOf(pb)[0]?.name : undefined;
        out.push(
          finding(translationMissing, {
            node: node.name,
            object: `network ${net.name}`,
            title: `${net.name} (${segLabel(seg)}) has ports on ${node.name} but ${lacking}`,
            explanation: `${netLabel(net)} has ${ports.length} port(s) on ${node.name} (${ports.map((p) => `${p.name}${p.tag !== undefined ? ` tag ${p.tag}` : ""}`).join(", ")}), but ${lacking}: ${effect}.`,
            evidence: refs(
              ...ports.map((p) => p.evidence),
              net.evidence,
              m.ingress && brInt.flows && !m.pr.unmapped
                ? drop
                  ? flowRef(brInt.flows.path, drop.flow)
                  : { path: brInt.flows.path }
                : undefined,
              m.egress && pb?.flows && !m.pr.unmapped ? { path: pb.flows.path } : undefined,
            ),
            fix: [
              seg === undefined
                ? `ovs-ofctl dump-flows ${brInt.name} | grep vlan_tci=0x0000/0x1fff`
                : `ovs-ofctl dump-flows ${brInt.name} | grep dl_vlan=${seg}`,
              ...(pbName === undefined
                ? []
                : [
                    seg === undefined
                      ? `ovs-ofctl dump-flows ${pbName} | grep -E 'strip_vlan|pop_vlan'`
                      : `ovs-ofctl dump-flows ${pbName} | grep -E 'mod_vlan_vid:${seg}|set_field:${4096 + seg}->vlan_vid'`,
                  ]),
              ...ports.slice(0, 1).map((p) => `ovs-vsctl get Port ${p.name} tag`),
              ...(pbName !== undefined && uplink !== undefined && mac !== undefined
                ? [
                    `ovs-appctl ofproto/trace ${pbName} in_port=${uplink},${seg === undefined ? "" : `dl_vlan=${seg},`}dl_dst=${mac}`,
                  ]
                : []),
              RESTART_AGENT,
            ],
            group: m.group,
            ...(m.root ? { root: true } : {}),
          }),
        );
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------

const localVlanMismatch: Rule = {
  id: "vlan.local-vlan-mismatch",
  title: "A network's local VLAN differs between br-int, the provider bridge and its port tags",
  severity: "error",
  category: "vlan",
  faults: ["F16"],
  doc: {
    checks:
      "For every flat/VLAN network on a node: the local VLAN br-int's ingress flow sets equals the one the provider bridge's egress flow matches, and equals the `tag` of every port of that network on br-int.",
    why: "After a partial resync a port can keep `tag: 5` while br-int maps the segment to 3: the port's frames leave on the wrong VLAN (or are dropped) and replies are delivered to another local VLAN.",
    fix: "Restart neutron-openvswitch-agent so it rewires the ports and flows from one state; never edit tags or flows by hand except to test.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const brInt = bridgeOf(node, intBridgeName(node));
      if (!brInt) continue;
      for (const pr of presences(model, node)) {
        const { network: net, ports } = pr;
        const tags = [...new Set(ports.map(liveTag).filter((t) => t !== undefined))].sort((a, b) => a - b);
        const inL = [...new Set(pr.ingress.map((t) => t.localVlan))].sort((a, b) => a - b);
        const outL = [...new Set(pr.egress.map((t) => t.localVlan))].sort((a, b) => a - b);
        const problems: string[] = [];
        if (tags.length > 1) problems.push(`its ports carry different tags (${tags.join(", ")})`);
        if (inL.length > 1)
          problems.push(
            `br-int maps ${segLabel(net.segmentationId)} to several local VLANs (${inL.join(", ")})`,
          );
        if (inL.length > 0 && outL.length > 0 && inL.join() !== outL.join())
          problems.push(
            `br-int maps ${segLabel(net.segmentationId)} to local ${inL.join("/")} but ${pr.providerBridge?.name} maps local ${outL.join("/")} back`,
          );
        const ref = inL.length > 0 ? inL : outL;
        const offTags = tags.filter((t) => ref.length > 0 && !ref.includes(t));
        if (offTags.length > 0)
          problems.push(
            `port tag ${offTags.join(", ")} is not the local VLAN ${ref.join("/")} of the translation flows`,
          );
        if (problems.length === 0) continue;
        const offPorts = ports.filter((p) => liveTag(p) !== undefined && !ref.includes(p.tag!));
        out.push(
          finding(localVlanMismatch, {
            node: node.name,
            object: `network ${net.name}`,
            title: `${net.name}: local VLAN disagrees on ${node.name} (${problems[0]})`,
            explanation: `For ${netLabel(net)} on ${node.name} ${problems.join("; ")}. Frames of ${offPorts.length ? offPorts.map((p) => p.name).join(", ") : "this network"} are translated to the wrong VLAN or dropped: the network is broken for them.`,
            evidence: refs(
              ...ports.map((p) => p.evidence),
              ...pr.ingress.map((t) => t.evidence),
              ...pr.egress.map((t) => t.evidence),
            ),
            fix: [
              ...ports.map((p) => `ovs-vsctl get Port ${p.name} tag`),
              net.segmentationId === undefined
                ? `ovs-ofctl dump-flows ${brInt.name} | grep vlan_tci=0x0000/0x1fff`
                : `ovs-ofctl dump-flows ${brInt.name} | grep dl_vlan=${net.segmentationId}`,
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

/** br-tun's tunnel → local VLAN flows (`tun_id=0x3e9 actions=mod_vlan_vid:1`): the overlay's share of local VLANs. */
function tunnelTranslations(node: NodeModel): { vni: number; localVlan: number; flow: Flow; path: string }[] {
  const brTun = bridgeOf(node, "br-tun");
  if (!brTun?.flows) return [];
  const out: { vni: number; localVlan: number; flow: Flow; path: string }[] = [];
  for (const flow of brTun.flows.flows) {
    const tun = flow.match.find((f) => f.name === "tun_id" || f.name === "tunnel_id")?.value;
    const result = flowVlanResult(flow);
    if (tun === undefined || typeof result !== "object") continue;
    out.push({ vni: parseNumber(tun), localVlan: result.set, flow, path: brTun.flows.path });
  }
  return out;
}

const localVlanShared: Rule = {
  id: "vlan.local-vlan-shared",
  title: "Two networks share one local VLAN on a node",
  severity: "error",
  category: "vlan",
  faults: ["F16"],
  doc: {
    checks:
      "On each node, a local VLAN is set by the translation of one segment only: br-int's ingress flows, the provider bridges' egress flows and br-tun's tunnel → local flows never give one local VLAN to two segments.",
    why: "Two networks on one local VLAN are one broadcast domain on br-int: traffic leaks between tenants and replies go to the wrong network.",
    fix: "Restart neutron-openvswitch-agent (it reallocates local VLANs from its own state); remove hand-made flows.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const owners = new Map<number, Map<string, { label: string; ref: EvidenceRef }>>();
      const add = (local: number, key: string, label: string, ref: EvidenceRef) => {
        let m = owners.get(local);
        if (!m) {
          m = new Map();
          owners.set(local, m);
        }
        if (!m.has(key)) m.set(key, { label, ref });
      };
      for (const t of node.vlanTranslations) {
        // A flat network is identified by its physnet (or bridge); a VLAN one by its id, whatever the physnet label.
        const key =
          t.segmentationId === undefined
            ? `flat@${t.physnet ?? t.providerBridge ?? t.bridge}`
            : `vlan:${t.segmentationId}`;
        const label =
          t.segmentationId === undefined
            ? `flat physnet ${t.physnet ?? t.providerBridge ?? "?"}`
            : `VLAN ${t.segmentationId}${t.physnet ? ` (${t.physnet})` : ""}`;
        add(t.localVlan, key, label, t.evidence);
      }
      for (const t of tunnelTranslations(node))
        add(t.localVlan, `vni:${t.vni}`, `tunnel VNI ${t.vni}`, flowRef(t.path, t.flow));
      for (const [local, m] of [...owners].sort((a, b) => a[0] - b[0])) {
        if (m.size < 2) continue;
        const list = [...m.values()];
        out.push(
          finding(localVlanShared, {
            node: node.name,
            object: `local VLAN ${local}`,
            title: `local VLAN ${local} on ${node.name} serves ${list.map((x) => x.label).join(" and ")}`,
            explanation: `${list.map((x) => x.label).join(" and ")} are all translated to local VLAN ${local} on ${node.name}: br-int switches them as one network, so their traffic leaks into each other.`,
            evidence: refs(...list.map((x) => x.ref)),
            fix: [
              `ovs-ofctl dump-flows ${intBridgeName(node)} | grep mod_vlan_vid:${local}`,
              `ovs-vsctl --columns=name,tag find Port tag=${local}`,
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

const staleTranslation: Rule = {
  id: "vlan.stale-translation",
  title: "Translation flow for a segmentation id that no network has",
  severity: "info",
  category: "vlan",
  faults: ["F16"],
  doc: {
    checks:
      "Every VLAN id in a translation flow (br-int ingress, provider-bridge egress) belongs to a network of the cloud (when the snapshot lists networks with their segmentation ids).",
    why: "A leftover of a deleted network the agent did not reclaim: harmless while its local VLAN is unused, but when that local VLAN is a port's tag again, frames tagged with the old id on the wire are delivered into another network.",
    fix: "Restart neutron-openvswitch-agent (its cleanup removes flows of networks it no longer serves).",
  },
  run({ model }) {
    const out: Finding[] = [];
    const known = model.networks.filter((n) => n.segmentationId !== undefined);
    if (known.length === 0) return out;
    for (const node of model.nodes) {
      const bySeg = new Map<number, VlanTranslation[]>();
      for (const t of node.vlanTranslations) {
        if (t.segmentationId === undefined) continue;
        // By id alone: the physnet label of a translation comes from the node's mapping, which may be the fault.
        const owned = known.some((n) => n.segmentationId === t.segmentationId);
        if (!owned) bySeg.set(t.segmentationId, [...(bySeg.get(t.segmentationId) ?? []), t]);
      }
      const brInt = bridgeOf(node, intBridgeName(node));
      for (const [seg, ts] of bySeg) {
        const locals = [...new Set(ts.map((t) => t.localVlan))];
        const users = (brInt?.ports ?? []).filter((p) => p.tag !== undefined && locals.includes(p.tag));
        out.push(
          finding(staleTranslation, {
            node: node.name,
            object: `VLAN ${seg}`,
            ...(users.length > 0 ? { severity: "warning" as const } : {}),
            title: `${node.name} still translates VLAN ${seg} (local ${locals.join("/")}), which no network has`,
            explanation:
              users.length > 0
                ? `No network has segmentation id ${seg}, yet its translation to local VLAN ${locals.join("/")} is still installed, and ${users.map((p) => p.name).join(", ")} now use${users.length === 1 ? "s" : ""} that local VLAN: frames tagged ${seg} on the wire are delivered into their network.`
                : `No network has segmentation id ${seg}: the flow is a leftover of a deleted network that the agent did not clean; no port uses local VLAN ${locals.join("/")} now, so it carries nothing harmful.`,
            evidence: refs(...ts.map((t) => t.evidence), ...users.map((p) => p.evidence)),
            fix: [
              `openstack network list --provider-segment ${seg} --long`,
              `ovs-ofctl dump-flows ${brInt?.name ?? "br-int"} | grep dl_vlan=${seg}`,
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

/** The drop flows behind a bridge's patch ports (not those of dead ports). */
function patchDropFlows(br: Bridge | undefined): { flow: Flow; port: string }[] {
  return inPortDrops(br).filter((d) => ["patch-int", "patch-phy"].includes(classifyDevice(d.port).role));
}

const dropCounters: Rule = {
  id: "vlan.drop-counters",
  title: "Drop flow behind a patch port is counting frames",
  severity: "info",
  category: "vlan",
  faults: ["F16", "F39"],
  doc: {
    checks:
      "The `priority=2,in_port=int-<phys> actions=drop` flow of br-int (always reported when it counted frames, with the VLANs the node does accept) and `priority=2,in_port=phy-<phys> actions=drop` of the provider bridge (reported only when a network lacks its egress translation).",
    why: "These flows drop what no translation accepts. On a trunk that carries more VLANs than the node serves (and for local VLANs of other physnets flooded toward a provider bridge) they always count: the guide's own network node shows n_packets=555 on both, as does every healthy fixture. They mean lost traffic only when a network that should work on the node has no translation (then reported as a warning with vlan.translation-missing) or when frames arrive untagged on a VLAN network (switch native VLAN, F39).",
    fix: "Compare the VLANs on the wire (`tcpdump -e -nn -i <nic>`) with the list of accepted VLANs; fix a missing translation (restart the agent) or the switch's native VLAN.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const intName = intBridgeName(node);
      const missing = missingTranslations(model, node);
      for (const br of node.bridges) {
        if (br.name === EXCERPT_BRIDGE) continue;
        for (const { flow, port } of patchDropFlows(br)) {
          const ingress = br.name === intName;
          const far = classifyDevice(port).peerBridge;
          const physnet = node.config.bridgeMappings.find(
            (m) => m.bridge === (ingress ? far : br.name),
          )?.physnet;
          const accepted = node.vlanTranslations
            .filter((t) =>
              ingress
                ? t.direction === "ingress" &&
                  t.bridge === intName &&
                  (t.inPort === port || t.providerBridge === far)
                : t.direction === "egress" && t.bridge === br.name,
            )
            .sort((a, b) => (a.segmentationId ?? -1) - (b.segmentationId ?? -1));
          const acceptedText = accepted.length
            ? accepted
                .map((t) =>
                  ingress
                    ? `${segLabel(t.segmentationId)}→${t.localVlan}`
                    : `${t.localVlan}→${segLabel(t.segmentationId)}`,
                )
                .join(", ")
            : "nothing";
          // A bridge mapped under a label no network uses carries the wire of the unmapped physnet (F02's rename).
          const renamed =
            physnet !== undefined &&
            model.networks.some((n) => n.physnet !== undefined) &&
            !model.networks.some((n) => n.physnet === physnet);
          const related = missing.filter(
            (m) =>
              (m.pr.network.physnet === physnet || (renamed && m.pr.unmapped)) &&
              (ingress ? m.ingress : m.egress),
          );
          // Egress drops only ever hold other physnets' or tunnels' local VLANs unless a translation is missing.
          if (!flow.nPackets || (!ingress && related.length === 0)) continue;
          const bytes = flow.nBytes !== undefined ? ` (${flow.nBytes} bytes)` : "";
          const path = br.flows!.path;
          const provider = ingress ? bridgeOf(node, far ?? "") : br;
          const uplink = provider ? uplinksOf(provider)[0]?.name : undefined;
          out.push(
            finding(dropCounters, {
              node: node.name,
              object: `${br.name} drop flow in_port=${port}`,
              ...(related.length > 0 ? { severity: "warning" as const, group: related[0]!.group } : {}),
              title: `${br.name} dropped ${flow.nPackets} frame(s) from ${port} on ${node.name}`,
              explanation: ingress
                ? `${flow.nPackets} frames${bytes} came from ${physnet ? `physnet ${physnet}` : (far ?? port)} through ${port} that no translation accepts (their VLAN, or their lack of one, matches no flow); br-int on ${node.name} accepts ${acceptedText} from it. ${
                    related.length > 0
                      ? `${related.map((m) => netLabel(m.pr.network)).join(", ")} ha${related.length === 1 ? "s" : "ve"} ports here but no translation${renamed ? `, and no network uses physnet ${physnet}` : ""}, so ${related.length === 1 ? "its" : "their"} frames are among those dropped.`
                      : "Frames of VLANs with no port on this node (other networks' broadcasts on the trunk) end here by design; it is a loss only if a network that should work here is missing from that list, or arrives untagged (switch native VLAN)."
                  }`
                : `${flow.nPackets} frames${bytes} left br-int through ${port} with a local VLAN ${br.name} does not translate (it maps ${acceptedText}). ${
                    related.length > 0
                      ? `${related.map((m) => netLabel(m.pr.network)).join(", ")} ha${related.length === 1 ? "s" : "ve"} no egress translation, so ${related.length === 1 ? "its" : "their"} frames are among those dropped.`
                      : "Broadcasts of networks on other physnets or tunnels, flooded by br-int's NORMAL, end here by design."
                  }`,
              evidence: [flowRef(path, flow)],
              fix: [
                `ovs-ofctl dump-flows ${br.name} | grep priority=2`,
                ...(uplink ? [`tcpdump -e -nn -c 50 -i ${uplink}`] : []),
                ...(related.length > 0 ? [RESTART_AGENT] : []),
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

const portTagUnwired: Rule = {
  id: "vlan.port-tag-unwired",
  title: "A port's local VLAN has no translation to any physnet or tunnel",
  severity: "warning",
  category: "vlan",
  faults: ["F16"],
  doc: {
    checks:
      "For br-int ports whose Neutron network the snapshot does not tell: their tag is set by some translation (a br-int ingress flow, or br-tun's tunnel → local flow). Needs the flow dumps of br-int and, when it exists, br-tun.",
    why: "A tag nothing translates to is a local VLAN cut off from the wire and the overlay: the port only reaches ports on the same node (a half-done resync, or flows deleted).",
    fix: "Restart neutron-openvswitch-agent; find out why the translation vanished (F19, F20).",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const brInt = bridgeOf(node, intBridgeName(node));
      if (!brInt?.flows || flowsLost(node)) continue;
      const brTun = bridgeOf(node, "br-tun");
      if (brTun && !brTun.flows) continue;
      const wired = new Set([
        ...node.vlanTranslations
          .filter((t) => t.direction === "ingress" && t.bridge === brInt.name)
          .map((t) => t.localVlan),
        ...tunnelTranslations(node).map((t) => t.localVlan),
      ]);
      const byTag = new Map<number, OvsPort[]>();
      for (const p of brInt.ports) {
        const tag = liveTag(p);
        if (tag === undefined || wired.has(tag) || neutronOf(model, p).network !== undefined) continue;
        byTag.set(tag, [...(byTag.get(tag) ?? []), p]);
      }
      for (const [tag, ports] of byTag) {
        out.push(
          finding(portTagUnwired, {
            node: node.name,
            object: `local VLAN ${tag}`,
            title: `local VLAN ${tag} of ${ports.map((p) => p.name).join(", ")} is not translated to any physnet or tunnel on ${node.name}`,
            explanation: `No br-int ingress flow${brTun ? " and no br-tun tunnel flow" : ""} sets local VLAN ${tag}, so ${ports.map((p) => p.name).join(", ")} reach${ports.length === 1 ? "es" : ""} only ports of the same node; their network is cut off from the wire.`,
            evidence: refs(
              ...ports.map((p) => p.evidence),
              { path: brInt.flows.path },
              brTun?.flows ? { path: brTun.flows.path } : undefined,
            ),
            fix: [
              `ovs-ofctl dump-flows ${brInt.name} | grep mod_vlan_vid:${tag}`,
              ...(brTun ? [`ovs-ofctl dump-flows br-tun | grep mod_vlan_vid:${tag}`] : []),
              `ovs-vsctl get Interface ${ports[0]!.name} external_ids:iface-id`,
              RESTART_AGENT,
            ],
          }),
        );
      }
    }
    return out;
  },
};

export const vlanTranslationRules: Rule[] = [
  translationMissing,
  localVlanMismatch,
  localVlanShared,
  staleTranslation,
  portTagUnwired,
  dropCounters,
];
