/**
 * The switch ports behind the NICs, from what the switch says over LLDP (guide: "Preliminary checks"; F08,
 * F04, F39): which switch and port each NIC faces, access or trunk, whether a trunk carries the VLANs Neutron
 * uses and hands out, whether its native VLAN is a provider segment; and segments outside
 * `network_vlan_ranges`.
 *
 * The guide's NB rules every verdict: a trunk may look exactly like a port without VLAN settings (PVID 1, no
 * VLAN list), so such a port stays "unknown" and only what the switch advertised is held against it.
 */
import type { LldpView, CloudModel as Model, Network, Nic, NodeModel } from "../model/types.js";
import { type LldpPortMode, lldpPortMode } from "../parse/lldp.js";
import { nicGroup, physnetOfNic, watchedNics } from "./interfaces.js";
import { hostMatches, neutronOf, nodeFilePath, refs } from "./ovs-chain.js";
import { list } from "./security-groups.js";
import { type Finding, finding, type Rule } from "./types.js";

/** `319-328, 330`. */
function formatVlans(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i]!;
    let end = start;
    while (sorted[i + 1] === end + 1) end = sorted[++i]!;
    parts.push(end === start ? String(start) : `${start}-${end}`);
  }
  return parts.join(", ");
}

/** The LLDP classifier, re-run on the model's view with the VLANs a check expects on the port. */
function portMode(view: LldpView, expected: number[]): LldpPortMode {
  return lldpPortMode(
    {
      vlans: view.vlans.map((id) => ({ id })),
      ...(view.pvid !== undefined ? { pvid: view.pvid } : {}),
      mgmtAddrs: [],
      extra: {},
    },
    expected,
  );
}

/** `stackdr2.GARR GigabitEthernet2/0/3`, or what is known of it. */
function switchPort(view: LldpView): string {
  const port = view.portDescr ?? view.portId;
  return [view.systemName ?? "the switch", port ?? "(port not advertised)"].join(" ");
}

/**
 * Switch configuration lines: Junos for Juniper port names (xe-0/0/1), Cisco IOS otherwise (the model keeps
 * no system description to tell vendors apart).
 */
function switchConfig(view: LldpView, what: "trunk" | "allow" | "native", ids: number[] = []): string[] {
  const port = view.portDescr ?? view.portId ?? "<switch port>";
  const sw = view.systemName ?? "switch";
  const listed = formatVlans(ids);
  if (/^(ge|xe|et|mge)-\d+\/\d+\/\d+/.test(port)) {
    const vlans = listed === "" ? "<provider VLAN ids>" : listed.replace(/,/g, "");
    const base = `set interfaces ${port} unit 0 family ethernet-switching`;
    switch (what) {
      case "trunk":
        return [
          `${sw}# ${base} interface-mode trunk`,
          `${sw}# ${base} vlan members [ ${vlans} ]`,
          `${sw}# commit`,
        ];
      case "allow":
        return [`${sw}# ${base} vlan members [ ${vlans} ]`, `${sw}# commit`];
      case "native":
        return [`${sw}# delete interfaces ${port} native-vlan-id`, `${sw}# commit`];
    }
  }
  const vlans = listed === "" ? "<provider VLAN ids>" : listed.replace(/ /g, "");
  const iface = `${sw}(config)# interface ${port}`;
  switch (what) {
    case "trunk":
      return [
        iface,
        `${sw}(config-if)# switchport mode trunk`,
        `${sw}(config-if)# switchport trunk allowed vlan ${vlans}`,
      ];
    case "allow":
      return [iface, `${sw}(config-if)# switchport trunk allowed vlan add ${vlans}`];
    case "native":
      return [iface, `${sw}(config-if)# switchport trunk native vlan <a VLAN id no network uses>`];
  }
}

const vlanWord = (ids: number[]) => (ids.length === 1 ? "VLAN" : "VLANs");

const lldpCapture = (nic: string) => `tcpdump -vvv -s 1500 -c 1 ether proto 0x88cc -i ${nic}`;

