/**
 * VM wiring: each libvirt interface followed along what Nova/os-vif builds (hybrid tap → qbr → qvb ⇄ qvo →
 * br-int, or the tap straight on br-int) and checked against its Neutron port: binding, MAC, host, plug type
 * and status. The br-int tag of qvo/tap ports is judged for every port by the ovs and vlan families
 * (ovs.dead-vlan-port, ovs.untagged-agent-port, vlan.local-vlan-mismatch). The host/agent helpers are
 * exported for the namespace rules, which ask the same questions about DHCP and router ports.
 */
import { classifyDevice, DEAD_VLAN } from "../model/naming.js";
import type {
  CloudModel,
  EvidenceRef,
  Link,
  NeutronPort,
  NodeModel,
  OvsPort,
  Vm,
  VmInterface,
} from "../model/types.js";
import {
  hostMatches,
  intBridgeName,
  physnetGroup,
  physnetUnmapped,
  RESTART_AGENT,
  refs,
  usesPhysnet,
} from "./ovs-chain.js";
import { type Finding, finding, type Rule } from "./types.js";

// ---------------------------------------------------------------------------------------------------------
// Helpers shared with namespaces.ts

/** Nova, the agents and the snapshot may name one machine `compute03` or `compute03.example.com`. */
const shortName = (host: string): string => host.split(".")[0] ?? host;

/** The names a node answers to: its snapshot name and the `host =` Neutron registers its agents under. */
function hostNames(node: NodeModel): string[] {
  const host = node.config.options["DEFAULT.host"];
  return host === undefined ? [node.name] : [node.name, host];
}

/** The snapshot node a Neutron host name (binding:host_id, agent host) refers to: exact names first. */
export function nodeForHost(model: CloudModel, host: string): NodeModel | undefined {
  return (
    model.nodes.find((n) => hostNames(n).includes(host)) ?? model.nodes.find((n) => hostMatches(n, host))
  );
}

const AGENT_KINDS = {
  ovs: /open ?vswitch|openvswitch-agent/i,
  dhcp: /dhcp/i,
  l3: /^l3|l3-agent/i,
} as const;

export type AgentKind = keyof typeof AGENT_KINDS;
type Agent = CloudModel["agents"][number];

function isKind(a: Agent, kind: AgentKind): boolean {
  return AGENT_KINDS[kind].test(a.agentType ?? "") || AGENT_KINDS[kind].test(a.binary ?? "");
}

/**
 * The agent of a kind registered for a host: exact host name first, then the same short name (`exact` false
 * then, which is itself the F26 host-name mismatch when Neutron binds by the other spelling).
 */
export function agentFor(
  model: CloudModel,
  host: string,
  kind: AgentKind,
): { agent: Agent; exact: boolean } | undefined {
  const ofKind = model.agents.filter((a) => isKind(a, kind) && a.host !== undefined);
  const exact = ofKind.find((a) => a.host === host);
  if (exact) return { agent: exact, exact: true };
  const near = ofKind.find((a) => shortName(a.host!) === shortName(host));
  return near ? { agent: near, exact: false } : undefined;
}

export function agentsOfKind(model: CloudModel, kind: AgentKind): Agent[] {
  return model.agents.filter((a) => isKind(a, kind));
}

/** Group of "this agent is dead", headed by neutron.agent-dead (keyed by the agent's registered host). */
export function agentGroup(agent: Agent): string {
  return `agent-dead:${agent.host}`;
}

export function ovsPortNamed(node: NodeModel, name: string): OvsPort | undefined {
  for (const b of node.bridges) {
    const p = b.ports.find((x) => x.name === name);
    if (p) return p;
  }
  return undefined;
}

export function linkNamed(links: Link[], name: string): Link | undefined {
  return links.find((l) => l.name === name);
}

/** OVS keeps the Port row of a device that disappeared and says so in the Interface error. */
function deviceGone(p: OvsPort | undefined): boolean {
  return p?.error !== undefined && /no such device/i.test(p.error);
}

/** Where `ip addr` was read on a node: cited when a device is absent from it. */
function linksSource(node: NodeModel): EvidenceRef[] {
  const path = node.links[0]?.evidence.path;
  return path === undefined ? [] : [{ path }];
}

/**
 * The local VLAN a network has on a node, for re-plugging a port with the right tag: the br-int ingress
 * translation of its segment (VLAN/flat), else the one tag its other wired ports there agree on.
 */
