/**
 * DHCP and router namespaces (neutron-ovs-facts §10): every DHCP-enabled network served by a qdhcp namespace
 * whose tap holds the DHCP port's IP on the right local VLAN; every router's qrouter (DVR: snat) namespace with
 * its qr-/qg- ports, default route and NAT; namespaces nobody owns any more; L3-HA routers active twice or
 * nowhere; DHCP servers in namespaces that no Neutron DHCP port of this host backs.
 */
import { classifyDevice, deviceName } from "../model/naming.js";
import type {
  CloudModel,
  EvidenceRef,
  Link,
  Namespace,
  NeutronPort,
  NodeModel,
  Router,
} from "../model/types.js";
import { hostMatches, intBridgeName, refs } from "./ovs-chain.js";
import { type Finding, finding, type Rule } from "./types.js";
import {
  type AgentKind,
  agentFor,
  agentGroup,
  agentsOfKind,
  linkNamed,
  networkLabel,
  nodeForHost,
  ovsPortNamed,
  portLabel,
} from "./vm-wiring.js";

type FloatingIpRow = CloudModel["floatingIps"][number];

const ROUTER_INTERFACE_OWNERS = new Set([
  "network:router_interface",
  "network:router_interface_distributed",
  "network:ha_router_replicated_interface",
]);
/** Ports whose binding host runs the router's namespace (legacy, HA, DVR SNAT). */
const ROUTER_HOSTING_OWNERS = new Set([
  "network:router_interface",
  "network:router_gateway",
  "network:router_ha_interface",
  "network:ha_router_replicated_interface",
  "network:router_centralized_snat",
]);

const ipOf = (cidr: string): string => cidr.split("/")[0] ?? cidr;
const hasIp = (l: Link, ip: string): boolean => l.addresses.some((a) => ipOf(a.cidr) === ip);
const hasIpv4 = (l: Link): boolean => l.addresses.some((a) => a.family === "inet");
const isIpv4 = (ip: string): boolean => /^\d+\.\d+\.\d+\.\d+$/.test(ip);
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `ip netns` was read on the node (a node without any namespace tells nothing about missing ones). */
const nsKnown = (node: NodeModel): boolean => node.namespaces.length > 0;

function nsOf(node: NodeModel, kind: Namespace["kind"], id: string): Namespace | undefined {
  return node.namespaces.find((n) => n.kind === kind && n.objectId === id);
}

function routerLabel(r: Router | undefined, id: string): string {
  return r?.name ? `router ${r.name} (${id})` : `router ${id}`;
}

function dhcpPortsOf(model: CloudModel, networkId: string): NeutronPort[] {
  return model.ports.filter((p) => p.networkId === networkId && p.deviceOwner === "network:dhcp");
}

function routerPorts(model: CloudModel, routerId: string): NeutronPort[] {
  return model.ports.filter((p) => p.deviceId === routerId);
}

function gatewayPort(model: CloudModel, routerId: string): NeutronPort | undefined {
  return model.ports.find((p) => p.deviceId === routerId && p.deviceOwner === "network:router_gateway");
}

function hasGateway(model: CloudModel, r: Router): boolean {
  return r.externalNetworkId !== undefined || gatewayPort(model, r.id) !== undefined;
}

/** DVR: a snat- namespace, an rfp- link to fip-, or distributed interface ports. */
function isDvr(model: CloudModel, routerId: string): boolean {
  return (
    model.nodes.some(
      (n) =>
        nsOf(n, "snat", routerId) !== undefined ||
        nsOf(n, "qrouter", routerId)?.links.some((l) => l.name.startsWith("rfp-")) === true,
    ) || routerPorts(model, routerId).some((p) => p.deviceOwner === "network:router_interface_distributed")
  );
}

const isHa = (ns: Namespace): boolean => ns.links.some((l) => l.name.startsWith("ha-"));

/**
 * A router namespace instance that carries the router's addresses: its qg- (or, without gateway, qr-/sg-)
 * devices UP with an IPv4 address. keepalived strips them on an L3-HA backup (and newer agents set qg- DOWN).
 */
function isActive(ns: Namespace): boolean {
  return ns.links.some((l) => /^(qg-|qr-|sg-)/.test(l.name) && l.up && hasIpv4(l));
}

/** The namespace that holds a router's gateway side: snat- for DVR, qrouter- otherwise. */
function gatewayKind(model: CloudModel, routerId: string): "snat" | "qrouter" {
  return isDvr(model, routerId) ? "snat" : "qrouter";
}

/** The agent of a kind on a host, when dead: the sentence, its evidence and the group it heads elsewhere. */
function deadAgent(model: CloudModel, host: string, kind: AgentKind, what: string) {
  const found = agentFor(model, host, kind);
  if (found?.agent.alive !== false) return undefined;
  return {
    text: ` The ${what} on ${host} is dead.`,
    evidence: found.agent.evidence,
    group: agentGroup(found.agent),
  };
}

/**
 * Every node running an agent of this kind, when all of them are in the snapshot with `ip netns` read;
 * undefined otherwise (a namespace absent from the nodes we have may live on one we do not).
 */