/** `network_vlan_ranges` of a physnet, cloud-wide (the option lives wherever neutron-server's config is). */
function vlanRanges(model: Model, physnet: string) {
  const out: { min: number; max: number; node: NodeModel }[] = [];
  for (const node of model.nodes)
    for (const r of node.config.networkVlanRanges)
      if (r.physnet === physnet && r.min !== undefined && r.max !== undefined)
        if (!out.some((o) => o.min === r.min && o.max === r.max)) out.push({ min: r.min, max: r.max, node });
  return out;
}

function rangeIds(ranges: { min: number; max: number }[]): number[] {
  return ranges.flatMap((r) => Array.from({ length: r.max - r.min + 1 }, (_, i) => r.min + i));
}

const rangesText = (physnet: string, ranges: { min: number; max: number }[]) =>
  ranges.map((r) => `${physnet}:${r.min}:${r.max}`).join(",");

const rangesEvidence = (ranges: { node: NodeModel }[]) =>
  ranges.map((r) => r.node.config.evidence["ml2_type_vlan.network_vlan_ranges"]);

const isVlan = (n: Network): n is Network & { physnet: string; segmentationId: number } =>
  n.networkType === "vlan" && n.physnet !== undefined && n.segmentationId !== undefined;

/** Networks with a port on the node: bound to it, plugged into its bridges, or translated by its flows. */
function networksOnNode(model: Model, node: NodeModel): Network[] {
  const ids = new Set<string>();
  for (const p of model.ports)
    if (p.networkId !== undefined && hostMatches(node, p.hostId)) ids.add(p.networkId);
  for (const b of node.bridges)
    for (const p of b.ports) {
      const net = neutronOf(model, p).network;
      if (net) ids.add(net.id);
    }
  for (const t of node.vlanTranslations) {
    const net = model.networks.find(
      (n) => isVlan(n) && n.segmentationId === t.segmentationId && n.physnet === t.physnet,
    );
    if (net) ids.add(net.id);
  }
  return model.networks.filter((n) => ids.has(n.id));
}

/**
 * VLAN segments in use on the node for a physnet (any physnet when unknown), labelled `int-net-324 (324)`;
 * segments the flows translate although no network in the snapshot has them are labelled as such.
 */
function segmentsInUse(model: Model, node: NodeModel, physnet: string | undefined): Map<number, string> {
  const out = new Map<number, string>();
  for (const n of networksOnNode(model, node))
    if (isVlan(n) && (physnet === undefined || n.physnet === physnet))
      out.set(n.segmentationId, `${n.name} (${n.segmentationId})`);
  for (const t of node.vlanTranslations)
    if (
      t.segmentationId !== undefined &&
      (physnet === undefined || t.physnet === physnet) &&
      !out.has(t.segmentationId)
    )
      out.set(t.segmentationId, `VLAN ${t.segmentationId} (flows only)`);
  return out;
}

const segLabel = (segs: Map<number, string>, ids: number[]) =>
  list([...ids].sort((a, b) => a - b).map((id) => segs.get(id) ?? `VLAN ${id}`));

/** Only flat networks on the physnet: an access port is then the right port (the frames are untagged). */
function flatOnly(model: Model, physnet: string): boolean {
  const vlan =
    model.networks.some((n) => n.physnet === physnet && n.networkType === "vlan") ||
    model.nodes.some((node) => node.config.networkVlanRanges.some((r) => r.physnet === physnet)) ||
    model.nodes.some((node) =>
      node.vlanTranslations.some((t) => t.physnet === physnet && t.segmentationId !== undefined),
    );
  const flat =
    model.networks.some((n) => n.physnet === physnet && n.networkType === "flat") ||
    model.nodes.some((node) =>
      (node.config.options["ml2_type_flat.flat_networks"] ?? "")
        .split(",")
        .some((p) => p.trim() === physnet || p.trim() === "*"),
    );
  return flat && !vlan;
}

