/**
 * `--from` / `--to` → endpoints. A spec is one of:
 *
 * - a VM: libvirt domain (`instance-0000000a`), Nova uuid, its IP, MAC or Neutron port id (or an 8+ character
 *   prefix of the id);
 * - a namespace: `qrouter-…` / `qdhcp-…` (a unique prefix is enough);
 * - a node NIC: `network:em4` (a frame arriving on that NIC from the switch; `--from` only);
 * - the router: `router`, a router id or name (its interface on the source's subnet, else its gateway);
 * - any other IPv4 address: a Neutron port that holds it, a namespace address, or a host outside the cloud.
 *
 * A VM with several interfaces uses the one on the other end's subnet (said in the endpoint's notes).
 */
import { classifyNamespace } from "../model/naming.js";
import type {
  CloudModel,
  EvidenceRef,
  Namespace,
  NeutronPort,
  NodeModel,
  Vm,
  VmInterface,
} from "../model/types.js";
import {
  addrOf,
  inCidr,
  isIpv4,
  namespaceOfDevice,
  networkById,
  nodeByName,
  ownerOfIp,
  portByMac,
  subnetById,
  subnetOfIp,
} from "./topology.js";
import type { Endpoint } from "./types.js";

export class EndpointError extends Error {}

const MAC_RE = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
const UUID_PREFIX_RE = /^[0-9a-f]{8}(?:-[0-9a-f-]{0,28})?$/i;

interface VmHit {
  node: NodeModel;
  vm: Vm;
  ifaces: VmInterface[];
}

function vmHits(model: CloudModel, pred: (node: NodeModel, vm: Vm, iface: VmInterface) => boolean): VmHit[] {
  const hits: VmHit[] = [];
  for (const node of model.nodes) {
    for (const vm of node.vms) {
      const ifaces = vm.interfaces.filter((i) => pred(node, vm, i));
      if (ifaces.length > 0) hits.push({ node, vm, ifaces });
    }
  }
  return hits;
}

function portOfIface(model: CloudModel, iface: VmInterface): NeutronPort | undefined {
  if (iface.neutronPortId) {
    const p = model.ports.find((x) => x.id === iface.neutronPortId);
    if (p) return p;
  }
  return iface.mac ? portByMac(model, iface.mac) : undefined;
}

function fillNetwork(
  model: CloudModel,
  ep: Endpoint,
  port: NeutronPort | undefined,
  ip: string | undefined,
): void {
  const fixed = port?.fixedIps.find((f) => ip === undefined || f.ip === ip) ?? port?.fixedIps[0];
  if (fixed && ep.ip === undefined) ep.ip = fixed.ip;
  const subnet =
    subnetById(model, fixed?.subnetId) ?? (ep.ip ? subnetOfIp(model, ep.ip, port?.networkId) : undefined);
  const network = networkById(model, port?.networkId ?? subnet?.networkId);
  if (network) {
    ep.networkId = network.id;
    ep.networkName = network.name;
    if (network.evidence) ep.evidence.push(network.evidence);
  }
  if (subnet) {
    ep.subnetId = subnet.id;
    if (subnet.cidr) ep.cidr = subnet.cidr;
    if (subnet.gatewayIp) ep.gateway = subnet.gatewayIp;
  }
  if (port) {
    ep.portId = port.id;
    if (port.evidence) ep.evidence.push(port.evidence);
  }
}

/** Picks the interface on the peer's subnet, else the first; notes the choice when there was one. */
function pickIface(model: CloudModel, hit: VmHit, peerIp: string | undefined, notes: string[]): VmInterface {
  const first = hit.ifaces[0] as VmInterface;
  if (hit.ifaces.length === 1) return first;
  if (peerIp) {
    for (const iface of hit.ifaces) {
      const port = portOfIface(model, iface);
      const subnet = subnetById(model, port?.fixedIps[0]?.subnetId);
      if (subnet?.cidr && inCidr(peerIp, subnet.cidr)) {
        notes.push(
          `${hit.vm.domain} has ${hit.ifaces.length} interfaces: using ${iface.tap ?? iface.mac} on the subnet of ${peerIp}`,
        );
        return iface;
      }
    }
  }
  notes.push(
    `${hit.vm.domain} has ${hit.ifaces.length} interfaces: using the first, ${first.tap ?? first.mac}`,
  );
  return first;
}