function allAgentNodes(model: CloudModel, kind: AgentKind): NodeModel[] | undefined {
  const hosts = agentsOfKind(model, kind).flatMap((a) => (a.host === undefined ? [] : [a.host]));
  const nodes = hosts.map((h) => nodeForHost(model, h));
  if (hosts.length === 0 || nodes.some((n) => n === undefined || !nsKnown(n))) return undefined;
  return [...new Set(nodes as NodeModel[])];
}

const nsListRef = (node: NodeModel): EvidenceRef[] => refs(node.namespaces.find((n) => n.evidence)?.evidence);

// ---------------------------------------------------------------------------------------------------------

const dhcpMissing: Rule = {
  id: "namespaces.dhcp-missing",
  title: "DHCP-enabled network not served by a qdhcp namespace",
  severity: "error",
  category: "namespaces",
  faults: ["F03"],
  doc: {
    checks:
      "Every network with a DHCP-enabled subnet has a DHCP port bound to a DHCP agent (not `reserved_dhcp_port`), and each host its DHCP ports are bound to has the qdhcp-<network> namespace; without port data, one of the DHCP agents' nodes has it (judged only when all of them are in the snapshot). Nodes whose `ip netns` was not collected are not judged.",
    why: "Instances on the network get no lease (`udhcpc … No lease`, cloud-init waiting for network).",
    fix: "Restart neutron-dhcp-agent on the host; schedule the network: `openstack network agent add network --dhcp <agent> <network>`.",
  },
  run({ model }) {
    const out: Finding[] = [];
    const dhcpAgents = agentsOfKind(model, "dhcp");
    const alive = dhcpAgents.find((a) => a.alive !== false && a.id !== undefined);
    const schedule = (net: string) =>
      alive
        ? `openstack network agent add network --dhcp ${alive.id} ${net}`
        : `openstack network agent list --agent-type dhcp  # then: openstack network agent add network --dhcp <agent id> ${net}`;
    for (const net of model.networks) {
      const subnets = model.subnets.filter((s) => s.networkId === net.id && s.enableDhcp === true);
      if (subnets.length === 0) continue;
      const name = net.name;
      const ports = dhcpPortsOf(model, net.id);
      const serving = ports.filter((p) => p.hostId !== undefined && p.deviceId !== "reserved_dhcp_port");
      const base = {
        object: `network ${name}`,
        explanation: `Instances on ${name} (${subnets.map((s) => s.cidr ?? s.id).join(", ")}) send DHCPDISCOVER and nobody answers: they boot without an address.`,
      };
      if (model.ports.length > 0 && serving.length === 0) {
        const vmPorts = model.ports.filter(
          (p) => p.networkId === net.id && p.deviceOwner?.startsWith("compute:"),
        );
        out.push(
          finding(dhcpMissing, {
            ...base,
            ...(vmPorts.length === 0 ? { severity: "warning" as const } : {}),
            title: `${name} has DHCP enabled but ${ports.length === 0 ? "no DHCP port" : "only DHCP ports reserved from a lost agent"}: no DHCP agent serves it`,
            evidence: refs(subnets[0]?.evidence, ...ports.map((p) => p.evidence)),
            fix: [`openstack network agent list --agent-type dhcp --network ${net.id}`, schedule(net.id)],
          }),
        );
        continue;
      }
      const judged = serving
        .map((p) => ({ port: p, node: nodeForHost(model, p.hostId!) }))
        .filter((x): x is { port: NeutronPort; node: NodeModel } => x.node !== undefined && nsKnown(x.node));
      for (const { port, node } of judged) {
        if (nsOf(node, "qdhcp", net.id)) continue;
        const dead = deadAgent(model, port.hostId!, "dhcp", "DHCP agent");
        out.push(
          finding(dhcpMissing, {
            ...base,
            node: node.name,
            object: `namespace qdhcp-${net.id}`,
            title: `qdhcp-${net.id} (${name}) missing on ${node.name}, where its DHCP port ${port.id} is bound`,
            explanation: `${base.explanation}${dead?.text ?? ""}`,
            evidence: refs(...nsListRef(node), port.evidence, dead?.evidence),
            fix: [
              `ip netns | grep qdhcp-${net.id}`,
              `ps -ef | grep dnsmasq | grep ${net.id}`,
              "systemctl restart neutron-dhcp-agent",
              `openstack network agent list --agent-type dhcp --network ${net.id}`,
            ],
            ...(dead ? { group: dead.group } : {}),
          }),
        );
      }
      // Without port data, one of the DHCP agents' nodes should have it.
      const candidates = model.ports.length === 0 ? allAgentNodes(model, "dhcp") : undefined;
      if (!candidates || model.nodes.some((n) => nsOf(n, "qdhcp", net.id))) continue;
      out.push(
        finding(dhcpMissing, {
          ...base,
          ...(candidates.length === 1 ? { node: candidates[0]!.name } : {}),
          title: `no qdhcp-${net.id} (${name}) on ${candidates.map((n) => n.name).join(", ")}`,
          evidence: refs(subnets[0]?.evidence, ...candidates.flatMap(nsListRef)),
          fix: [
            `ip netns | grep qdhcp-${net.id}`,
            `openstack network agent list --agent-type dhcp --network ${net.id}`,
            "systemctl restart neutron-dhcp-agent",
            schedule(net.id),
          ],
        }),
      );
    }
    return out;
  },
};