function expectedLocalVlan(
  model: CloudModel,
  node: NodeModel,
  networkId: string,
  exceptPort: string,
): number | undefined {
  const net = model.networks.find((n) => n.id === networkId);
  if (net && usesPhysnet(net)) {
    const flat = net.networkType === "flat";
    const t = node.vlanTranslations.find(
      (x) =>
        x.direction === "ingress" &&
        (x.physnet === undefined || x.physnet === net.physnet) &&
        (flat ? x.segmentationId === undefined : x.segmentationId === net.segmentationId),
    );
    if (t) return t.localVlan;
  }
  const networkOf = new Map(model.ports.map((p) => [p.id, p.networkId]));
  const tags = new Set(
    (node.bridges.find((b) => b.name === intBridgeName(node))?.ports ?? [])
      .filter(
        (p) =>
          p.name !== exceptPort &&
          p.tag !== DEAD_VLAN &&
          p.error === undefined &&
          p.neutronPortId !== undefined &&
          networkOf.get(p.neutronPortId) === networkId,
      )
      .map((p) => p.tag),
  );
  const [tag] = tags;
  return tags.size === 1 ? tag : undefined;
}

export function portLabel(p: NeutronPort): string {
  return p.name ? `port ${p.id} (${p.name})` : `port ${p.id}`;
}

export function networkLabel(model: CloudModel, networkId: string | undefined): string {
  const net = model.networks.find((n) => n.id === networkId);
  return net ? `network ${net.name}` : `network ${networkId ?? "unknown"}`;
}

const BINDING_FAILED = new Set(["binding_failed", "unbound"]);

// ---------------------------------------------------------------------------------------------------------
// VM interfaces

interface Vif {
  node: NodeModel;
  vm: Vm;
  iface: VmInterface;
  tap: string;
  /** hybrid: libvirt plugs the tap into qbr; direct: the tap itself is the OVS port (virtualport or os-vif ethernet). */
  plug: "hybrid" | "direct";
  port?: NeutronPort;
  /** The device the OVS agent wires and tags on br-int: qvo (hybrid) or the tap (direct). */
  ovsName: string;
  ovs?: OvsPort;
  tapLink?: Link;
  /** `ip addr` of the node was read, so an absent device is really absent. */
  linksKnown: boolean;
}

function vifs(model: CloudModel): Vif[] {
  const ports = new Map(model.ports.map((p) => [p.id, p]));
  const out: Vif[] = [];
  for (const node of model.nodes) {
    for (const vm of node.vms) {
      for (const iface of vm.interfaces) {
        const tap = iface.tap;
        if (tap === undefined) continue;
        const src = iface.sourceBridge;
        const hybrid = src !== undefined && classifyDevice(src).role === "hybrid-bridge";
        // Other bridges (Linux bridge agent's brq…, libvirt's virbr0) are not this agent's wiring.
        const direct =
          src === undefined
            ? classifyDevice(tap).portStem !== undefined
            : src === intBridgeName(node) || node.bridges.some((b) => b.name === src);
        if (!hybrid && !direct) continue;
        const stem = hybrid ? classifyDevice(src!).portStem! : undefined;
        const ovsName = stem === undefined ? tap : `qvo${stem}`;
        const vif: Vif = {
          node,
          vm,
          iface,
          tap,
          plug: hybrid ? "hybrid" : "direct",
          ovsName,
          linksKnown: node.links.length > 0,
        };
        const port = iface.neutronPortId === undefined ? undefined : ports.get(iface.neutronPortId);
        if (port) vif.port = port;
        const ovs = ovsPortNamed(node, ovsName);
        if (ovs) vif.ovs = ovs;
        const tapLink = linkNamed(node.links, tap);
        if (tapLink) vif.tapLink = tapLink;
        out.push(vif);
      }
    }
  }
  return out;
}

/** The instance as `openstack` commands need it: the Nova uuid, or asked from libvirt on the node. */
function server(vm: Vm): string {
  return vm.uuid ?? `$(virsh domuuid ${vm.domain})`;
}

function ifaceObject(v: Vif): string {
  return `VM ${v.vm.domain} interface ${v.tap}`;
}

