/**
 * Lookups over the cloud model that the trace needs at every hop: where a MAC or an IP lives, which port of a
 * bridge a device is, the peer of a patch port, the NIC a bridge reaches the wire through, IPv4 prefixes.
 * Pure functions of the model.
 */
import { classifyDevice } from "../model/naming.js";
import type {
  Bridge,
  CloudModel,
  Link,
  Namespace,
  Network,
  NeutronPort,
  Nic,
  NodeModel,
  OvsPort,
  Subnet,
  Vm,
  VmInterface,
} from "../model/types.js";

// ---------------------------------------------------------------------------------------------
// IPv4

export function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.trim().split(".");
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = v * 256 + Number(p);
  }
  return v;
}

export function isIpv4(text: string): boolean {
  return ipv4ToInt(text) !== undefined;
}

/** `10.0.24.0/24` → network and prefix length; `default` and `0.0.0.0/0` are /0; a bare address is /32. */
export function parseCidr(cidr: string): { base: number; len: number } | undefined {
  if (cidr === "default") return { base: 0, len: 0 };
  const [addr = "", len] = cidr.split("/");
  const base = ipv4ToInt(addr);
  if (base === undefined) return undefined;
  const n = len === undefined ? 32 : Number(len);
  if (!Number.isInteger(n) || n < 0 || n > 32) return undefined;
  return { base, len: n };
}

export function inCidr(ip: string, cidr: string): boolean {
  const a = ipv4ToInt(ip);
  const c = parseCidr(cidr);
  if (a === undefined || c === undefined) return false;
  if (c.len === 0) return true;
  const size = 2 ** (32 - c.len);
  return Math.floor(a / size) === Math.floor(c.base / size);
}

/** The address part of `10.0.24.1/24`. */
export function addrOf(cidr: string): string {
  return cidr.split("/")[0] ?? cidr;
}

// ---------------------------------------------------------------------------------------------
// Nodes, bridges, ports

export function nodeByName(model: CloudModel, name: string): NodeModel | undefined {
  return model.nodes.find((n) => n.name === name);
}

export function bridgeOf(node: NodeModel, name: string): Bridge | undefined {
  return node.bridges.find((b) => b.name === name);
}

/** The OVS port with this name on any bridge of the node. */
export function ovsPortByName(node: NodeModel, name: string): { bridge: Bridge; port: OvsPort } | undefined {
  for (const bridge of node.bridges) {
    const port = bridge.ports.find((p) => p.name === name);
    if (port) return { bridge, port };
  }
  return undefined;
}

/** The port's OpenFlow number: OVSDB's, else `ovs-ofctl show`'s. */
export function ofportOf(bridge: Bridge, port: OvsPort): number | undefined {
  if (port.ofport !== undefined) return port.ofport;
  for (const [n, name] of bridge.ofports) if (name === port.name) return n;
  return undefined;
}

/**
 * The port at the other end of a patch port (or of the old veth interconnection, `int-br-X` ⇄ `phy-br-X`,
 * which OVSDB shows as two system ports without `options:peer`).
 */
export function peerOf(node: NodeModel, port: OvsPort): { bridge: Bridge; port: OvsPort } | undefined {
  let peerName = port.peer;
  if (peerName === undefined) {
    const cls = classifyDevice(port.name);
    if (cls.role === "patch-int" && cls.peerBridge) peerName = `phy-${cls.peerBridge}`;
    else if (cls.role === "patch-phy" && cls.peerBridge) peerName = `int-${cls.peerBridge}`;
  }
  if (peerName === undefined) return undefined;
  const found = ovsPortByName(node, peerName);
  return found && found.bridge.name !== port.bridge ? found : undefined;
}

export function isPatchLike(node: NodeModel, port: OvsPort): boolean {
  if (port.type === "patch") return true;
  const role = classifyDevice(port.name).role;
  return (role === "patch-int" || role === "patch-phy") && peerOf(node, port) !== undefined;
}

/** The node NIC this OVS port is (em3 in br-em3), when it is one. */
export function nicOfPort(node: NodeModel, bridge: Bridge, port: OvsPort): Nic | undefined {
  const nic = node.nics.find((n) => n.name === port.name);
  if (nic) return nic;
  // A system port that is neither a Neutron device, a patch nor the bridge itself, with a host link: an uplink.
  if (port.type !== "" || port.name === bridge.name) return undefined;
  if (classifyDevice(port.name).role !== "other" || port.neutronPortId !== undefined) return undefined;
  const link = node.links.find((l) => l.name === port.name);
  if (link === undefined) return undefined;
  return { name: port.name, link, bridge: bridge.name };
}