const dhcpPortBroken: Rule = {
  id: "namespaces.dhcp-port-broken",
  title: "qdhcp namespace without a working DHCP port",
  severity: "error",
  category: "namespaces",
  faults: ["F03"],
  doc: {
    checks:
      "In each qdhcp namespace, the DHCP port bound to this host has its device (tap…, or ns… with ovs_use_veth) UP with the port's fixed IPs (except on subnets known to have DHCP off), and its tap is a port of the integration bridge. Without port data, every tap/ns- device must be UP with an IPv4 address. The tap's VLAN tag (4095, none, not the network's local VLAN) and OVS interface errors are judged for every br-int port by ovs.dead-vlan-port, ovs.untagged-agent-port, vlan.local-vlan-mismatch and ovs.interface-error.",
    why: "dnsmasq listens on that address and device; without it, or with the namespace cut off from br-int, DISCOVERs never reach it and instances get no lease.",
    fix: "Restart neutron-dhcp-agent (it re-plugs the port and re-adds the address).",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      const intBr = intBridgeName(node);
      for (const ns of node.namespaces.filter((n) => n.kind === "qdhcp" && n.objectId !== undefined)) {
        const netId = ns.objectId!;
        const net = networkLabel(model, netId);
        // Neutron gives the DHCP port an address on each DHCP-enabled subnet; unknown subnets count as enabled.
        const noDhcp = new Set(
          model.subnets.filter((s) => s.networkId === netId && s.enableDhcp === false).map((s) => s.id),
        );
        const bound = dhcpPortsOf(model, netId).filter(
          (p) => p.hostId !== undefined && hostMatches(node, p.hostId),
        );
        // Each device to judge: its name in the namespace and on br-int, the IPs it must hold.
        const devices: { port?: NeutronPort; nsNames: string[]; ovsName: string; ips: string[] }[] =
          bound.length > 0
            ? bound.map((p) => ({
                port: p,
                nsNames: [deviceName("tap", p.id), deviceName("ns-", p.id)],
                ovsName: deviceName("tap", p.id),
                ips: p.fixedIps
                  .filter((f) => f.subnetId === undefined || !noDhcp.has(f.subnetId))
                  .map((f) => f.ip),
              }))
            : model.ports.length > 0
              ? []
              : ns.links
                  .filter((l) => /^(tap|ns-)/.test(l.name))
                  .map((l) => ({
                    nsNames: [l.name],
                    ovsName: `tap${classifyDevice(l.name).portStem ?? l.name.replace(/^(tap|ns-)/, "")}`,
                    ips: [],
                  }));
        for (const d of devices) {
          const problems: { title: string; explanation: string; object: string; evidence: EvidenceRef[] }[] =
            [];
          const dev = ns.links.find((l) => d.nsNames.includes(l.name));
          const nsObject = `namespace ${ns.name} device ${dev?.name ?? d.nsNames[0]}`;
          if (ns.links.length > 0) {
            if (!dev)
              problems.push({
                object: nsObject,
                title: `${ns.name} (${net}) has no ${d.nsNames.join("/")} device`,
                explanation: "dnsmasq has no interface on the network: every DHCPDISCOVER goes unanswered.",
                evidence: refs(ns.links[0]?.evidence, d.port?.evidence),
              });
            else if (!dev.up)
              problems.push({
                object: nsObject,
                title: `${dev.name} in ${ns.name} (${net}) is DOWN`,
                explanation: "The DHCP device is down: dnsmasq receives nothing and instances get no lease.",
                evidence: refs(dev.evidence),
              });
            else {
              const missing = d.ips.filter((ip) => !hasIp(dev, ip));
              if (missing.length > 0)
                problems.push({
                  object: nsObject,
                  title: `${dev.name} in ${ns.name} lacks the DHCP port's address ${missing.join(", ")}`,
                  explanation: `dnsmasq serves the subnet from ${missing.join(", ")}; without that address on ${dev.name} it cannot answer (and metadata through the DHCP namespace fails too).`,
                  evidence: refs(dev.evidence, d.port?.evidence),
                });
              else if (d.port === undefined && !hasIpv4(dev))
                problems.push({
                  object: nsObject,
                  title: `${dev.name} in ${ns.name} has no IPv4 address`,
                  explanation: "dnsmasq has no address to serve the subnet from: instances get no lease.",
                  evidence: refs(dev.evidence),
                });
            }
          }
          // Its tag and any OVS error are judged for every br-int port by ovs.dead-vlan-port,
          // ovs.untagged-agent-port, vlan.local-vlan-mismatch and ovs.interface-error; here only its absence.
          if (node.bridges.length > 0 && !ovsPortNamed(node, d.ovsName))
            problems.push({
              object: `${intBr} port ${d.ovsName}`,
              title: `DHCP tap ${d.ovsName} of ${ns.name} is not a port of ${intBr}`,
              explanation: `The namespace is cut off from ${intBr}: no DISCOVER from an instance reaches dnsmasq.`,
              evidence: refs(dev?.evidence, node.bridges[0]?.evidence, d.port?.evidence),
            });
          const dead = deadAgent(model, d.port?.hostId ?? node.name, "dhcp", "DHCP agent");
          for (const p of problems)
            out.push(
              finding(dhcpPortBroken, {
                node: node.name,
                object: p.object,
                title: p.title,
                explanation: `${p.explanation}${dead?.text ?? ""}`,
                evidence: refs(...p.evidence, dead?.evidence),
                fix: [
                  `ip netns exec ${ns.name} ip addr`,
                  `ovs-vsctl get Port ${d.ovsName} tag`,
                  "systemctl restart neutron-dhcp-agent",
                  ...(d.port
                    ? [`openstack port show ${d.port.id} -c binding_vif_type -c status -c fixed_ips`]
                    : []),
                ],
                ...(dead ? { group: dead.group } : {}),
              }),
            );
        }
      }
    }
    return out;
  },
};