/** `ovs-vsctl` re-plug of a port the way os-vif does it, with the external_ids the agent keys on. */
function ovsPlug(v: Vif, bridge: string, vlan: number | undefined): string {
  const portId =
    v.port?.id ??
    v.iface.neutronPortId ??
    (v.iface.mac ? `$(openstack port list --mac-address ${v.iface.mac} -f value -c ID)` : "<port id>");
  const ids = [
    `external_ids:iface-id=${portId}`,
    "external_ids:iface-status=active",
    ...(v.iface.mac ? [`external_ids:attached-mac=${v.iface.mac}`] : []),
    ...(v.vm.uuid ? [`external_ids:vm-uuid=${v.vm.uuid}`] : []),
  ];
  return `ovs-vsctl -- --if-exists del-port ${bridge} ${v.ovsName} -- add-port ${bridge} ${v.ovsName}${vlan !== undefined ? ` tag=${vlan}` : ""} -- set Interface ${v.ovsName} ${ids.join(" ")}`;
}

const hybridChainBroken: Rule = {
  id: "vm.hybrid-chain-broken",
  title: "Hybrid plug of a running VM interface incomplete (qbr / qvb / qvo missing or detached)",
  severity: "error",
  category: "vm",
  faults: ["F30"],
  doc: {
    checks:
      "For every libvirt interface on a qbr bridge whose tap exists: the qbr Linux bridge exists and holds the tap and qvb, the qvb/qvo veth pair exists, and qvo is a working port of the integration bridge (no 'No such device' error).",
    why: "The VM runs but its tap is attached to nothing (or to a bridge with no way out): no frame reaches br-int, DHCP and ping fail. Typical after a host reboot, a failed live migration or manual cleanup.",
    fix: "`openstack server reboot --hard <server>` (Nova/os-vif re-creates qbr, the veth pair and the br-int port), or re-create the missing pieces by hand with ip/brctl/ovs-vsctl.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const v of vifs(model).filter((x) => x.plug === "hybrid")) {
      const { node, tap, linksKnown } = v;
      // A shut-off VM has no tap; Nova plugs everything again when it starts.
      if (linksKnown && !v.tapLink) continue;
      const qbr = v.iface.sourceBridge!;
      const stem = classifyDevice(qbr).portStem!;
      const qvb = `qvb${stem}`;
      const qvo = v.ovsName;
      const intBr = intBridgeName(node);
      const lb = node.linuxBridges.find((b) => b.name === qbr);
      const qbrLink = linkNamed(node.links, qbr);
      const qvbLink = linkNamed(node.links, qvb);
      const qvoLink = linkNamed(node.links, qvo);
      const qbrMissing = linksKnown && !qbrLink && !lb;
      const qvbMissing = linksKnown && !qvbLink && !lb?.interfaces.includes(qvb);
      const qvoMissing = (linksKnown && !qvoLink) || deviceGone(v.ovs);
      const vethMissing = qvbMissing || qvoMissing;
      const memberOfQbr = (dev: string, link: Link | undefined): boolean | undefined =>
        lb ? lb.interfaces.includes(dev) : link?.master !== undefined ? link.master === qbr : undefined;
      const tapDetached = !qbrMissing && memberOfQbr(tap, v.tapLink) === false;
      const qvbDetached = !qbrMissing && !qvbMissing && memberOfQbr(qvb, qvbLink) === false;
      const qvoOff = !qvoMissing && node.bridges.length > 0 && v.ovs === undefined;
      const qvoElsewhere = v.ovs !== undefined && v.ovs.bridge !== intBr;

      const problems: string[] = [];
      if (qbrMissing) problems.push(`${qbr} missing`);
      if (qvbMissing) problems.push(`${qvb} missing`);
      if (qvoMissing)
        problems.push(deviceGone(v.ovs) ? `${qvo} missing (OVS: ${v.ovs!.error})` : `${qvo} missing`);
      if (tapDetached) problems.push(`${tap} not in ${qbr}`);
      if (qvbDetached) problems.push(`${qvb} not in ${qbr}`);
      if (qvoOff) problems.push(`${qvo} not on ${intBr}`);
      if (qvoElsewhere) problems.push(`${qvo} on ${v.ovs!.bridge} instead of ${intBr}`);
      if (problems.length === 0) continue;

      const vlan = v.port?.networkId ? expectedLocalVlan(model, node, v.port.networkId, qvo) : undefined;
      const steps: string[] = [];
      if (qbrMissing) steps.push(`brctl addbr ${qbr}`, `ip link set ${qbr} up`);
      if (vethMissing)
        steps.push(
          `ip link del ${qvb} 2>/dev/null; ip link add ${qvb} type veth peer name ${qvo}`,
          `ip link set ${qvb} up promisc on`,
          `ip link set ${qvo} up promisc on`,
        );
      if (qbrMissing || vethMissing || qvbDetached) steps.push(`brctl addif ${qbr} ${qvb}`);
      if (qbrMissing || tapDetached) steps.push(`brctl addif ${qbr} ${tap}`);
      if (vethMissing || qvoOff || qvoElsewhere) {
        if (qvoElsewhere) steps.push(`ovs-vsctl del-port ${v.ovs!.bridge} ${qvo}`);
        steps.push(ovsPlug(v, intBr, vlan));
      }
      out.push(
        finding(hybridChainBroken, {
          node: node.name,
          object: ifaceObject(v),
          title: `hybrid plug of ${v.vm.domain} broken: ${problems.join(", ")}`,
          explanation: `${v.vm.domain} sends into ${tap}, but the path ${tap} → ${qbr} → ${qvb} ⇄ ${qvo} → ${intBr} that Nova/os-vif builds for the hybrid iptables firewall is interrupted, so none of its frames reach ${intBr} and nothing reaches the VM.${v.port?.ovsHybridPlug ? " The port binding asks for exactly this plumbing (ovs_hybrid_plug true)." : ""}`,
          evidence: refs(
            v.vm.evidence,
            v.tapLink?.evidence,
            qbrLink?.evidence,
            qvbLink?.evidence,
            v.ovs?.evidence,
            ...(qbrMissing || qvbMissing || (qvoMissing && !deviceGone(v.ovs)) ? linksSource(node) : []),
            v.port?.evidence,
          ),
          fix: [
            `virsh domiflist ${v.vm.domain}`,
            `brctl show ${qbr}; ip link show ${qvb}; ovs-vsctl list Interface ${qvo}`,
            `openstack server reboot --hard ${server(v.vm)}`,
            "# or re-plug by hand what is missing:",
            ...steps,
          ],
        }),
      );
    }
    return out;
  },
};