/** A NIC carrying VLAN provider networks (declared provider, or uplink of a mapped bridge), and its LLDP. */
interface ProviderPort {
  node: NodeModel;
  nic: Nic;
  lldp: LldpView;
  physnet?: string;
}

function providerPorts(model: Model): ProviderPort[] {
  const out: ProviderPort[] = [];
  for (const node of model.nodes)
    for (const nic of node.nics) {
      if (!nic.lldp) continue;
      const mapped = node.config.bridgeMappings.some((m) => m.bridge === nic.bridge);
      if (nic.role !== "provider" && !mapped) continue;
      const physnet = physnetOfNic(node, nic);
      if (physnet !== undefined && flatOnly(model, physnet)) continue;
      out.push({ node, nic, lldp: nic.lldp, ...(physnet !== undefined ? { physnet } : {}) });
    }
  return out;
}

// ---------------------------------------------------------------------------------------------------------

const portSummary: Rule = {
  id: "switch.port",
  title: "Switch port each NIC faces (LLDP)",
  severity: "info",
  category: "switch",
  faults: ["guide:preliminary-checks"],
  doc: {
    checks:
      "For every NIC with an LLDP neighbour: the switch, the port, the PVID, the advertised VLANs, and whether the port is access, trunk or cannot be told; for provider NICs, whether the VLANs in use and in `network_vlan_ranges` can be confirmed on it.",
    why: "The guide's first check: a provider NIC must face a trunk carrying every VLAN Neutron uses. The table is what to hand the network team.",
    fix: "Nothing to fix: read it. Ask the network team for the port configuration when the mode is unknown.",
  },
  run({ model }) {
    const out: Finding[] = [];
    const providers = new Set(providerPorts(model).map((p) => p.nic));
    for (const node of model.nodes)
      for (const nic of node.nics) {
        const v = nic.lldp;
        if (!v) continue;
        const physnet = physnetOfNic(node, nic);
        const expected = providers.has(nic)
          ? [
              ...new Set([
                ...segmentsInUse(model, node, physnet).keys(),
                ...(physnet ? rangeIds(vlanRanges(model, physnet)) : []),
              ]),
            ]
          : [];
        const mode = portMode(v, expected);
        const vlans = v.vlans.length > 0 ? `VLANs ${formatVlans(v.vlans)}` : "no VLAN list";
        out.push(
          finding(portSummary, {
            node: node.name,
            object: `NIC ${nic.name}`,
            title: `${nic.name}${nic.role ? ` (${nic.role}${physnet ? `, physnet ${physnet}` : ""})` : ""} → ${switchPort(v)}: ${mode.mode}, PVID ${v.pvid ?? "not advertised"}, ${vlans}`,
            explanation: `LLDP: ${mode.reason}.`,
            evidence: [v.evidence],
            fix: [lldpCapture(nic.name), `lldpctl ${nic.name}`],
          }),
        );
      }
    return out;
  },
};

const lldpMissing: Rule = {
  id: "switch.lldp-missing",
  title: "No LLDP seen on a NIC Neutron depends on",
  severity: "info",
  category: "switch",
  faults: ["guide:preliminary-checks"],
  doc: {
    checks:
      "Every provider, external, management or tunnel NIC (and every uplink of a mapped bridge) has an LLDP neighbour in the snapshot.",
    why: "Without LLDP the switch port, its mode and its VLANs are unknown: the checks of the switch family cannot run for that NIC. The switch may not send LLDP, lldpd may not run, or the capture may have timed out (or the link is down).",
    fix: "Capture one frame (`tcpdump -vvv -s 1500 -c 1 ether proto 0x88cc -i <nic>`), or enable LLDP on the switch port, or ask the network team for the port configuration.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes)
      for (const w of watchedNics(node)) {
        // LLDP is link-local: a bridge or bond holding local_ip never sees it, its member NICs do.
        const isMaster =
          node.links.some((l) => l.master === w.name) || node.bridges.some((b) => b.name === w.name);
        if (w.nic?.lldp || isMaster) continue;
        out.push(
          finding(lldpMissing, {
            node: node.name,
            object: `NIC ${w.name}`,
            title: `No LLDP neighbour seen on ${w.name} (${list(w.why)}) on ${node.name}`,
            explanation:
              "The snapshot holds no LLDP frame for this NIC (no capture, lldpd not running, the switch not sending LLDP, or no link): its switch port, access/trunk mode and VLANs are unknown, not healthy.",
            evidence: w.link ? [w.link.evidence] : [],
            fix: [lldpCapture(w.name), `lldpctl ${w.name}`],
            group: nicGroup(node.name, w.name),
          }),
        );
      }
    return out;
  },
};