const routerMissing: Rule = {
  id: "namespaces.router-missing",
  title: "Router without its qrouter namespace",
  severity: "error",
  category: "namespaces",
  faults: ["F23"],
  doc: {
    checks:
      "Every router that has interfaces or a gateway has its qrouter- (DVR: snat-) namespace on each host its router ports are bound to; without port bindings, on one of the L3 agents' nodes (judged only when all of them are in the snapshot). Nodes whose `ip netns` was not collected are not judged.",
    why: "Without the namespace nothing routes for the router: VMs behind it lose their gateway, north-south traffic and floating IPs.",
    fix: "Restart neutron-l3-agent on the host, or move the router to a live agent (`openstack network agent remove router --l3` / `add router --l3`).",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const r of model.routers) {
      const ports = routerPorts(model, r.id);
      if (model.ports.length > 0 && ports.length === 0 && r.externalNetworkId === undefined) continue;
      const label = routerLabel(r, r.id);
      const hosted = (n: NodeModel) => nsOf(n, "qrouter", r.id) ?? nsOf(n, "snat", r.id);
      const explanation = `Nothing routes for ${label} there: VMs behind it lose their gateway, outbound traffic and floating IPs.`;
      const fixFor = (host?: string) => [
        `openstack network agent list --router ${r.id} --long`,
        `ip netns | grep ${r.id}`,
        "systemctl restart neutron-l3-agent",
        ...(host
          ? [
              `# or move it: openstack network agent remove router --l3 <agent on ${host}> ${r.id}; openstack network agent add router --l3 <live agent> ${r.id}`,
            ]
          : []),
      ];
      const hosts = [
        ...new Set(
          ports
            .filter((p) => ROUTER_HOSTING_OWNERS.has(p.deviceOwner ?? "") && p.hostId)
            .map((p) => p.hostId!),
        ),
      ];
      const judged = hosts
        .map((h) => ({ host: h, node: nodeForHost(model, h) }))
        .filter((x): x is { host: string; node: NodeModel } => x.node !== undefined && nsKnown(x.node));
      for (const { host, node } of judged) {
        if (hosted(node)) continue;
        const dead = deadAgent(model, host, "l3", "L3 agent");
        const port = ports.find((p) => p.hostId === host);
        out.push(
          finding(routerMissing, {
            node: node.name,
            object: label,
            title: `qrouter-${r.id} (${r.name ?? r.id}) missing on ${node.name}, where its ports are bound`,
            explanation: `${explanation}${dead?.text ?? ""}`,
            evidence: refs(...nsListRef(node), port?.evidence, r.evidence, dead?.evidence),
            fix: fixFor(host),
            ...(dead ? { group: dead.group } : {}),
          }),
        );
      }
      // Without bindings (`port list --long` has no host column), one of the L3 agents' nodes should have it.
      const candidates = hosts.length === 0 ? allAgentNodes(model, "l3") : undefined;
      if (!candidates || model.nodes.some(hosted)) continue;
      out.push(
        finding(routerMissing, {
          ...(candidates.length === 1 ? { node: candidates[0]!.name } : {}),
          object: label,
          title: `no qrouter-${r.id} (${r.name ?? r.id}) on ${candidates.map((n) => n.name).join(", ")}`,
          explanation,
          evidence: refs(r.evidence, ...candidates.flatMap(nsListRef)),
          fix: fixFor(),
        }),
      );
    }
    return out;
  },
};