/** The physnet a NIC serves: declared, else from bridge_mappings of its bridge. */
export function physnetOfNic(node: NodeModel, nic: Nic): string | undefined {
  if (nic.physnet) return nic.physnet;
  const bridge = nic.bridge ?? ovsBridgeOfDevice(node, nic.name);
  return node.config.bridgeMappings.find((m) => m.bridge === bridge)?.physnet;
}

function ovsBridgeOfDevice(node: NodeModel, name: string): string | undefined {
  return ovsPortByName(node, name)?.bridge.name;
}

/** The node's NIC that carries a physnet (bridge_mappings → bridge → the NIC in it). */
export function nicForPhysnet(
  node: NodeModel,
  physnet: string | undefined,
): { nic: Nic; bridge: Bridge; port: OvsPort } | undefined {
  const candidates: { nic: Nic; bridge: Bridge; port: OvsPort }[] = [];
  for (const bridge of node.bridges) {
    for (const port of bridge.ports) {
      const nic = nicOfPort(node, bridge, port);
      if (nic) candidates.push({ nic, bridge, port });
    }
  }
  if (physnet === undefined) return candidates.length === 1 ? candidates[0] : undefined;
  return candidates.find((c) => physnetOfNic(node, c.nic) === physnet);
}

/** The namespace holding a device, on one node. */
export function namespaceOfDevice(
  node: NodeModel,
  device: string,
): { ns: Namespace; link: Link } | undefined {
  for (const ns of node.namespaces) {
    const link = ns.links.find((l) => l.name === device);
    if (link) return { ns, link };
  }
  return undefined;
}

export function vmOfTap(node: NodeModel, tap: string): { vm: Vm; iface: VmInterface } | undefined {
  for (const vm of node.vms) {
    for (const iface of vm.interfaces) {
      if (iface.tap === tap || iface.chain.some((c) => c.device === tap && c.device.startsWith("tap")))
        return { vm, iface };
    }
  }
  return undefined;
}