const accessPort: Rule = {
  id: "switch.access-port-on-provider-nic",
  title: "A provider NIC faces an access port",
  severity: "error",
  category: "switch",
  faults: ["F08", "guide:preliminary-checks"],
  doc: {
    checks:
      "A NIC carrying VLAN provider networks (role provider in node.json, or in a bridge of `bridge_mappings` whose physnet is not flat-only) must not face a port the switch advertises as access (only a PVID other than 1, or a single VLAN that is the PVID).",
    why: "An access port drops every 802.1Q-tagged frame: no VLAN network on that NIC works beyond the node (no DHCP, no gateway), while VMs on the same node still reach each other.",
    fix: "Configure the switch port as a trunk allowing the provider VLANs (`switchport mode trunk`, `switchport trunk allowed vlan <range>`), then check LLDP and a tagged capture again.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const { node, nic, lldp, physnet } of providerPorts(model)) {
      if (lldp.mode !== "access") continue;
      const segs = segmentsInUse(model, node, physnet);
      const ranges = physnet ? vlanRanges(model, physnet) : [];
      const wanted = ranges.length > 0 ? rangeIds(ranges) : [...segs.keys()];
      const untagged = lldp.pvid !== undefined && segs.has(lldp.pvid) ? lldp.pvid : undefined;
      const tagged = [...segs.keys()].filter((id) => id !== untagged);
      const victims =
        tagged.length > 0
          ? segLabel(segs, tagged)
          : `the tagged VLAN networks of ${physnet ? `physnet ${physnet}` : nic.name}`;
      out.push(
        finding(accessPort, {
          node: node.name,
          object: `NIC ${nic.name}`,
          title: `${nic.name}${physnet ? ` (physnet ${physnet})` : ""} faces an access port: ${switchPort(lldp)}, VLAN ${lldp.pvid ?? "unknown"} on ${node.name}`,
          explanation:
            `LLDP: ${lldp.modeReason}. An access port drops 802.1Q-tagged frames, so ${victims} reach nothing beyond ` +
            `${node.name} (no DHCP, no router, no other node) while VMs on ${node.name} still reach each other` +
            (untagged !== undefined
              ? `; only VLAN ${untagged} arrives, untagged, which br-int drops too`
              : "") +
            ". LLDP alone cannot rule out a trunk that advertises only its native VLAN: confirm with a tagged capture.",
          evidence: refs(lldp.evidence, nic.link?.evidence, ...rangesEvidence(ranges)),
          fix: [
            `tcpdump -e -nn -c 20 -i ${nic.name} vlan   # tagged frames leave, none come back on an access port`,
            ...switchConfig(lldp, "trunk", wanted),
            lldpCapture(nic.name),
          ],
          group: nicGroup(node.name, nic.name),
          root: true,
        }),
      );
    }
    return out;
  },
};