const routerPortsMissing: Rule = {
  id: "namespaces.router-ports-missing",
  title: "Router namespace without its qr-/qg- ports or their addresses",
  severity: "error",
  category: "namespaces",
  faults: ["F10", "F14", "F23"],
  doc: {
    checks:
      "In each qrouter namespace, a qr-<port> device for every interface port of the router (device_owner router_interface, device_id = router) carrying the port's IPs; in the namespace holding the gateway (qrouter-, or snat- with DVR) a qg- device with the gateway IPs. Addresses are not required on an L3-HA backup (keepalived removes them).",
    why: "A missing qr- means the subnet has no gateway; a missing qg- or gateway address means no outbound traffic and no floating IPs.",
    fix: "Restart neutron-l3-agent (it re-creates the ports); check its log for 'Failed to process compatible router'.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      for (const ns of node.namespaces) {
        if ((ns.kind !== "qrouter" && ns.kind !== "snat") || ns.objectId === undefined) continue;
        if (ns.links.length === 0) continue;
        const r = model.routers.find((x) => x.id === ns.objectId);
        if (!r) continue;
        const label = routerLabel(r, r.id);
        const backup = isHa(ns) && !isActive(ns);
        const wanted: { port?: NeutronPort; prefix: "qr-" | "qg-"; role: string }[] = [];
        if (ns.kind === "qrouter")
          for (const p of routerPorts(model, r.id).filter((x) =>
            ROUTER_INTERFACE_OWNERS.has(x.deviceOwner ?? ""),
          ))
            wanted.push({ port: p, prefix: "qr-", role: `interface on ${networkLabel(model, p.networkId)}` });
        if (hasGateway(model, r) && gatewayKind(model, r.id) === ns.kind) {
          const gw = gatewayPort(model, r.id);
          wanted.push({ ...(gw ? { port: gw } : {}), prefix: "qg-", role: "external gateway" });
        }
        for (const w of wanted) {
          const name = w.port ? deviceName(w.prefix, w.port.id) : undefined;
          const dev = name ? linkNamed(ns.links, name) : ns.links.find((l) => l.name.startsWith(w.prefix));
          const missingIps =
            dev && !backup ? (w.port?.fixedIps ?? []).map((f) => f.ip).filter((ip) => !hasIp(dev, ip)) : [];
          if (dev && missingIps.length === 0) continue;
          const devName = name ?? `${w.prefix}…`;
          const traffic =
            w.prefix === "qr-"
              ? `VMs on ${networkLabel(model, w.port?.networkId)} lose their gateway: nothing leaves their subnet through ${label}.`
              : `${label} has no way out: no outbound traffic (SNAT) and no floating IP answers.`;
          const dead = deadAgent(model, node.name, "l3", "L3 agent");
          out.push(
            finding(routerPortsMissing, {
              node: node.name,
              object: `namespace ${ns.name} device ${devName}`,
              title: dev
                ? `${devName} (${w.role}) in ${ns.name} lacks ${missingIps.join(", ")}`
                : `${ns.name} has no ${devName} (${w.role})`,
              explanation: `${traffic}${dead?.text ?? ""}`,
              evidence: refs(
                dev?.evidence ?? ns.links[0]?.evidence,
                w.port?.evidence,
                r.evidence,
                dead?.evidence,
              ),
              fix: [
                `ip netns exec ${ns.name} ip addr`,
                `openstack port list --router ${r.id} --long`,
                "systemctl restart neutron-l3-agent",
                `grep -E "Failed to process compatible router|${r.id}" /var/log/neutron/neutron-l3-agent.log | tail`,
              ],
              ...(dead ? { group: dead.group } : {}),
            }),
          );
        }
      }
    }
    return out;
  },
};

const routerDefaultRoute: Rule = {
  id: "namespaces.router-default-route",
  title: "Router with a gateway but no (right) default route",
  severity: "error",
  category: "namespaces",
  faults: ["F10"],
  doc: {
    checks:
      "In the namespace holding an active router's gateway (qrouter-, snat- with DVR), whose routes were collected: a default route in the main table, via the external subnet's gateway IP. L3-HA backups are skipped.",
    why: "Without it the router drops everything not on its own subnets: VMs ping their gateway but nothing beyond.",
    fix: "Set the gateway again (`openstack router set --external-gateway <net> <router>`), correct the external subnet's gateway_ip, restart neutron-l3-agent.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      for (const ns of node.namespaces) {
        const r = model.routers.find((x) => x.id === ns.objectId);
        if (!r || !hasGateway(model, r) || ns.kind !== gatewayKind(model, r.id)) continue;
        if (ns.routes.length === 0 || (isHa(ns) && !isActive(ns))) continue;
        const gw = gatewayPort(model, r.id);
        const extSubnet = model.subnets.find(
          (s) => s.id === gw?.fixedIps.find((f) => isIpv4(f.ip))?.subnetId,
        );
        const def = ns.routes.find(
          (x) => x.dst === "default" && (x.table === undefined || x.table === "main"),
        );
        const label = routerLabel(r, r.id);
        const base = {
          node: node.name,
          object: `namespace ${ns.name}`,
          evidence: refs(ns.evidence, gw?.evidence, extSubnet?.evidence),
          fix: [
            `ip netns exec ${ns.name} ip route`,
            ...(extSubnet ? [`openstack subnet show ${extSubnet.id} -c gateway_ip`] : []),
            `openstack router show ${r.id} -c external_gateway_info`,
            "systemctl restart neutron-l3-agent",
          ],
        };
        if (!def)
          out.push(
            finding(routerDefaultRoute, {
              ...base,
              title: `${ns.name} (${r.name ?? r.id}) has no default route`,
              explanation: `${label} drops everything not on its own subnets: VMs reach their gateway but not the outside.`,
            }),
          );
        else if (
          extSubnet?.gatewayIp !== undefined &&
          def.via !== undefined &&
          def.via !== extSubnet.gatewayIp
        )
          out.push(
            finding(routerDefaultRoute, {
              ...base,
              severity: "warning",
              title: `${ns.name} (${r.name ?? r.id}) routes default via ${def.via}, the external subnet's gateway is ${extSubnet.gatewayIp}`,
              explanation: `Outbound traffic of ${label} goes to ${def.via} instead of the subnet's gateway ${extSubnet.gatewayIp}: if that next hop does not route, nothing gets out.`,
            }),
          );
      }
    }
    return out;
  },
};