/** The VM interface whose hybrid chain ends in this qvo (or whose tap is this OVS port). */
export function vmOfOvsPort(node: NodeModel, portName: string): { vm: Vm; iface: VmInterface } | undefined {
  for (const vm of node.vms) {
    for (const iface of vm.interfaces) {
      const last = iface.chain[iface.chain.length - 1]?.device;
      if (last === portName || iface.tap === portName) return { vm, iface };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Neutron objects

export function networkById(model: CloudModel, id: string | undefined): Network | undefined {
  return id === undefined ? undefined : model.networks.find((n) => n.id === id);
}

export function subnetById(model: CloudModel, id: string | undefined): Subnet | undefined {
  return id === undefined ? undefined : model.subnets.find((s) => s.id === id);
}

/** The subnet an IPv4 address belongs to (the longest matching CIDR), optionally within one network. */
export function subnetOfIp(model: CloudModel, ip: string, networkId?: string): Subnet | undefined {
  let best: Subnet | undefined;
  let bestLen = -1;
  for (const s of model.subnets) {
    if (s.cidr === undefined || (networkId !== undefined && s.networkId !== networkId)) continue;
    const c = parseCidr(s.cidr);
    if (c && c.len > bestLen && inCidr(ip, s.cidr)) {
      best = s;
      bestLen = c.len;
    }
  }
  return best;
}

export function portsWithIp(model: CloudModel, ip: string): NeutronPort[] {
  return model.ports.filter((p) => p.fixedIps.some((f) => f.ip === ip));
}

export function portByMac(model: CloudModel, mac: string): NeutronPort | undefined {
  const m = mac.toLowerCase();
  return model.ports.find((p) => p.mac?.toLowerCase() === m);
}

// ---------------------------------------------------------------------------------------------
// Where a MAC lives

export interface MacLocation {
  node: string;
  /** The OVS bridge and port the MAC is behind on that node. */
  bridge?: string;
  port?: string;
  /** The VLAN tag of that port (br-int's local VLAN). */
  tag?: number;
  /** What holds the MAC: a VM interface, a namespace device, a NIC. */
  what: string;
  vm?: { vm: Vm; iface: VmInterface };
  ns?: { ns: Namespace; link: Link };
  neutronPort?: NeutronPort;
}

/**
 * The place a destination MAC is found: OVSDB `attached-mac` of an OVS interface, a VM's interface, a namespace
 * device, a host link; else the Neutron port's binding host.
 */
export function locateMac(model: CloudModel, mac: string): MacLocation | undefined {
  const m = mac.toLowerCase();
  const neutronPort = portByMac(model, m);
  const withPort = (loc: MacLocation): MacLocation => (neutronPort ? { ...loc, neutronPort } : loc);
  for (const node of model.nodes) {
    for (const vm of node.vms) {
      for (const iface of vm.interfaces) {
        if (iface.mac?.toLowerCase() !== m) continue;
        const last = [...iface.chain].reverse().find((c) => ovsPortByName(node, c.device) !== undefined);
        const ovs = last ? ovsPortByName(node, last.device) : undefined;
        return withPort({
          node: node.name,
          ...(ovs ? { bridge: ovs.bridge.name, port: ovs.port.name } : {}),
          ...(ovs?.port.tag !== undefined ? { tag: ovs.port.tag } : {}),
          what: `${vm.domain} (${iface.tap ?? "?"})`,
          vm: { vm, iface },
        });
      }
    }
    for (const ns of node.namespaces) {
      for (const link of ns.links) {
        if (link.mac?.toLowerCase() !== m) continue;
        const ovs = ovsPortByName(node, link.name);
        return withPort({
          node: node.name,
          ...(ovs ? { bridge: ovs.bridge.name, port: ovs.port.name } : {}),
          ...(ovs?.port.tag !== undefined ? { tag: ovs.port.tag } : {}),
          what: `${link.name} in ${ns.name}`,
          ns: { ns, link },
        });
      }
    }
  }
  for (const node of model.nodes) {
    for (const bridge of node.bridges) {
      for (const port of bridge.ports) {
        if (port.externalIds["attached-mac"]?.toLowerCase() !== m) continue;
        return withPort({
          node: node.name,
          bridge: bridge.name,
          port: port.name,
          ...(port.tag !== undefined ? { tag: port.tag } : {}),
          what: `${port.name} on ${bridge.name}`,
        });
      }
    }
    for (const link of node.links) {
      if (link.mac?.toLowerCase() !== m) continue;
      const ovs = ovsPortByName(node, link.name);
      return withPort({
        node: node.name,
        ...(ovs ? { bridge: ovs.bridge.name, port: ovs.port.name } : {}),
        what: `${link.name} of ${node.name}`,
      });
    }
  }
  if (neutronPort?.hostId && nodeByName(model, neutronPort.hostId)) {
    return {
      node: neutronPort.hostId,
      what: `Neutron port ${neutronPort.id} (bound to ${neutronPort.hostId})`,
      neutronPort,
    };
  }
  return undefined;
}

/** Who answers ARP for an IPv4 address: a Neutron port, or an address of a namespace device. */
export function ownerOfIp(
  model: CloudModel,
  ip: string,
):
  | {
      mac?: string;
      node?: string;
      what: string;
      neutronPort?: NeutronPort;
      ns?: { node: NodeModel; ns: Namespace; link: Link };
    }
  | undefined {
  for (const node of model.nodes) {
    for (const ns of node.namespaces) {
      for (const link of ns.links) {
        if (link.name === "lo") continue;
        if (link.addresses.some((a) => a.family === "inet" && addrOf(a.cidr) === ip)) {
          const port = link.mac ? portByMac(model, link.mac) : undefined;
          return {
            ...(link.mac ? { mac: link.mac } : {}),
            node: node.name,
            what: `${link.name} in ${ns.name}`,
            ...(port ? { neutronPort: port } : {}),
            ns: { node, ns, link },
          };
        }
      }
    }
  }
  const ports = portsWithIp(model, ip).filter((p) => p.deviceOwner !== "network:floatingip");
  const port = ports[0];
  if (port) {
    return {
      ...(port.mac ? { mac: port.mac } : {}),
      ...(port.hostId ? { node: port.hostId } : {}),
      what: `Neutron port ${port.id}${port.deviceOwner ? ` (${port.deviceOwner})` : ""}`,
      neutronPort: port,
    };
  }
  return undefined;
}