function vmEndpoint(
  model: CloudModel,
  spec: string,
  hit: VmHit,
  iface: VmInterface,
  notes: string[],
  ip?: string,
): Endpoint {
  const port = portOfIface(model, iface);
  const ep: Endpoint = {
    kind: "vm",
    spec,
    label: "",
    node: hit.node.name,
    ...(iface.tap ? { device: iface.tap } : {}),
    ...(iface.mac ? { mac: iface.mac } : {}),
    vm: { domain: hit.vm.domain, ...(hit.vm.uuid ? { uuid: hit.vm.uuid } : {}) },
    evidence: [hit.vm.evidence],
    notes,
  };
  fillNetwork(model, ep, port, ip);
  ep.label =
    `${hit.vm.domain} ${ep.mac ?? ""} ${ep.ip ?? "(no IP known)"}${ep.networkName ? ` on ${ep.networkName}` : ""}, node ${hit.node.name}`.replace(
      / {2,}/g,
      " ",
    );
  return ep;
}

function nsEndpoint(
  model: CloudModel,
  spec: string,
  node: NodeModel,
  ns: Namespace,
  device: string | undefined,
  ip: string | undefined,
  notes: string[],
): Endpoint {
  const cls = classifyNamespace(ns.name);
  const ep: Endpoint = {
    kind: cls.kind === "qrouter" ? "router" : "namespace",
    spec,
    label: "",
    node: node.name,
    namespace: ns.name,
    evidence: ns.evidence ? [ns.evidence] : [],
    notes,
  };
  if (cls.kind === "qrouter" && cls.id) ep.routerId = cls.id;
  const link = device ? ns.links.find((l) => l.name === device) : undefined;
  if (link) {
    ep.device = link.name;
    if (link.mac) ep.mac = link.mac;
    ep.evidence.push(link.evidence);
    const port = link.mac ? portByMac(model, link.mac) : undefined;
    if (ip) ep.ip = ip;
    fillNetwork(model, ep, port, ip);
  }
  ep.label = `${ns.name}${ep.device ? ` ${ep.device}` : ""}${ep.ip ? ` ${ep.ip}` : ""}, node ${node.name}`;
  return ep;
}

function findNamespace(model: CloudModel, spec: string): { node: NodeModel; ns: Namespace }[] {
  const exact: { node: NodeModel; ns: Namespace }[] = [];
  const prefix: { node: NodeModel; ns: Namespace }[] = [];
  for (const node of model.nodes) {
    for (const ns of node.namespaces) {
      if (ns.name === spec) exact.push({ node, ns });
      else if (ns.name.startsWith(spec)) prefix.push({ node, ns });
    }
  }
  return exact.length > 0 ? exact : prefix;
}

/** The first non-loopback IPv4 device of a namespace, preferring one on `peerIp`'s subnet. */
function nsDevice(ns: Namespace, peerIp: string | undefined): { device: string; ip: string } | undefined {
  const cands = ns.links
    .filter((l) => l.name !== "lo")
    .flatMap((l) =>
      l.addresses
        .filter((a) => a.family === "inet")
        .map((a) => ({ device: l.name, ip: addrOf(a.cidr), cidr: a.cidr })),
    );
  if (peerIp) {
    const on = cands.find((c) => !c.cidr.endsWith("/32") && inCidr(peerIp, c.cidr));
    if (on) return on;
  }
  return cands.find((c) => c.device.startsWith("qr-")) ?? cands[0];
}

