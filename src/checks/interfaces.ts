/**
 * The host NICs under Neutron (guide: "Check Interfaces"; F15, F09, F25, F05): the NICs that carry provider,
 * external, management and tunnel traffic are up with carrier, sit in the OVS bridge their physnet is mapped
 * to, and have an MTU the networks they carry fit in.
 *
 * NIC error and drop counters are not checked: the model keeps no per-NIC counters (only `ip -s` text would
 * hold them), so they stay out of scope rather than being guessed.
 */
import type { Bridge, CloudModel, EvidenceRef, Link, Network, Nic, NodeModel } from "../model/types.js";
import { bridgeGroup, bridgeOf, nodeFilePath, refs, uplinksOf, usesPhysnet } from "./ovs-chain.js";
import { list } from "./security-groups.js";
import { type Finding, finding, type Rule } from "./types.js";

// ---------------------------------------------------------------------------------------------------------
// Shared with switch.ts.

/** Group key of a NIC-level root cause (down, outside its bridge, facing the wrong switch port). */
export function nicGroup(node: string, nic: string): string {
  return `nic:${node}:${nic}`;
}

/** The physnet a NIC carries: declared in node.json, else the one `bridge_mappings` gives its OVS bridge. */
export function physnetOfNic(node: NodeModel, nic: Nic): string | undefined {
  return nic.physnet ?? node.config.bridgeMappings.find((m) => m.bridge === nic.bridge)?.physnet;
}

/** A NIC the node's Neutron traffic depends on, and why. */
export interface WatchedNic {
  name: string;
  /** `provider NIC of physnet trunknet`, `uplink of br-data (physnet physnet1)`, `tunnel endpoint (local_ip …)`. */
  why: string[];
  kind: "provider" | "external" | "mgmt" | "tunnel";
  nic?: Nic;
  link?: Link;
  physnet?: string;
  /** The OVS bridge holding it. */
  bridge?: string;
}

const WATCHED_ROLES = new Set(["provider", "external", "mgmt", "tunnel"]);

/** The address `[ovs] local_ip` names, without a prefix length. */
function localIp(node: NodeModel): string | undefined {
  return node.config.options["ovs.local_ip"]?.trim() || undefined;
}

/** The link holding `local_ip`: the tunnel underlay (a NIC, a VLAN device or a bridge). */
function tunnelLink(node: NodeModel): Link | undefined {
  const ip = localIp(node);
  return ip === undefined
    ? undefined
    : node.links.find((l) => l.addresses.some((a) => a.cidr.split("/")[0] === ip));
}

/** Bridges that must hold a NIC: the mapped ones, and Juno's `external_network_bridge`. */
function wiredBridges(node: NodeModel): { bridge: string; physnet?: string }[] {
  const out: { bridge: string; physnet?: string }[] = node.config.bridgeMappings.map((m) => ({ ...m }));
  const ext = node.config.options["DEFAULT.external_network_bridge"]?.trim();
  if (ext && !out.some((b) => b.bridge === ext)) out.push({ bridge: ext });
  return out;
}

/**
 * NICs whose failure cuts Neutron traffic on a node: those node.json gives a role, the uplinks of mapped
 * bridges (so a sosreport without NIC roles is still covered) and the link holding `local_ip`.
 */