/** The namespaces that must carry a floating IP's NAT: DVR on the fixed port's host, else the active qrouter. */
function fipHolders(
  model: CloudModel,
  fip: FloatingIpRow,
  routerId: string,
): { node: NodeModel; ns: Namespace }[] {
  if (isDvr(model, routerId)) {
    const host = model.ports.find((p) => p.id === fip.portId)?.hostId;
    const node = host ? nodeForHost(model, host) : undefined;
    const ns = node ? nsOf(node, "qrouter", routerId) : undefined;
    return node && ns ? [{ node, ns }] : [];
  }
  return model.nodes.flatMap((node) => {
    const ns = nsOf(node, "qrouter", routerId);
    return ns && !(isHa(ns) && !isActive(ns)) ? [{ node, ns }] : [];
  });
}

const routerNatMissing: Rule = {
  id: "namespaces.router-nat-missing",
  title: "Router namespace without the floating-IP DNAT/SNAT or default SNAT rules",
  severity: "error",
  category: "namespaces",
  faults: ["F14", "F10"],
  doc: {
    checks:
      "For every associated floating IP, in the namespace that must NAT it (the active qrouter-, or with DVR the qrouter- on the VM's host) whose nat table was read: `-d <fip>/32 … -j DNAT --to-destination <fixed>`, `-s <fixed>/32 -j SNAT --to-source <fip>` and (legacy) the /32 on qg-. In the namespace holding the gateway: a `-j SNAT --to-source <gateway IP>` rule (warning: the model does not carry enable_snat, so a router with SNAT disabled on purpose is reported too). Namespaces whose nat table is missing or unreadable are not judged (`iptables -t nat -L` listings are not read by the model).",
    why: "No DNAT: the floating IP does not answer from outside. No SNAT: VMs without a floating IP have no outbound traffic.",
    fix: "Re-associate the floating IP, restart neutron-l3-agent (it rewrites the NAT table), read its log for the router's errors.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const fip of model.floatingIps) {
      const { floatingIp: addr, fixedIp: fixed, routerId } = fip;
      if (!addr || !fixed || !routerId) continue;
      const r = model.routers.find((x) => x.id === routerId);
      for (const { node, ns } of fipHolders(model, fip, routerId)) {
        if (ns.natRules.length === 0) continue;
        const dnat = new RegExp(
          `-d ${escapeRe(addr)}(/32)? .*-j DNAT --to-destination ${escapeRe(fixed)}(?![\\d.])`,
        );
        const snat = new RegExp(
          `-s ${escapeRe(fixed)}(/32)? .*-j SNAT --to-source ${escapeRe(addr)}(?![\\d.])`,
        );
        const missing = [
          ...(ns.natRules.some((x) => dnat.test(x.text)) ? [] : [`DNAT ${addr} → ${fixed}`]),
          ...(ns.natRules.some((x) => snat.test(x.text)) ? [] : [`SNAT ${fixed} → ${addr}`]),
        ];
        const qg = ns.links.find((l) => l.name.startsWith("qg-"));
        if (!isDvr(model, routerId) && qg && !hasIp(qg, addr)) missing.push(`${addr}/32 on ${qg.name}`);
        if (missing.length === 0) continue;
        out.push(
          finding(routerNatMissing, {
            node: node.name,
            object: `floating IP ${addr}`,
            title: `${ns.name} lacks ${missing.join(", ")}`,
            explanation: `The L3 agent did not program floating IP ${addr} of ${routerLabel(r, routerId)}: connections to ${addr} from outside never reach ${fixed}${missing.some((m) => m.startsWith("SNAT")) ? `, and ${fixed} leaves with the router's address instead of ${addr}` : ""}.`,
            evidence: refs(fip.evidence, { path: ns.natRules[0]!.evidence.path }, qg?.evidence),
            fix: [
              `ip netns exec ${ns.name} iptables -t nat -S | grep -E "${escapeRe(addr)}|${escapeRe(fixed)}"`,
              `openstack floating ip show ${fip.id ?? addr}`,
              "systemctl restart neutron-l3-agent",
              `grep -E "Failed to process compatible router|${routerId}" /var/log/neutron/neutron-l3-agent.log | tail`,
            ],
          }),
        );
      }
    }
    for (const node of model.nodes) {
      for (const ns of node.namespaces) {
        const r = model.routers.find((x) => x.id === ns.objectId);
        if (!r || ns.natRules.length === 0 || ns.kind !== gatewayKind(model, r.id)) continue;
        if (!hasGateway(model, r) || (isHa(ns) && !isActive(ns))) continue;
        const gw = gatewayPort(model, r.id);
        const ips = gw?.fixedIps.map((f) => f.ip).filter(isIpv4) ?? [];
        if (ips.length === 0) continue;
        if (
          ns.natRules.some((x) =>
            ips.some((ip) => new RegExp(`-j SNAT --to-source ${escapeRe(ip)}(?![\\d.])`).test(x.text)),
          )
        )
          continue;
        out.push(
          finding(routerNatMissing, {
            node: node.name,
            severity: "warning",
            object: `namespace ${ns.name}`,
            title: `${ns.name} has no default SNAT to ${ips.join(", ")}`,
            explanation: `VMs behind ${routerLabel(r, r.id)} without a floating IP cannot reach the outside — unless SNAT was disabled on purpose (enable_snat false; unknown from this snapshot).`,
            evidence: refs(gw?.evidence, { path: ns.natRules[0]!.evidence.path }),
            fix: [
              `openstack router show ${r.id} -c external_gateway_info`,
              `ip netns exec ${ns.name} iptables -t nat -S neutron-l3-agent-snat`,
              "systemctl restart neutron-l3-agent",
            ],
          }),
        );
      }
    }
    return out;
  },
};