/** A rough IPv4 of a spec before full resolution, to pick interfaces on the other side. */
function quickIp(model: CloudModel, spec: string): string | undefined {
  if (isIpv4(spec)) return spec;
  if (MAC_RE.test(spec)) return portByMac(model, spec)?.fixedIps[0]?.ip;
  const hit = vmHits(model, (_n, vm) => vm.domain === spec || vm.uuid === spec)[0];
  const iface = hit?.ifaces[0];
  if (iface) return portOfIface(model, iface)?.fixedIps[0]?.ip;
  const port = model.ports.find((p) => p.id === spec || (spec.length >= 8 && p.id.startsWith(spec)));
  return port?.fixedIps[0]?.ip;
}

function evidenceOf(port: NeutronPort | undefined): EvidenceRef[] {
  return port?.evidence ? [port.evidence] : [];
}

/**
 * Resolves one spec. `peerIp` is the other end's address (to pick an interface or the router's address on the
 * right subnet); `role` says which side, since a NIC can only be a source.
 */
export function resolveEndpoint(
  model: CloudModel,
  spec: string,
  role: "from" | "to",
  peerIp?: string,
): Endpoint {
  const s = spec.trim();
  const notes: string[] = [];
  if (s === "") throw new EndpointError(`--${role}: empty`);

  // A node NIC: `network:em4`.
  const nicSpec = /^([^:\s]+):([^:\s]+)$/.exec(s);
  if (nicSpec && !MAC_RE.test(s)) {
    const node = nodeByName(model, nicSpec[1] as string);
    const name = nicSpec[2] as string;
    if (!node)
      throw new EndpointError(
        `--${role} ${s}: no node ${nicSpec[1]} in the snapshot (nodes: ${model.nodes.map((n) => n.name).join(", ")})`,
      );
    const nic = node.nics.find((n) => n.name === name);
    const link = nic?.link ?? node.links.find((l) => l.name === name);
    if (!nic && !link) throw new EndpointError(`--${role} ${s}: ${node.name} has no NIC ${name}`);
    if (role === "to")
      throw new EndpointError(
        `--to ${s}: a NIC is a place frames enter from, not a destination; give an address`,
      );
    const v4 = link?.addresses.find((a) => a.family === "inet");
    const ep: Endpoint = {
      kind: "nic",
      spec: s,
      label: `${node.name}:${name} (a frame arriving from the switch)`,
      node: node.name,
      device: name,
      ...(link?.mac ? { mac: link.mac } : {}),
      ...(v4 ? { ip: addrOf(v4.cidr) } : {}),
      evidence: link ? [link.evidence] : [],
      notes,
    };
    return ep;
  }

  // A MAC.
  if (MAC_RE.test(s)) {
    const mac = s.toLowerCase();
    const hit = vmHits(model, (_n, _vm, i) => i.mac?.toLowerCase() === mac)[0];
    if (hit) return vmEndpoint(model, s, hit, hit.ifaces[0] as VmInterface, notes);
    for (const node of model.nodes) {
      for (const ns of node.namespaces) {
        const link = ns.links.find((l) => l.mac?.toLowerCase() === mac);
        if (link) {
          const v4 = link.addresses.find((a) => a.family === "inet");
          return nsEndpoint(model, s, node, ns, link.name, v4 ? addrOf(v4.cidr) : undefined, notes);
        }
      }
    }
    const port = portByMac(model, mac);
    if (port) return fromNeutronPort(model, s, port, role, notes);
    throw new EndpointError(`--${role} ${s}: no VM interface, namespace device or Neutron port has MAC ${s}`);
  }

  // An IPv4 address.
  if (isIpv4(s)) {
    const hit = vmHits(
      model,
      (_n, _vm, i) => portOfIface(model, i)?.fixedIps.some((f) => f.ip === s) === true,
    )[0];
    if (hit) {
      const iface = hit.ifaces.find((i) =>
        portOfIface(model, i)?.fixedIps.some((f) => f.ip === s),
      ) as VmInterface;
      return vmEndpoint(model, s, hit, iface, notes, s);
    }
    const owner = ownerOfIp(model, s);
    if (owner?.ns) {
      const ep = nsEndpoint(model, s, owner.ns.node, owner.ns.ns, owner.ns.link.name, s, notes);
      const fip = model.ports.find(
        (p) => p.deviceOwner === "network:floatingip" && p.fixedIps.some((f) => f.ip === s),
      );
      if (fip) ep.label = `floating IP ${s} on ${ep.label}`;
      return ep;
    }
    if (owner?.neutronPort) return fromNeutronPort(model, s, owner.neutronPort, role, notes, s);
    const subnet = subnetOfIp(model, s);
    const network = networkById(model, subnet?.networkId);
    const ep: Endpoint = {
      kind: "external",
      spec: s,
      label: network
        ? `${s} on ${network.name}${network.external ? " (external network)" : ""}, no Neutron port holds it`
        : `${s} (outside the cloud)`,
      ip: s,
      evidence: [],
      notes,
    };
    if (network) {
      ep.networkId = network.id;
      ep.networkName = network.name;
    }
    if (subnet) {
      ep.subnetId = subnet.id;
      if (subnet.cidr) ep.cidr = subnet.cidr;
      if (subnet.gatewayIp) ep.gateway = subnet.gatewayIp;
    }
    return ep;
  }

  // A VM by domain or Nova uuid.
  const byName = vmHits(model, (_n, vm) => vm.domain === s || vm.uuid === s);
  if (byName.length > 1)
    throw new EndpointError(
      `--${role} ${s}: ${byName.length} VMs match (${byName.map((h) => `${h.vm.domain} on ${h.node.name}`).join(", ")})`,
    );
  if (byName[0]) {
    const hit = byName[0];
    return vmEndpoint(model, s, hit, pickIface(model, hit, peerIp, notes), notes);
  }

  // A namespace.
  if (/^(qrouter|qdhcp|snat|fip)-/.test(s)) {
    const found = findNamespace(model, s);
    if (found.length === 0) throw new EndpointError(`--${role} ${s}: no namespace of that name on any node`);
    if (found.length > 1)
      throw new EndpointError(
        `--${role} ${s}: ambiguous, ${found.map((f) => `${f.ns.name} on ${f.node.name}`).join(", ")}`,
      );
    const { node, ns } = found[0] as { node: NodeModel; ns: Namespace };
    const dev = nsDevice(ns, peerIp);
    return nsEndpoint(model, s, node, ns, dev?.device, dev?.ip, notes);
  }

  // The router.
  const routers =
    s === "router"
      ? model.routers
      : model.routers.filter((r) => r.id === s || r.name === s || (s.length >= 8 && r.id.startsWith(s)));
  if (routers.length > 1)
    throw new EndpointError(
      `--${role} ${s}: ${routers.length} routers match (${routers.map((r) => r.name ?? r.id).join(", ")})`,
    );
  if (routers[0]) {
    const router = routers[0];
    const found = findNamespace(model, `qrouter-${router.id}`)[0];
    if (found) {
      const dev = nsDevice(found.ns, peerIp);
      const ep = nsEndpoint(model, s, found.node, found.ns, dev?.device, dev?.ip, notes);
      ep.label = `router ${router.name ?? router.id}: ${ep.label}`;
      return ep;
    }
    const ports = model.ports.filter((p) => p.deviceId === router.id);
    const port =
      ports.find(
        (p) =>
          peerIp !== undefined &&
          p.fixedIps.some(
            (f) =>
              subnetById(model, f.subnetId)?.cidr !== undefined &&
              inCidr(peerIp, subnetById(model, f.subnetId)?.cidr as string),
          ),
      ) ?? ports[0];
    if (port) {
      notes.push(`no qrouter-${router.id} namespace in the snapshot: the router's port ${port.id} is used`);
      return fromNeutronPort(model, s, port, role, notes);
    }
    throw new EndpointError(
      `--${role} ${s}: router ${router.name ?? router.id} has no namespace and no port in the snapshot`,
    );
  }

  // A Neutron port id (or an 8+ character prefix).
  if (UUID_PREFIX_RE.test(s)) {
    const ports = model.ports.filter((p) => p.id === s || p.id.startsWith(s));
    if (ports.length > 1)
      throw new EndpointError(`--${role} ${s}: ${ports.length} Neutron ports start with ${s}`);
    if (ports[0]) return fromNeutronPort(model, s, ports[0], role, notes);
  }
  throw new EndpointError(
    `--${role} ${s}: not a VM (domain, uuid, IP, MAC, port id), namespace, node:NIC, router or IPv4 address of this snapshot`,
  );
}