export function watchedNics(node: NodeModel): WatchedNic[] {
  const out = new Map<string, WatchedNic>();
  const add = (name: string, kind: WatchedNic["kind"], why: string, extra: Partial<WatchedNic> = {}) => {
    let w = out.get(name);
    if (!w) {
      w = { name, why: [], kind };
      const nic = node.nics.find((n) => n.name === name);
      if (nic) w.nic = nic;
      const link = nic?.link ?? node.links.find((l) => l.name === name);
      if (link) w.link = link;
    }
    if (!w.why.includes(why)) w.why.push(why);
    if (w.physnet === undefined && extra.physnet !== undefined) w.physnet = extra.physnet;
    if (w.bridge === undefined && extra.bridge !== undefined) w.bridge = extra.bridge;
    out.set(name, w);
  };
  for (const nic of node.nics) {
    if (nic.role === undefined || !WATCHED_ROLES.has(nic.role)) continue;
    const physnet = physnetOfNic(node, nic);
    add(
      nic.name,
      nic.role as WatchedNic["kind"],
      `${nic.role} NIC${physnet ? ` of physnet ${physnet}` : ""}`,
      {
        ...(physnet !== undefined ? { physnet } : {}),
        ...(nic.bridge !== undefined ? { bridge: nic.bridge } : {}),
      },
    );
  }
  for (const { bridge, physnet } of wiredBridges(node)) {
    const br = bridgeOf(node, bridge);
    // A declared NIC already says what it carries; the bridge only names the undeclared ones.
    for (const p of (br ? uplinksOf(br) : []).filter((u) => !out.has(u.name))) {
      add(
        p.name,
        physnet === undefined ? "external" : "provider",
        `uplink of ${bridge}${physnet ? ` (physnet ${physnet})` : ""}`,
        {
          bridge,
          ...(physnet !== undefined ? { physnet } : {}),
        },
      );
    }
  }
  const tun = tunnelLink(node);
  if (tun) add(tun.name, "tunnel", `tunnel endpoint (local_ip ${localIp(node)})`);
  return [...out.values()];
}

/** What losing this NIC does to traffic, in one sentence. */
function outage(node: NodeModel, w: WatchedNic): string {
  const physnet = w.physnet ? `physnet ${w.physnet}` : "its provider network";
  switch (w.kind) {
    case "provider":
      return `Every network of ${physnet} on ${node.name} is cut off from the other nodes: its VMs reach only each other on this host (no DHCP, no router, no VM elsewhere).`;
    case "external":
      return `Routers on ${node.name} lose the external network: floating IPs and SNAT stop.`;
    case "tunnel":
      return `Every VXLAN/GRE network loses the path between ${node.name} and the other nodes.`;
    case "mgmt":
      return `${node.name} loses its management network: RPC to neutron-server and nova stops and its agents turn dead (XXX) after agent_down_time.`;
  }
}

const LINK_DOWN_STATES = new Set(["DOWN", "LOWERLAYERDOWN"]);

const nicDown: Rule = {
  id: "interfaces.nic-down",
  title: "A NIC carrying Neutron traffic is down or has no carrier",
  severity: "critical",
  category: "interfaces",
  faults: ["F15", "guide:check-interfaces"],
  doc: {
    checks:
      "Every NIC with a provider, external, management or tunnel role (node.json), every NIC in a bridge of `bridge_mappings` (or Juno's `external_network_bridge`) and the link holding `local_ip`: `ip` must show it UP and LOWER_UP, not state DOWN / NO-CARRIER.",
    why: "All traffic of that NIC stops at once, typically after a reboot (a NIC without an IP address that only OVS uses is not brought up by the distribution's network config) or when the cable or switch port is down.",
    fix: "`ip link set <nic> up` and make it persistent in the host network config; without carrier, check the cable and the switch port (`ethtool <nic>`: Link detected).",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      for (const w of watchedNics(node)) {
        const link = w.link;
        if (!link) continue;
        const adminDown = !link.up;
        if (!adminDown && link.lowerUp && !LINK_DOWN_STATES.has(link.state ?? "")) continue;
        const port = w.bridge ? bridgeOf(node, w.bridge)?.ports.find((p) => p.name === w.name) : undefined;
        const sw = w.nic?.lldp;
        out.push(
          finding(nicDown, {
            node: node.name,
            object: `NIC ${w.name}`,
            title: `${w.name} (${list(w.why)}) ${adminDown ? "is administratively down" : "has no carrier"} on ${node.name}`,
            explanation:
              (adminDown
                ? `\`ip\` shows ${w.name} without the UP flag (state ${link.state ?? "unknown"}): nobody brought it up. `
                : `\`ip\` shows ${w.name} UP but without LOWER_UP (state ${link.state ?? "unknown"}, NO-CARRIER): there is no link to the switch. `) +
              outage(node, w),
            evidence: refs(link.evidence, port?.evidence),
            fix: adminDown
              ? [
                  `ip link set ${w.name} up`,
                  `ip link show ${w.name}`,
                  ...(w.bridge ? [`ovs-ofctl show ${w.bridge}`] : []),
                  `# persist: give ${w.name} ONBOOT=yes / "auto ${w.name}" in the host network config so it comes up after a reboot`,
                ]
              : [
                  `ethtool ${w.name}`,
                  `ip link show ${w.name}`,
                  ...(sw?.systemName && (sw.portDescr ?? sw.portId)
                    ? [`${sw.systemName}# show interfaces ${sw.portDescr ?? sw.portId} status`]
                    : [`# check the cable and that the switch port of ${w.name} is not shut down`]),
                ],
            group: nicGroup(node.name, w.name),
            root: true,
          }),
        );
      }
    }
    return out;
  },
};