const tapUnplugged: Rule = {
  id: "vm.tap-unplugged",
  title: "Directly plugged VM tap not a working port of the integration bridge",
  severity: "error",
  category: "vm",
  faults: ["F24", "F31"],
  doc: {
    checks:
      "For every libvirt interface plugged straight into OVS (virtualport on br-int, or os-vif `type='ethernet'`): the tap is a port of the integration bridge and OVS can open it (no 'could not open network device … (No such device)').",
    why: "Without its br-int port the VM has no network at all; Nova waits for network-vif-plugged and fails the boot, or the running VM is isolated. A Port row whose device is gone means the tap vanished under OVS.",
    fix: "`openstack server reboot --hard <server>`; by hand `ovs-vsctl add-port br-int tap… -- set Interface tap… external_ids:iface-id=<port>…`; delete the row if the VM is gone (F31).",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const v of vifs(model).filter((x) => x.plug === "direct")) {
      const { node, tap } = v;
      const intBr = intBridgeName(node);
      const gone = deviceGone(v.ovs);
      let problem: string | undefined;
      if (gone) problem = `OVS cannot open ${tap}: ${v.ovs!.error}`;
      else if (v.ovs && v.ovs.bridge !== intBr) problem = `${tap} is a port of ${v.ovs.bridge}, not ${intBr}`;
      // Only a tap that exists can be found missing from OVS; a shut-off VM has neither.
      else if (!v.ovs && v.tapLink && node.bridges.length > 0)
        problem = `${tap} exists but is on no OVS bridge`;
      if (problem === undefined) continue;
      out.push(
        finding(tapUnplugged, {
          node: node.name,
          object: ifaceObject(v),
          title: `${v.vm.domain}: ${problem}`,
          explanation: gone
            ? `${intBr} keeps the port of ${tap} but the device does not exist: if ${v.vm.domain} is running its vNIC is connected to nothing; if it is shut off or gone, the row is stale and only slows the agent down.`
            : `${v.vm.domain}'s frames enter ${tap} and never reach ${intBr}, where the agent would tag and forward them: the VM has no network and Nova's network-vif-plugged never comes.`,
          evidence: refs(v.vm.evidence, v.ovs?.evidence, v.tapLink?.evidence, v.port?.evidence),
          fix: [
            `virsh domstate ${v.vm.domain}; ip link show ${tap}; ovs-vsctl list Interface ${tap}`,
            `openstack server reboot --hard ${server(v.vm)}`,
            "# or re-plug by hand:",
            ...(v.ovs && v.ovs.bridge !== intBr ? [`ovs-vsctl del-port ${v.ovs.bridge} ${tap}`] : []),
            ovsPlug(
              v,
              intBr,
              v.port?.networkId ? expectedLocalVlan(model, node, v.port.networkId, tap) : undefined,
            ),
            ...(gone ? [`# if the VM is gone: ovs-vsctl del-port ${v.ovs!.bridge} ${tap}`] : []),
          ],
        }),
      );
    }
    return out;
  },
};