const orphaned: Rule = {
  id: "namespaces.orphaned",
  title: "Namespace of a network or router that no longer exists",
  severity: "info",
  category: "namespaces",
  faults: ["F27", "F22"],
  doc: {
    checks:
      "qdhcp-/fip- namespaces whose network and qrouter-/snat- namespaces whose router are absent from the Neutron lists (judged only when those lists were collected and are not empty). Warning when the namespace still has a device UP with an IPv4 address, info otherwise.",
    why: "Left-overs of deleted objects or failed cleanups; one that still holds addresses can answer ARP/DHCP for IPs now used elsewhere (duplicate gateway, second DHCP server).",
    fix: "Check nothing still runs in it (`ip netns pids <ns>`), remove its OVS ports and delete it (`ip netns delete <ns>`), or run neutron-netns-cleanup.",
  },
  run({ model }) {
    const out: Finding[] = [];
    const networks = new Set(model.networks.map((n) => n.id));
    const routers = new Set(model.routers.map((r) => r.id));
    for (const node of model.nodes) {
      for (const ns of node.namespaces) {
        const id = ns.objectId;
        if (id === undefined) continue;
        const ofNetwork = ns.kind === "qdhcp" || ns.kind === "fip";
        const known = ofNetwork ? networks : routers;
        if (known.size === 0 || known.has(id)) continue;
        const live = ns.links.filter((l) => l.name !== "lo" && l.up && hasIpv4(l));
        const devices = ns.links.filter((l) => l.name !== "lo");
        out.push(
          finding(orphaned, {
            ...(live.length > 0 ? { severity: "warning" as const } : {}),
            node: node.name,
            object: `namespace ${ns.name}`,
            title: `${ns.name} on ${node.name}: ${ofNetwork ? "network" : "router"} ${id} no longer exists`,
            explanation:
              live.length > 0
                ? `Its ${live.map((l) => l.name).join(", ")} still ${live.length > 1 ? "hold" : "holds"} addresses and can answer ARP${ns.kind === "qdhcp" ? " and DHCP" : ""} for IPs that may now belong to someone else.`
                : "A left-over of a deleted object: no traffic depends on it, but it hides real namespaces in listings.",
            evidence: refs(ns.evidence, ...live.map((l) => l.evidence)),
            fix: [
              `ip netns pids ${ns.name}`,
              ...devices.map((l) => `ovs-vsctl --if-exists del-port ${l.name}`),
              `ip netns pids ${ns.name} | xargs -r kill`,
              `ip netns delete ${ns.name}`,
            ],
          }),
        );
      }
    }
    return out;
  },
};

const haActiveTwice: Rule = {
  id: "namespaces.router-active-twice",
  title: "Router active on more than one node, or L3-HA router active nowhere",
  severity: "error",
  category: "namespaces",
  faults: ["F22"],
  doc: {
    checks:
      "Across nodes, the instances of each router's qrouter- (not DVR: those are distributed) and snat- namespaces: active means a qg-/qr-/sg- device UP with an IPv4 address. Two active instances are a split brain (or a stale copy after a reschedule). An L3-HA router is reported as active nowhere only when every host of its HA ports is in the snapshot.",
    why: "Two routers answer for the same gateway and floating IPs: duplicate replies, MAC flapping on the switch, traffic working every other minute; none active: nothing routes.",
    fix: "Repair the HA network path (VRRP between ha- ports), restart neutron-l3-agent on one side; remove a stale copy.",
  },
  run({ model }) {
    const out: Finding[] = [];
    const instances = new Map<string, { node: NodeModel; ns: Namespace }[]>();
    for (const node of model.nodes)
      for (const ns of node.namespaces) {
        if (ns.objectId === undefined || ns.links.length === 0) continue;
        if (ns.kind === "snat" || (ns.kind === "qrouter" && !isDvr(model, ns.objectId)))
          instances.set(ns.objectId, [...(instances.get(ns.objectId) ?? []), { node, ns }]);
      }
    for (const [id, list] of instances) {
      const r = model.routers.find((x) => x.id === id);
      const label = routerLabel(r, id);
      const active = list.filter((x) => isActive(x.ns));
      const fix = [
        `openstack network agent list --router ${id} --long`,
        ...list.map((x) => `# on ${x.node.name}: ip netns exec ${x.ns.name} ip -4 addr`),
        ...list
          .filter((x) => isHa(x.ns))
          .map(
            (x) =>
              `# on ${x.node.name}: ip netns exec ${x.ns.name} tcpdump -ni ${x.ns.links.find((l) => l.name.startsWith("ha-"))!.name} vrrp`,
          ),
        "systemctl restart neutron-l3-agent  # on one of them",
      ];
      if (active.length > 1) {
        out.push(
          finding(haActiveTwice, {
            object: label,
            title: `${label} is active on ${active.map((x) => x.node.name).join(" and ")}`,
            explanation: `Both ${active.map((x) => x.ns.name).join(" and ")} hold the router's addresses: two routers answer for the same gateway and floating IPs, the switch sees their MACs flap and traffic works intermittently.`,
            evidence: active.flatMap((x) =>
              x.ns.links
                .filter((l) => /^(qg-|qr-|sg-)/.test(l.name) && l.up && hasIpv4(l))
                .map((l) => l.evidence),
            ),
            fix,
          }),
        );
        continue;
      }
      if (active.length > 0 || !list.every((x) => isHa(x.ns))) continue;
      const haHosts = model.ports
        .filter((p) => p.deviceId === id && p.deviceOwner === "network:router_ha_interface" && p.hostId)
        .map((p) => p.hostId!);
      if (haHosts.length === 0 || !haHosts.every((h) => list.some((x) => hostMatches(x.node, h)))) continue;
      out.push(
        finding(haActiveTwice, {
          object: label,
          title: `L3-HA ${label} is standby on every node (${list.map((x) => x.node.name).join(", ")})`,
          explanation:
            "No instance holds the gateway and interface addresses: nothing routes for the router's subnets.",
          evidence: list.flatMap((x) => refs(x.ns.links.find((l) => l.name.startsWith("ha-"))?.evidence)),
          fix,
        }),
      );
    }
    return out;
  },
};