const nicAbsent: Rule = {
  id: "interfaces.nic-absent",
  title: "A NIC node.json declares does not exist on the node",
  severity: "warning",
  category: "interfaces",
  faults: ["F15", "F09"],
  doc: {
    checks: "Every NIC node.json gives a role is in the node's `ip addr` output.",
    why: "Either the NIC was renamed (new kernel naming, replaced card) and the bridge or host config still names the old one, or node.json is stale; whether traffic is affected is unknown until the real NIC is found.",
    fix: "Find the NIC by MAC or LLDP (`ip -br link`, `lldpctl`), then fix the bridge port (`ovs-vsctl add-port`) or node.json.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      // Without any `ip` output the model already reports the gap; absence means nothing then.
      if (node.links.length === 0) continue;
      for (const nic of node.nics) {
        if (nic.role === undefined || !WATCHED_ROLES.has(nic.role) || nic.link) continue;
        const physnet = physnetOfNic(node, nic);
        out.push(
          finding(nicAbsent, {
            node: node.name,
            object: `NIC ${nic.name}`,
            title: `${nic.name} (${nic.role} NIC${physnet ? ` of physnet ${physnet}` : ""}) is not in \`ip addr\` on ${node.name}`,
            explanation: `node.json declares ${nic.name} but the node's \`ip\` output has no such device: it was renamed or removed, or node.json is stale. Whether ${physnet ? `physnet ${physnet}` : "its traffic"} still has a NIC is unknown until the real device is identified.`,
            evidence: [{ path: node.links[0]!.evidence.path }],
            fix: [
              "ip -br link",
              ...(nic.bridge ? [`ovs-vsctl list-ports ${nic.bridge}`] : []),
              `ip link show ${nic.name}`,
            ],
          }),
        );
      }
    }
    return out;
  },
};

/** A NIC sits in the bridge directly, or through the Linux bond that does. */
function attached(nic: Nic, br: Bridge): boolean {
  if (nic.bridge === br.name) return true;
  const master = nic.link?.master;
  return master !== undefined && uplinksOf(br).some((p) => p.name === master);
}