const trunkMissingVlans: Rule = {
  id: "switch.trunk-missing-vlans",
  title: "A provider trunk does not carry VLANs Neutron uses or hands out",
  severity: "error",
  category: "switch",
  faults: ["F04", "guide:preliminary-checks"],
  doc: {
    checks:
      "On a provider NIC whose switch port advertises a VLAN list (a trunk), every segmentation id in use on the node (networks with ports there, VLAN translations in its flows) and every id of `network_vlan_ranges` for its physnet is in the list. Error for VLANs in use, warning for VLANs only in the range.",
    why: "The switch drops tagged frames of a VLAN it does not carry: only some networks fail (no DHCP, no gateway) while others on the same NIC work, and VMs on the same node still reach each other. VLANs of the range the trunk lacks break the next networks created.",
    fix: "Allow the VLANs on every trunk on the path (`switchport trunk allowed vlan add <ids>`), or shrink `network_vlan_ranges` to what the switches carry.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const { node, nic, lldp, physnet } of providerPorts(model)) {
      if (lldp.mode !== "trunk") continue;
      const segs = segmentsInUse(model, node, physnet);
      const ranges = physnet ? vlanRanges(model, physnet) : [];
      const byId = (a: number, b: number) => a - b;
      const inUse = (portMode(lldp, [...segs.keys()]).missing ?? []).sort(byId);
      const rangeOnly = (portMode(lldp, rangeIds(ranges)).missing ?? []).filter((id) => !segs.has(id));
      if (inUse.length === 0 && rangeOnly.length === 0) continue;
      const carried = `${formatVlans(lldp.vlans)}${lldp.pvid !== undefined ? `, native VLAN ${lldp.pvid}` : ""}`;
      const nets = model.networks.filter((n) => isVlan(n) && inUse.includes(n.segmentationId));
      out.push(
        finding(trunkMissingVlans, {
          node: node.name,
          severity: inUse.length > 0 ? "error" : "warning",
          object: `NIC ${nic.name}`,
          title:
            inUse.length > 0
              ? `Trunk ${switchPort(lldp)} does not carry ${vlanWord(inUse)} ${formatVlans(inUse)} used on ${node.name} (${nic.name})`
              : `Trunk ${switchPort(lldp)} does not carry ${vlanWord(rangeOnly)} ${formatVlans(rangeOnly)} of network_vlan_ranges (${nic.name} on ${node.name})`,
          explanation:
            `The switch advertises VLANs ${carried} on the port ${nic.name} faces. ` +
            (inUse.length > 0
              ? `${segLabel(segs, inUse)} ${inUse.length === 1 ? "has" : "have"} ports on ${node.name}: ${inUse.length === 1 ? "its" : "their"} frames leave ${nic.name} tagged and the switch drops them, so ${inUse.length === 1 ? "it reaches" : "they reach"} nothing beyond the node while other VLANs work. `
              : "") +
            (rangeOnly.length > 0
              ? `network_vlan_ranges (${rangesText(physnet!, ranges)}) also hands out ${formatVlans(rangeOnly)}, which the port lacks: the next network given one of them fails the same way. `
              : "") +
            "An LLDP frame lists only the VLANs that fit in it: confirm on the switch.",
          evidence: refs(
            lldp.evidence,
            ...nets.map((n) => n.evidence),
            ...rangesEvidence(rangeOnly.length > 0 ? ranges : []),
          ),
          fix: [
            ...inUse.map(
              (id) =>
                `tcpdump -e -nn -c 20 -i ${nic.name} vlan ${id}   # requests leave, no reply comes back`,
            ),
            ...switchConfig(lldp, "allow", [...inUse, ...rangeOnly]),
            lldpCapture(nic.name),
          ],
          group: nicGroup(node.name, nic.name),
          root: true,
        }),
      );
    }
    return out;
  },
};