const dhcpServerUnbacked: Rule = {
  id: "namespaces.dhcp-server-unbacked",
  title: "DHCP server in a qdhcp namespace that no Neutron DHCP port of this host backs",
  severity: "warning",
  category: "namespaces",
  faults: ["F27"],
  doc: {
    checks:
      "Each tap/ns- device with an IPv4 address in a qdhcp namespace belongs to a Neutron port that is a DHCP port (network:dhcp) of that network bound to this host. Several DHCP ports per network on different hosts are normal (dhcp_agents_per_network > 1) and not reported. A DHCP server outside Neutron (office DHCP on the provider VLAN) is invisible here: it needs a capture (`tcpdump -eni <nic> vlan <seg> and port 67`, OFFERs from a non-fa:16:3e MAC).",
    why: "A left-over dnsmasq answers DISCOVERs with stale leases next to the real ones: instances get a wrong address or gateway, intermittently.",
    fix: "Stop the stale server and remove its namespace and port; delete stale DHCP ports; set dhcp_agents_per_network to match.",
  },
  run({ model }) {
    const out: Finding[] = [];
    if (model.ports.length === 0) return out;
    for (const node of model.nodes) {
      for (const ns of node.namespaces) {
        if (ns.kind !== "qdhcp" || ns.objectId === undefined) continue;
        if (model.networks.length > 0 && !model.networks.some((n) => n.id === ns.objectId)) continue;
        for (const dev of ns.links.filter((l) => /^(tap|ns-)/.test(l.name) && hasIpv4(l))) {
          const stem = classifyDevice(dev.name).portStem;
          if (stem === undefined) continue;
          const port = model.ports.find((p) => p.id.startsWith(stem));
          let why: string | undefined;
          if (!port) why = "no Neutron port has this id";
          else if (port.deviceOwner !== "network:dhcp" || port.networkId !== ns.objectId)
            why = `it belongs to ${portLabel(port)} (${port.deviceOwner ?? "no owner"} on ${networkLabel(model, port.networkId)})`;
          else if (port.hostId !== undefined && !hostMatches(node, port.hostId))
            why = `its DHCP port is bound to ${port.hostId}, not ${node.name}`;
          if (why === undefined) continue;
          out.push(
            finding(dhcpServerUnbacked, {
              node: node.name,
              object: `namespace ${ns.name} device ${dev.name}`,
              title: `${dev.name} in ${ns.name} serves DHCP but ${why}`,
              explanation: `A dnsmasq behind ${dev.name} (${dev.addresses
                .filter((a) => a.family === "inet")
                .map((a) => a.cidr)
                .join(
                  ", ",
                )}) can still answer DISCOVERs on ${networkLabel(model, ns.objectId)} with stale data, next to the DHCP ports Neutron manages: instances may get a wrong lease.`,
              evidence: refs(dev.evidence, port?.evidence),
              fix: [
                `openstack port list --network ${ns.objectId} --device-owner network:dhcp --long`,
                `ps -ef | grep dnsmasq | grep ${ns.objectId}`,
                "# if this host should not serve the network any more:",
                `ip netns pids ${ns.name} | xargs -r kill`,
                `ovs-vsctl --if-exists del-port tap${stem}`,
                `ip netns delete ${ns.name}`,
                "systemctl restart neutron-dhcp-agent",
              ],
            }),
          );
        }
      }
    }
    return out;
  },
};

export const namespaceRules: Rule[] = [
  dhcpMissing,
  dhcpPortBroken,
  routerMissing,
  routerPortsMissing,
  routerDefaultRoute,
  routerNatMissing,
  haActiveTwice,
  dhcpServerUnbacked,
  orphaned,
];