interface BindingCause {
  /** One sentence: why Neutron could not bind (or wire) the port on that host. */
  text: string;
  group?: string;
  evidence: EvidenceRef[];
  fix: string[];
}

/**
 * Why the OVS mechanism driver refused a host (neutron-ovs-facts §8): no agent under that host name (or only
 * under another spelling: F26), agent dead, the network's physnet missing from the host's bridge_mappings
 * (F02), tunnel type not enabled. Undefined when nothing in the snapshot explains it.
 */
function bindingCause(model: CloudModel, port: NeutronPort): BindingCause | undefined {
  const host = port.hostId;
  if (host === undefined) return undefined;
  if (agentsOfKind(model, "ovs").length > 0) {
    const found = agentFor(model, host, "ovs");
    // Both head nova.host-name-mismatch's group, keyed by the host name Nova binds with.
    if (!found)
      return {
        text: `no Open vSwitch agent is registered for host '${host}', so ML2 has nothing to bind to there`,
        group: `host-mismatch:${host}`,
        evidence: refs(model.agents[0]?.evidence),
        fix: [
          "openstack network agent list --agent-type open-vswitch",
          `# on ${host}: systemctl status neutron-openvswitch-agent`,
        ],
      };
    if (!found.exact)
      return {
        text: `Nova bound the port to host '${host}' but the Open vSwitch agent registered as '${found.agent.host}': ML2 finds no agent under Nova's name (host-name mismatch)`,
        group: `host-mismatch:${host}`,
        evidence: refs(found.agent.evidence),
        fix: [
          "openstack compute service list --service nova-compute; openstack network agent list --agent-type open-vswitch",
          "# set the same `host =` in nova.conf and neutron.conf (or fix the hostname), restart nova-compute and neutron-openvswitch-agent",
          ...(found.agent.id
            ? [`openstack network agent delete ${found.agent.id}  # stale record, after the restart`]
            : []),
        ],
      };
    if (found.agent.alive === false)
      return {
        text: `the Open vSwitch agent on ${host} is dead, and ML2 refuses to bind to a dead agent`,
        group: agentGroup(found.agent),
        evidence: refs(found.agent.evidence),
        fix: [
          found.agent.id
            ? `openstack network agent show ${found.agent.id}`
            : `openstack network agent list --host ${host}`,
          `# on ${host}: ${RESTART_AGENT}`,
        ],
      };
  }
  const node = nodeForHost(model, host);
  const net = model.networks.find((n) => n.id === port.networkId);
  if (!node || !net) return undefined;
  const type = net.networkType;
  const mappings = node.config.bridgeMappings;
  if (usesPhysnet(net) && physnetUnmapped(node, net.physnet)) {
    const mappingRef = node.config.evidence["ovs.bridge_mappings"];
    // The file on the node the mapping was read from (`nodes/<n>/files/etc/…` → `/etc/…`).
    const ini =
      mappingRef?.path.replace(/^nodes\/[^/]+\/files/, "") ??
      "/etc/neutron/plugins/ml2/openvswitch_agent.ini";
    const nic = node.nics.find((n) => n.physnet === net.physnet && n.bridge !== undefined);
    return {
      text: `${net.name} is a ${type ?? "physnet"} network on physnet '${net.physnet}', but bridge_mappings on ${node.name} maps only ${mappings.map((m) => `'${m.physnet}'`).join(", ") || "nothing"}, so the OVS mechanism driver refuses the segment`,
      group: physnetGroup(node.name, net.physnet),
      evidence: refs(mappingRef, net.evidence),
      fix: [
        `openstack network show ${net.id} -c provider:physical_network -c provider:segmentation_id`,
        nic
          ? `# on ${node.name}: set [ovs] bridge_mappings = ${[...mappings.map((m) => `${m.physnet}:${m.bridge}`), `${net.physnet}:${nic.bridge}`].join(",")} in ${ini}, then ${RESTART_AGENT}`
          : `# on ${node.name}: add '${net.physnet}:<provider bridge>' to [ovs] bridge_mappings in ${ini}, then ${RESTART_AGENT}`,
      ],
    };
  }
  const tunnels = node.config.options["agent.tunnel_types"];
  if (
    type !== undefined &&
    ["vxlan", "gre", "geneve"].includes(type) &&
    tunnels !== undefined &&
    !tunnels
      .split(",")
      .map((t) => t.trim())
      .includes(type)
  )
    return {
      text: `${net.name} is a ${type} network but the agent on ${node.name} has tunnel_types = ${tunnels}`,
      evidence: refs(node.config.evidence["agent.tunnel_types"], net.evidence),
      fix: [
        `# on ${node.name}: add ${type} to [agent] tunnel_types (with a valid [ovs] local_ip), then ${RESTART_AGENT}`,
      ],
    };
  return undefined;
}