const nativeVlanIsSegment: Rule = {
  id: "switch.native-vlan-is-segment",
  title: "The trunk's native VLAN is a provider segment",
  severity: "error",
  category: "switch",
  faults: ["F39"],
  doc: {
    checks:
      "On a provider NIC not facing an access port, the PVID (native VLAN) the switch advertises is not the segmentation id of a VLAN network of its physnet.",
    why: "The switch sends that VLAN untagged on the trunk; br-int accepts the network's frames only tagged (dl_vlan=<segment>), so untagged replies hit the drop flow behind int-br-<phys>: exactly one network fails, every other VLAN works.",
    fix: "Move the switch's native VLAN to an id no network uses (or tag the native VLAN: Cisco `vlan dot1q tag native`).",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const { node, nic, lldp, physnet } of providerPorts(model)) {
      if (lldp.mode === "access" || lldp.pvid === undefined) continue;
      const nets = model.networks.filter(
        (n) =>
          isVlan(n) && n.segmentationId === lldp.pvid && (physnet === undefined || n.physnet === physnet),
      );
      if (nets.length === 0) continue;
      const here = networksOnNode(model, node).some((n) => nets.includes(n));
      const names = list(nets.map((n) => n.name));
      out.push(
        finding(nativeVlanIsSegment, {
          node: node.name,
          severity: here ? "error" : "warning",
          object: `NIC ${nic.name}`,
          title: `Native VLAN (PVID) ${lldp.pvid} of ${switchPort(lldp)} is the segment of ${names} (${nic.name} on ${node.name})`,
          explanation:
            `The switch sends VLAN ${lldp.pvid} untagged on this trunk, while br-int on ${node.name} accepts ${names}'s frames only tagged ${lldp.pvid}: ` +
            (here
              ? `replies reach ${nic.name} untagged and are dropped, so ${names} fails on ${node.name} while the other VLANs work.`
              : `no port of ${names} is on ${node.name} yet, but the first one will fail while the other VLANs work.`),
          evidence: refs(lldp.evidence, ...nets.map((n) => n.evidence)),
          fix: [
            `tcpdump -e -nn -c 20 -i ${nic.name} not vlan   # ${names}'s traffic arriving untagged`,
            ...switchConfig(lldp, "native"),
            lldpCapture(nic.name),
          ],
          group: nicGroup(node.name, nic.name),
          root: true,
        }),
      );
    }
    return out;
  },
};

const segmentOutsideRanges: Rule = {
  id: "switch.segment-outside-vlan-ranges",
  title: "A VLAN network's segment is outside network_vlan_ranges",
  severity: "warning",
  category: "switch",
  faults: ["F04"],
  doc: {
    checks:
      "Every VLAN network's segmentation id lies in `network_vlan_ranges` of its physnet (ml2_type_vlan, wherever neutron-server's config was collected), when ranges are set for that physnet.",
    why: "An admin can create a provider network with any id, but switch trunks are usually configured from the agreed range: an id outside it is often not allowed on the trunks, and that one network gets no DHCP and no gateway.",
    fix: "Make sure every trunk of the physnet allows the id (`switchport trunk allowed vlan add <id>`), or recreate the network with an id inside the range.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const net of model.networks) {
      if (!isVlan(net)) continue;
      const ranges = vlanRanges(model, net.physnet);
      if (
        ranges.length === 0 ||
        ranges.some((r) => net.segmentationId >= r.min && net.segmentationId <= r.max)
      )
        continue;
      const nic =
        providerPorts(model).find((p) => p.physnet === net.physnet)?.nic.name ??
        model.nodes.flatMap((n) => n.nics).find((n) => n.physnet === net.physnet)?.name;
      const iniPath = nodeFilePath(rangesEvidence(ranges)[0], "/etc/neutron/plugins/ml2/ml2_conf.ini");
      out.push(
        finding(segmentOutsideRanges, {
          object: `network ${net.name}`,
          title: `${net.name} uses VLAN ${net.segmentationId}, outside network_vlan_ranges ${rangesText(net.physnet, ranges)}`,
          explanation: `network_vlan_ranges gives physnet ${net.physnet} ${list(ranges.map((r) => `${r.min}-${r.max}`))}; ${net.name} was created with VLAN ${net.segmentationId} (a provider network set by an admin). Switch trunks are usually configured from the agreed range, so VLAN ${net.segmentationId} may not be allowed on them: then ${net.name}'s traffic never crosses the switch (no DHCP, no gateway beyond the node).`,
          evidence: refs(net.evidence, ...rangesEvidence(ranges)),
          fix: [
            `openstack network show ${net.name} -c provider:physical_network -c provider:segmentation_id`,
            `tcpdump -e -nn -c 20 -i ${nic ?? "<provider NIC>"} vlan ${net.segmentationId}   # on a node with a port of ${net.name}: replies must come back`,
            `# on every trunk of physnet ${net.physnet}: switchport trunk allowed vlan add ${net.segmentationId}`,
            `# or record it: network_vlan_ranges = ${rangesText(net.physnet, ranges)},${net.physnet}:${net.segmentationId}:${net.segmentationId} in ${iniPath}`,
          ],
        }),
      );
    }
    return out;
  },
};

