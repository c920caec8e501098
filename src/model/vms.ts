/**
 * VMs from libvirt domain XML, each interface followed along the wiring Nova/os-vif builds:
 * hybrid plug tap → qbr → qvb ⇄ qvo → br-int, or direct tap → br-int. Each piece is marked present or not.
 */
import { type LibvirtDomain, type LibvirtInterface, parseLibvirtDomain } from "../parse/libvirt-xml.js";
import type { EvidenceReader } from "./evidence.js";
import { classifyDevice } from "./naming.js";
import type { Bridge, EvidenceRef, Link, LinuxBridge, Vm, VmInterface } from "./types.js";

interface Wiring {
  links: Link[];
  linuxBridges: LinuxBridge[];
  bridges: Bridge[];
}

function ovsPort(w: Wiring, name: string) {
  for (const b of w.bridges) {
    const p = b.ports.find((x) => x.name === name);
    if (p) return p;
  }
  return undefined;
}

function chainOf(iface: LibvirtInterface, w: Wiring): VmInterface["chain"] {
  const hasLink = (name: string) => w.links.some((l) => l.name === name);
  const chain: VmInterface["chain"] = [];
  const tap = iface.targetDev;
  const src = iface.sourceBridge;
  if (tap) {
    const onOvs = ovsPort(w, tap);
    chain.push({ device: tap, present: hasLink(tap) || onOvs !== undefined });
  }
  if (src && classifyDevice(src).role === "hybrid-bridge") {
    const qbr = w.linuxBridges.find((b) => b.name === src);
    chain.push({
      device: src,
      present: qbr !== undefined || hasLink(src),
      ...(qbr || !hasLink(src) ? {} : { note: "link exists but bridge membership unknown" }),
    });
    const stem = classifyDevice(src).portStem!;
    const qvb = `qvb${stem}`;
    const qvo = `qvo${stem}`;
    const qvbInBridge = qbr ? qbr.interfaces.includes(qvb) : undefined;
    chain.push({
      device: qvb,
      present: hasLink(qvb) || qvbInBridge === true,
      ...(qvbInBridge === false ? { note: `not a member of ${src}` } : {}),
    });
    const port = ovsPort(w, qvo);
    chain.push({
      device: qvo,
      present: port !== undefined || hasLink(qvo),
      ...(port
        ? { note: `on ${port.bridge}${port.tag !== undefined ? ` tag ${port.tag}` : " without tag"}` }
        : {}),
    });
  } else if (tap) {
    const port = ovsPort(w, tap);
    if (port)
      chain[0] = {
        device: tap,
        present: true,
        note: `on ${port.bridge}${port.tag !== undefined ? ` tag ${port.tag}` : " without tag"}`,
      };
  }
  return chain;
}

function toVm(domain: LibvirtDomain, fallbackName: string, ref: EvidenceRef, w: Wiring): Vm {
  const vm: Vm = {
    domain: domain.name ?? fallbackName,
    interfaces: domain.interfaces.map((i) => {
      const out: VmInterface = { chain: chainOf(i, w) };
      if (i.mac !== undefined) out.mac = i.mac;
      if (i.targetDev !== undefined) out.tap = i.targetDev;
      if (i.sourceBridge !== undefined) out.sourceBridge = i.sourceBridge;
      const portId =
        i.virtualport?.interfaceId ??
        (i.targetDev ? ovsPort(w, i.targetDev)?.externalIds["iface-id"] : undefined) ??
        (i.sourceBridge
          ? ovsPort(w, `qvo${classifyDevice(i.sourceBridge).portStem}`)?.externalIds["iface-id"]
          : undefined);
      if (portId !== undefined) out.neutronPortId = portId;
      return out;
    }),
    evidence: ref,
  };
  const uuid = domain.novaInstanceUuid ?? domain.uuid;
  if (uuid !== undefined) vm.uuid = uuid;
  return vm;
}

export function buildVms(ev: EvidenceReader, node: string, w: Wiring): Vm[] {
  const owner = `node:${node}`;
  const vms = new Map<string, Vm>();
  for (const dom of ev.params(node, "libvirt-xml")) {
    const parsed = ev.parse(owner, ev.item(node, "libvirt-xml", dom), parseLibvirtDomain);
    if (parsed) vms.set(dom, toVm(parsed.value, dom, parsed.ref, w));
  }
  // Copied domain files (sosreports, or collections that copy /etc/libvirt/qemu) when no dumpxml exists.
  for (const path of [...ev.files(node, "/run/libvirt/qemu/"), ...ev.files(node, "/etc/libvirt/qemu/")]) {
    if (!path.endsWith(".xml")) continue;
    const dom = path.slice(path.lastIndexOf("/") + 1, -4);
    if (vms.has(dom)) continue;
    const parsed = ev.parseFile(node, path, parseLibvirtDomain);
    if (parsed) vms.set(dom, toVm(parsed.value, dom, parsed.ref, w));
  }
  return [...vms.values()];
}