const bindingFailed: Rule = {
  id: "vm.binding-failed",
  title: "Neutron port binding failed",
  severity: "error",
  category: "vm",
  faults: ["F02", "F11", "F26", "F06"],
  doc: {
    checks:
      "Every Neutron port with binding:vif_type binding_failed, or unbound although it has a device owner and a binding host; then why: no OVS agent under that host name, agent dead, the network's physnet missing from the host's bridge_mappings, tunnel type not enabled. A freshly created port with no owner and no host is unbound by design and not reported.",
    why: "Nothing plugs an unbound port: boots end in 'No valid host … Binding failed for port' / 'Unexpected vif_type=binding_failed', or the device sits on the dead VLAN 4095.",
    fix: "Cure the cause (bridge_mappings, agent, host names), then rebind: `openstack port set --host <host> <port>`, or rebuild/hard-reboot the instance.",
  },
  run({ model }) {
    const out: Finding[] = [];
    const vifByPort = new Map(vifs(model).flatMap((v) => (v.port ? [[v.port.id, v]] : [])));
    for (const port of model.ports) {
      const failed = port.vifType === "binding_failed";
      const unbound = port.vifType === "unbound" && !!port.deviceOwner && !!port.hostId;
      if (!failed && !unbound) continue;
      const cause = bindingCause(model, port);
      const vif = vifByPort.get(port.id);
      const node = port.hostId ? nodeForHost(model, port.hostId) : vif?.node;
      const where = port.hostId ? ` on host ${port.hostId}` : "";
      const owner = port.deviceOwner ? `${port.deviceOwner} ` : "";
      out.push(
        finding(bindingFailed, {
          ...(node ? { node: node.name } : {}),
          object: portLabel(port),
          title: `${owner}port ${port.id}${where}: binding:vif_type ${port.vifType}`,
          explanation: `No mechanism driver bound this port${where}, so no agent wires it: ${vif ? `${vif.vm.domain}'s interface ${vif.tap} stays without network` : "its device gets no local VLAN (dead VLAN 4095) and carries no traffic"}. ${cause ? `Cause: ${cause.text}.` : "The snapshot does not show why: unknown (see the neutron-server log)."}`,
          evidence: refs(port.evidence, ...(cause?.evidence ?? [])),
          fix: [
            `openstack port show ${port.id} -c binding_vif_type -c binding_host_id -c binding_vif_details -c status`,
            ...(cause?.fix ?? [
              `grep -E "Failed to bind port ${port.id}" /var/log/neutron/neutron-server.log`,
            ]),
            ...(port.hostId ? [`openstack port set --host ${port.hostId} ${port.id}`] : []),
            ...(vif ? [`openstack server reboot --hard ${server(vif.vm)}`] : []),
          ],
          // A cause someone else's rule heads (physnet, dead agent) takes the port along; otherwise this
          // finding heads its own port's consequences.
          ...(cause?.group ? { group: cause.group } : { group: `port:${port.id}`, root: true }),
        }),
      );
    }
    return out;
  },
};

const macMismatch: Rule = {
  id: "vm.mac-mismatch",
  title: "VM interface MAC differs from its Neutron port's MAC",
  severity: "error",
  category: "vm",
  faults: ["guide:vm-wiring"],
  doc: {
    checks: "The MAC in the libvirt interface equals mac_address of the Neutron port it is plugged for.",
    why: "Port security and the DHCP host entries know only the port's MAC: frames from the VM's MAC are dropped as spoofed and DHCP does not answer it.",
    fix: "Re-plug the interface with the port's MAC: detach and re-attach the port (`openstack server remove port` / `add port`) or hard-reboot.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const v of vifs(model)) {
      const mac = v.iface.mac?.toLowerCase();
      const portMac = v.port?.mac?.toLowerCase();
      if (!mac || !portMac || mac === portMac) continue;
      const port = v.port!;
      out.push(
        finding(macMismatch, {
          node: v.node.name,
          object: ifaceObject(v),
          title: `${v.vm.domain} ${v.tap} has MAC ${mac}, ${portLabel(port)} has ${portMac}`,
          explanation: `Neutron's anti-spoofing rules and dnsmasq allow only ${portMac} on this port: frames sent from ${mac} are dropped and the VM gets no DHCP lease.`,
          evidence: refs(v.vm.evidence, port.evidence),
          fix: [
            `virsh domiflist ${v.vm.domain}`,
            `openstack port show ${port.id} -c mac_address`,
            `openstack server remove port ${server(v.vm)} ${port.id}`,
            `openstack server add port ${server(v.vm)} ${port.id}`,
          ],
        }),
      );
    }
    return out;
  },
};