const accessVlanIsSegment: Rule = {
  id: "switch.access-vlan-is-segment",
  title: "A non-provider NIC's access VLAN is also a tenant segment on the same switch",
  severity: "warning",
  category: "switch",
  faults: ["guide:preliminary-checks"],
  doc: {
    checks:
      "A NIC that is not a provider NIC (management, storage…) faces an access port whose VLAN is the segmentation id of a VLAN network, on a switch a provider NIC of that physnet also faces.",
    why: "If the switch carries that VLAN on the provider trunks too, the tenant network and the host network share one broadcast domain: the tenant's VMs see (and can answer) the hosts' traffic, and address conflicts follow.",
    fix: "Move the host network to a VLAN no network uses, or take the id out of `network_vlan_ranges` and move the tenant network to another segment.",
  },
  run({ model }) {
    const out: Finding[] = [];
    const providers = providerPorts(model);
    const providerNics = new Set(providers.map((p) => p.nic));
    for (const node of model.nodes)
      for (const nic of node.nics) {
        const v = nic.lldp;
        if (!v || providerNics.has(nic) || v.mode !== "access" || v.pvid === undefined) continue;
        for (const net of model.networks.filter((n) => isVlan(n) && n.segmentationId === v.pvid)) {
          // Only on a switch where that physnet's trunk is seen: otherwise the two VLANs may be unrelated.
          const trunk = providers.find(
            (p) =>
              p.physnet === net.physnet &&
              p.lldp.systemName !== undefined &&
              p.lldp.systemName === v.systemName,
          );
          if (!trunk) continue;
          out.push(
            finding(accessVlanIsSegment, {
              node: node.name,
              object: `NIC ${nic.name}`,
              title: `${nic.name}${nic.role ? ` (${nic.role})` : ""} is in VLAN ${v.pvid} on ${switchPort(v)}, the segment of ${net.name}`,
              explanation:
                `${switchPort(v)} is an access port of VLAN ${v.pvid}, and ${net.name} uses VLAN ${v.pvid} on physnet ${net.physnet}, trunked on the same switch (${switchPort(trunk.lldp)}, ${trunk.nic.name} on ${trunk.node.name}): ` +
                (trunk.lldp.vlans.includes(v.pvid)
                  ? `that trunk advertises VLAN ${v.pvid}, so ${net.name}'s VMs and ${nic.name}'s host network share one broadcast domain.`
                  : `if the switch carries VLAN ${v.pvid} on that trunk, ${net.name}'s VMs and ${nic.name}'s host network share one broadcast domain.`),
              evidence: refs(v.evidence, net.evidence, trunk.lldp.evidence),
              fix: [
                `${v.systemName}# show vlan id ${v.pvid}   # lists every port in VLAN ${v.pvid}: the trunk must not carry it for the host network`,
                `tcpdump -e -nn -c 20 -i ${trunk.nic.name} vlan ${v.pvid}   # on ${trunk.node.name}: host traffic here means a shared segment`,
                `# move ${nic.name}'s port to a VLAN no network uses, or move ${net.name} off VLAN ${v.pvid} and drop ${v.pvid} from network_vlan_ranges`,
              ],
            }),
          );
        }
      }
    return out;
  },
};

export const switchRules: Rule[] = [
  portSummary,
  lldpMissing,
  accessPort,
  trunkMissingVlans,
  nativeVlanIsSegment,
  segmentOutsideRanges,
  accessVlanIsSegment,
];