const nicNotInBridge: Rule = {
  id: "interfaces.nic-not-in-bridge",
  title: "A provider or external NIC is not a port of the bridge its physnet is mapped to",
  severity: "error",
  category: "interfaces",
  faults: ["F09"],
  doc: {
    checks:
      "A NIC node.json declares for a physnet is a port (or a bond member of a port) of the bridge `bridge_mappings` maps that physnet to; Juno's `external_network_bridge` (not mapped) holds a NIC. A mapped bridge with no NIC at all is reported by ovs.provider-bridge-no-uplink.",
    why: "Frames of the physnet leave br-int, are translated on the provider bridge and have no way out (or go out of the wrong wire): VMs on the node reach each other but nothing off the host; for br-ex, routers reach their qg- address but not the external gateway.",
    fix: "`ovs-vsctl del-port <wrong bridge> <nic>` if needed, then `ovs-vsctl add-port <bridge> <nic>`, and make it persistent in the host network config.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const mappingEvidence = node.config.evidence["ovs.bridge_mappings"];
      for (const nic of node.nics) {
        if ((nic.role !== "provider" && nic.role !== "external") || nic.physnet === undefined) continue;
        const mapped = node.config.bridgeMappings.find((m) => m.physnet === nic.physnet)?.bridge;
        const br = mapped === undefined ? undefined : bridgeOf(node, mapped);
        if (!br || attached(nic, br)) continue;
        const others = uplinksOf(br).map((p) => p.name);
        // An empty bridge is ovs.provider-bridge-no-uplink's finding, with this NIC in its fix.
        if (nic.bridge === undefined && others.length === 0) continue;
        const wrong = nic.bridge === undefined ? undefined : bridgeOf(node, nic.bridge);
        const wrongPort = wrong?.ports.find((p) => p.name === nic.name);
        const holds =
          others.length > 0 ? `${br.name} holds ${list(others)} instead` : `${br.name} holds no NIC`;
        out.push(
          finding(nicNotInBridge, {
            node: node.name,
            object: `NIC ${nic.name}`,
            title: `${nic.name} (physnet ${nic.physnet}) is ${wrong ? `a port of ${wrong.name}, not of ${br.name}` : `not a port of ${br.name}`} on ${node.name}`,
            explanation:
              `bridge_mappings sends physnet ${nic.physnet} through ${br.name}, and node.json says ${nic.name} is its NIC, but ` +
              (wrong ? `${nic.name} is plugged into ${wrong.name}` : `${nic.name} is in no OVS bridge`) +
              ` and ${holds}: either the NICs were swapped (cabling, renamed devices) or node.json names the wrong one. ` +
              `Traffic of physnet ${nic.physnet} leaves ${node.name} through ${others.length > 0 ? list(others) : "nothing"}${wrong ? `, and ${wrong.name}'s traffic through ${nic.name}` : ""}.`,
            evidence: refs(
              br.evidence,
              ...br.ports.filter((p) => others.includes(p.name)).map((p) => p.evidence),
              wrongPort?.evidence,
              nic.link?.evidence,
              mappingEvidence,
            ),
            fix: [
              `ovs-vsctl list-ports ${br.name}`,
              `tcpdump -vvv -s 1500 -c 1 ether proto 0x88cc -i ${nic.name}`,
              ...(wrong ? [`ovs-vsctl del-port ${wrong.name} ${nic.name}`] : []),
              `ovs-vsctl add-port ${br.name} ${nic.name}`,
              `ip link set ${nic.name} up`,
            ],
            group: nicGroup(node.name, nic.name),
            root: true,
          }),
        );
      }
      // Juno's external_network_bridge is not in bridge_mappings, so no other rule looks at its NIC.
      const ext = node.config.options["DEFAULT.external_network_bridge"]?.trim();
      const br = ext ? bridgeOf(node, ext) : undefined;
      if (!br || node.config.bridgeMappings.some((m) => m.bridge === br.name) || uplinksOf(br).length > 0)
        continue;
      // All-in-one labs route the external network through the bridge's own address.
      if (node.links.find((l) => l.name === br.name)?.addresses.some((a) => a.family === "inet")) continue;
      const gateways = br.ports.filter((p) => p.role === "router-gateway").map((p) => p.name);
      const nic = node.nics.find((n) => n.role === "external");
      out.push(
        finding(nicNotInBridge, {
          node: node.name,
          severity: gateways.length > 0 ? "error" : "warning",
          object: `bridge ${br.name}`,
          title: `${br.name} (external_network_bridge) has no physical NIC on ${node.name}`,
          explanation:
            `The L3 agent plugs router gateways straight into ${br.name}, which holds no NIC: ` +
            (gateways.length > 0
              ? `${list(gateways)} reach${gateways.length === 1 ? "es" : ""} nothing beyond ${node.name}, so floating IPs and SNAT of ${gateways.length === 1 ? "its router" : "these routers"} are dead.`
              : `no router gateway is plugged yet, but the first one will reach nothing beyond ${node.name}.`),
          evidence: refs(br.evidence, node.config.evidence["DEFAULT.external_network_bridge"]),
          fix: [
            `ovs-vsctl list-ports ${br.name}`,
            nic
              ? `ovs-vsctl add-port ${br.name} ${nic.name}`
              : `# ovs-vsctl add-port ${br.name} <the NIC cabled to the external network>`,
            ...(nic ? [`ip link set ${nic.name} up`] : []),
          ],
          group: bridgeGroup(node.name, br.name),
          root: true,
        }),
      );
    }
    return out;
  },
};