const hostMismatch: Rule = {
  id: "vm.port-host-mismatch",
  title: "VM interface on a host other than its port's binding host",
  severity: "error",
  category: "vm",
  faults: ["F26"],
  doc: {
    checks:
      "A VM interface found on a node whose Neutron port is bound (binding:host_id) to a different host (short names compared, so FQDN vs short name is not reported).",
    why: "The agent on the node where the VM runs is not the one Neutron wires the port for: after a half-done migration or evacuation the port is never set up here (dead VLAN, no flows) and l2pop/DVR point elsewhere.",
    fix: "Bind the port to the VM's real host (`openstack port set --host <host> <port>`) and hard-reboot the instance; clean the stale domain if the VM really lives on the other host.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const v of vifs(model)) {
      const host = v.port?.hostId;
      if (!v.port || host === undefined || hostMatches(v.node, host)) continue;
      out.push(
        finding(hostMismatch, {
          node: v.node.name,
          object: ifaceObject(v),
          title: `${v.vm.domain} ${v.tap} is on ${v.node.name}, ${portLabel(v.port)} is bound to ${host}`,
          explanation: `Neutron wires the port on ${host}, not on ${v.node.name} where this domain uses it: here the interface gets no local VLAN or flows and the rest of the cloud sends its traffic to ${host}.`,
          evidence: refs(v.vm.evidence, v.port.evidence),
          fix: [
            `openstack server show ${server(v.vm)} -c OS-EXT-SRV-ATTR:host -c status`,
            `openstack port show ${v.port.id} -c binding_host_id -c status`,
            `openstack port set --host ${v.node.config.options["DEFAULT.host"] ?? v.node.name} ${v.port.id}`,
            `openstack server reboot --hard ${server(v.vm)}`,
          ],
          group: `port:${v.port.id}`,
        }),
      );
    }
    return out;
  },
};

/** What the node's firewall driver needs (neutron-ovs-facts §6); undefined for noop/unknown. */
function requiredPlug(node: NodeModel): "hybrid" | "direct" | undefined {
  const driver = node.config.options["securitygroup.firewall_driver"];
  if (driver === undefined) return undefined;
  if (/iptables_hybrid|OVSHybridIptablesFirewallDriver/i.test(driver)) return "hybrid";
  if (/^openvswitch$|OVSFirewallDriver/i.test(driver.trim())) return "direct";
  return undefined;
}