function fromNeutronPort(
  model: CloudModel,
  spec: string,
  port: NeutronPort,
  role: "from" | "to",
  notes: string[],
  ip?: string,
): Endpoint {
  // A VM's port: the VM.
  const hit = vmHits(
    model,
    (_n, _vm, i) =>
      i.neutronPortId === port.id ||
      (port.mac !== undefined && i.mac?.toLowerCase() === port.mac.toLowerCase()),
  )[0];
  if (hit) return vmEndpoint(model, spec, hit, hit.ifaces[0] as VmInterface, notes, ip);
  // A namespace device.
  if (port.mac) {
    for (const node of model.nodes) {
      for (const ns of node.namespaces) {
        const link = ns.links.find((l) => l.mac?.toLowerCase() === port.mac?.toLowerCase());
        if (link) return nsEndpoint(model, spec, node, ns, link.name, ip ?? port.fixedIps[0]?.ip, notes);
      }
    }
  }
  const host = port.hostId ? nodeByName(model, port.hostId) : undefined;
  if (role === "from") {
    throw new EndpointError(
      `--from ${spec}: Neutron port ${port.id} (${port.deviceOwner ?? "no owner"}) is not on any VM or namespace of the snapshot${host ? ` (bound to ${host.name})` : ""}`,
    );
  }
  const ep: Endpoint = {
    kind: port.deviceOwner?.startsWith("network:router") ? "router" : "external",
    spec,
    label: `Neutron port ${port.id} (${port.deviceOwner ?? "no owner"})${host ? ` bound to ${host.name}` : ""}, not found on any node`,
    ...(host ? { node: host.name } : {}),
    ...(port.mac ? { mac: port.mac } : {}),
    evidence: evidenceOf(port),
    notes,
  };
  fillNetwork(model, ep, port, ip);
  return ep;
}