/** Encapsulation overhead beyond the outer IP header (neutron-ovs-facts §9); Geneve's is its minimum. */
const ENCAP_OVERHEAD: Record<string, number> = { vxlan: 30, gre: 22, geneve: 30 };

/** The MTU Neutron uses for flat/VLAN networks when the API does not say (Mitaka and later). */
function globalPhysnetMtu(model: CloudModel): { mtu: number; evidence?: EvidenceRef } | undefined {
  for (const node of model.nodes) {
    const v = Number(node.config.options["DEFAULT.global_physnet_mtu"]);
    if (Number.isInteger(v) && v > 0)
      return { mtu: v, evidence: node.config.evidence["DEFAULT.global_physnet_mtu"] };
  }
  return undefined;
}

const byMtu = (nets: Network[]) => nets.map((n) => `${n.name} (${n.mtu})`);

const mtuTooSmall: Rule = {
  id: "interfaces.mtu-too-small",
  title: "A NIC's MTU is smaller than the networks it carries need",
  severity: "error",
  category: "interfaces",
  faults: ["F25", "F05"],
  doc: {
    checks:
      "The MTU of every NIC in a mapped bridge is at least the `mtu` of each flat/VLAN network of its physnet (or `global_physnet_mtu` when the API gives none); the MTU of the link holding `local_ip` is at least each tunnel network's `mtu` plus the outer IP header (20/40) and the encapsulation (VXLAN 30, GRE 22, Geneve ≥ 30) for the agent's `tunnel_types`.",
    why: "Small packets pass and large ones vanish: ping works, SSH hangs after the key exchange, HTTPS and storage traffic stall (DF set, the ICMP 'fragmentation needed' rarely comes back). Same-host traffic is fine.",
    fix: "Raise the NIC (and switch port) MTU, or lower the network MTU (`openstack network set --mtu`, `global_physnet_mtu`/`path_mtu`) and renew DHCP leases in the VMs.",
  },
  run({ model }) {
    const out: Finding[] = [];
    const global = globalPhysnetMtu(model);
    for (const node of model.nodes) {
      for (const { bridge, physnet } of node.config.bridgeMappings) {
        const br = bridgeOf(node, bridge);
        const nets = model.networks.filter((n) => usesPhysnet(n) && n.physnet === physnet);
        const known = nets.filter((n) => n.mtu !== undefined);
        for (const up of br ? uplinksOf(br) : []) {
          const link = node.links.find((l) => l.name === up.name);
          if (link?.mtu === undefined) continue;
          const nicMtu = link.mtu;
          const tooBig = known.filter((n) => n.mtu! > nicMtu);
          // Without network MTUs in the API, global_physnet_mtu is what Neutron gives them.
          const fromConfig =
            known.length === 0 && nets.length > 0 && global && global.mtu > nicMtu ? global : undefined;
          if (tooBig.length === 0 && !fromConfig) continue;
          const need = fromConfig ? fromConfig.mtu : Math.max(...tooBig.map((n) => n.mtu!));
          out.push(
            finding(mtuTooSmall, {
              node: node.name,
              // Inferred from the config, not read from the networks: likely, not certain.
              ...(fromConfig ? { severity: "warning" as const } : {}),
              object: `NIC ${up.name}`,
              title: `${up.name} (mtu ${nicMtu}) is too small for physnet ${physnet}'s networks (up to ${need}) on ${node.name}`,
              explanation:
                (fromConfig
                  ? `global_physnet_mtu = ${fromConfig.mtu} gives the networks of physnet ${physnet} (${list(nets.map((n) => n.name))}) an MTU of up to ${fromConfig.mtu}, `
                  : `${list(byMtu(tooBig))} ${tooBig.length === 1 ? "has" : "have"} a larger MTU than ${up.name}, `) +
                `but ${up.name} in ${bridge} carries ${nicMtu}: VMs send frames up to ${need} bytes that ${up.name} cannot transmit, so large packets between nodes are lost while small ones (ping, DHCP) pass.`,
              evidence: refs(
                link.evidence,
                ...(fromConfig ? [fromConfig.evidence] : tooBig.map((n) => n.evidence)),
              ),
              fix: [
                `ip link show ${up.name}`,
                `ip link set ${up.name} mtu ${need}   # and the switch port, persistently`,
                ...(fromConfig
                  ? [
                      `crudini --set ${nodeFilePath(fromConfig.evidence, "/etc/neutron/neutron.conf")} DEFAULT global_physnet_mtu ${nicMtu}   # or lower Neutron's MTU instead`,
                    ]
                  : tooBig.map(
                      (n) =>
                        `openstack network set --mtu ${nicMtu} ${n.name}   # or lower the network MTU instead`,
                    )),
                `ping -M do -s ${need - 28} <address of a VM on another node>   # from a VM: must pass`,
              ],
            }),
          );
        }
      }
      const types = (node.config.options["agent.tunnel_types"] ?? "")
        .split(",")
        .map((t) => t.trim().toLowerCase())
        .filter((t) => ENCAP_OVERHEAD[t] !== undefined);
      const link = tunnelLink(node);
      if (types.length === 0 || link?.mtu === undefined) continue;
      const ipHeader = localIp(node)!.includes(":") ? 40 : 20;
      const need = (n: Network) => n.mtu! + ipHeader + ENCAP_OVERHEAD[n.networkType!]!;
      const tooBig = model.networks.filter(
        (n) => n.mtu !== undefined && types.includes(n.networkType ?? "") && need(n) > link.mtu!,
      );
      if (tooBig.length === 0) continue;
      const worst = Math.max(...tooBig.map(need));
      out.push(
        finding(mtuTooSmall, {
          node: node.name,
          object: `NIC ${link.name}`,
          title: `${link.name} (tunnel underlay, mtu ${link.mtu}) is too small for ${list(tooBig.map((n) => n.name))} on ${node.name}`,
          explanation:
            `${list(byMtu(tooBig))} ${tooBig.length === 1 ? "is" : "are"} tunnelled from local_ip ${localIp(node)} on ${link.name}, which adds ${ipHeader} bytes of outer IP header plus the ${list([...new Set(tooBig.map((n) => n.networkType!))])} encapsulation: full-size frames need up to ${worst} bytes but ${link.name} carries ${link.mtu}, ` +
            "so large packets between nodes are dropped (PMTU black hole: SSH hangs, downloads stall) while small ones pass.",
          evidence: refs(
            link.evidence,
            node.config.evidence["ovs.local_ip"],
            node.config.evidence["agent.tunnel_types"],
            ...tooBig.map((n) => n.evidence),
          ),
          fix: [
            `ip link show ${link.name}`,
            ...tooBig.map(
              (n) =>
                `openstack network set --mtu ${link.mtu! - (need(n) - n.mtu!)} ${n.name}   # then renew DHCP in its VMs`,
            ),
            `ip link set ${link.name} mtu ${worst}   # or raise the underlay instead (NIC and switch ports)`,
            `ping -M do -s ${Math.min(...tooBig.map((n) => n.mtu!)) - 28} <address of a VM on another node>   # from a VM: must pass`,
          ],
        }),
      );
    }
    return out;
  },
};

export const interfaceRules: Rule[] = [nicDown, nicAbsent, nicNotInBridge, mtuTooSmall];