const plugTypeMismatch: Rule = {
  id: "vm.plug-type-mismatch",
  title: "VM plugged hybrid/direct against the firewall driver or the port binding",
  severity: "warning",
  category: "vm",
  faults: ["F30"],
  doc: {
    checks:
      "How each VM interface is plugged (qbr = hybrid, tap on OVS = direct) against what the node's firewall_driver needs (iptables_hybrid → hybrid, openvswitch → direct) and what the port binding says (binding:vif_details ovs_hybrid_plug).",
    why: "The iptables hybrid driver filters on the qbr bridge: a directly plugged tap gets no security-group filtering at all. A hybrid plug under the OVS firewall works through an extra hop. A binding that disagrees with the plug means the next re-plug (hard reboot, migration) changes the wiring.",
    fix: "Hard-reboot the instance so Nova re-plugs it according to the current binding; if the binding itself is stale, rebind the port after fixing the agent's firewall_driver.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const v of vifs(model)) {
      const required = requiredPlug(v.node);
      const bound =
        v.port?.ovsHybridPlug === undefined ? undefined : v.port.ovsHybridPlug ? "hybrid" : "direct";
      const firewallDisagrees = required !== undefined && required !== v.plug;
      const bindingDisagrees = bound !== undefined && bound !== v.plug;
      if (!firewallDisagrees && !bindingDisagrees) continue;
      const driver = v.node.config.options["securitygroup.firewall_driver"];
      const said = [
        ...(required !== undefined ? [`firewall_driver ${driver} needs ${required}`] : []),
        ...(bound !== undefined ? [`the binding says ovs_hybrid_plug ${v.port!.ovsHybridPlug}`] : []),
      ].join(", ");
      const meaning =
        required === "hybrid" && v.plug === "direct"
          ? `the iptables hybrid firewall filters on a qbr bridge this tap is not in, so ${v.vm.domain}'s security groups are not enforced.`
          : required === "direct" && v.plug === "hybrid"
            ? "traffic still flows (the OVS firewall filters on the qvo port) through an extra bridge and veth pair left from the hybrid driver."
            : `Nova plugged it differently from what the binding now asks, so the next re-plug (hard reboot, migration) will change its wiring.`;
      out.push(
        finding(plugTypeMismatch, {
          node: v.node.name,
          object: ifaceObject(v),
          title: `${v.vm.domain} ${v.tap} is plugged ${v.plug}, ${said}`,
          explanation: `${v.tap} is plugged ${v.plug === "hybrid" ? `through ${v.iface.sourceBridge}` : `straight into ${v.ovs?.bridge ?? intBridgeName(v.node)}`}: ${meaning}`,
          evidence: refs(
            v.vm.evidence,
            v.node.config.evidence["securitygroup.firewall_driver"],
            v.port?.evidence,
          ),
          fix: [
            `virsh domiflist ${v.vm.domain}`,
            ...(v.port ? [`openstack port show ${v.port.id} -c binding_vif_details`] : []),
            `openstack server reboot --hard ${server(v.vm)}`,
            // A hard reboot plugs by the binding; a binding older than the driver change needs a rebind.
            ...(bound !== undefined && required !== undefined && bound !== required
              ? [`openstack server migrate --live-migration ${server(v.vm)}`]
              : []),
          ],
        }),
      );
    }
    return out;
  },
};

const portDown: Rule = {
  id: "vm.port-down",
  title: "Plugged VM port still DOWN in Neutron",
  severity: "error",
  category: "vm",
  faults: ["F24", "F06"],
  doc: {
    checks:
      "A VM interface whose br-int port exists and works (and whose tap exists when plugged directly) while its Neutron port is bound but has status DOWN.",
    why: "The agent has not processed the device (dead or slow agent, RPC timeouts): Nova waits for network-vif-plugged and fails the boot after 300 s ('Failed to allocate the network(s)'), and the port has no flows.",
    fix: "Fix the agent (restart neutron-openvswitch-agent, look for MessagingTimeout in its log) and check neutron→nova notifications.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const v of vifs(model)) {
      const port = v.port;
      if (port === undefined || port.vifType === undefined || BINDING_FAILED.has(port.vifType)) continue;
      if (port.status?.toUpperCase() !== "DOWN") continue;
      // A shut-off VM's direct tap is gone and its port rightly DOWN.
      if (!v.ovs || v.ovs.error !== undefined || (v.plug === "direct" && v.linksKnown && !v.tapLink))
        continue;
      const host = port.hostId ?? v.node.name;
      const agent = agentFor(model, host, "ovs");
      const dead = agent?.agent.alive === false;
      out.push(
        finding(portDown, {
          node: v.node.name,
          object: portLabel(port),
          title: `${portLabel(port)} of ${v.vm.domain} is DOWN although ${v.ovs.name} is on ${v.ovs.bridge}`,
          explanation: `The device is plugged but the agent on ${host} has not reported it up${dead ? " — that agent is dead" : agent ? "" : " (no Open vSwitch agent known for that host)"}: the port has no flows yet, and a booting instance fails waiting for network-vif-plugged.`,
          evidence: refs(port.evidence, v.ovs.evidence, agent?.agent.evidence),
          fix: [
            `openstack network agent list --host ${host} --agent-type open-vswitch`,
            `grep -E "MessagingTimeout|Timeout while waiting on RPC" /var/log/neutron/neutron-openvswitch-agent.log`,
            RESTART_AGENT,
            `openstack port show ${port.id} -c status`,
          ],
          ...(dead ? { group: agentGroup(agent.agent) } : {}),
        }),
      );
    }
    return out;
  },
};

export const vmWiringRules: Rule[] = [
  bindingFailed,
  hybridChainBroken,
  tapUnplugged,
  portDown,
  macMismatch,
  hostMismatch,
  plugTypeMismatch,
];