/** Both ends; each side's choice among interfaces or router addresses looks at the other side's address. */
export function resolveEndpoints(
  model: CloudModel,
  from: string,
  to: string,
): { from: Endpoint; to: Endpoint } {
  const toIp = quickIp(model, to.trim());
  const src = resolveEndpoint(model, from, "from", toIp);
  const dst = resolveEndpoint(model, to, "to", src.ip);
  // A VM source with several interfaces: prefer the dst's subnet now that it is known.
  if (src.kind === "vm" && dst.ip && toIp === undefined) {
    const again = resolveEndpoint(model, from, "from", dst.ip);
    return { from: again, to: resolveEndpoint(model, to, "to", again.ip) };
  }
  return { from: src, to: dst };
}

/** The namespace (and its node) a device lives in, when an endpoint names one. */
export function endpointNamespace(
  model: CloudModel,
  ep: Endpoint,
): { node: NodeModel; ns: Namespace } | undefined {
  if (ep.namespace === undefined || ep.node === undefined) return undefined;
  const node = nodeByName(model, ep.node);
  const ns = node?.namespaces.find((n) => n.name === ep.namespace);
  if (!node || !ns) return undefined;
  if (ep.device) {
    const hit = namespaceOfDevice(node, ep.device);
    if (hit && hit.ns.name !== ns.name) return undefined;
  }
  return { node, ns };
}
