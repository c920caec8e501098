/**
 * libvirt domain XML for a lab VM, shaped like the file the guide reads in /etc/libvirt/qemu to find a
 * VM's tap: `<interface type='bridge'>` with the MAC, the qbr bridge (hybrid plug) or br-int with an
 * openvswitch virtualport (plain OVS plug), and the tap as target dev. Pure text.
 */
import type { LabVm } from "./topology.js";

const esc = (s: string): string =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll("'", "&apos;");

export interface VmNic {
  portId: string;
  mac: string;
  tap: string;
  /** Linux bridge for the hybrid plug; undefined for a tap directly on br-int. */
  qbr?: string;
}

function interfaceXml(nic: VmNic): string[] {
  const common = [
    `      <mac address='${esc(nic.mac)}'/>`,
    ...(nic.qbr !== undefined
      ? [`      <source bridge='${esc(nic.qbr)}'/>`]
      : [
          "      <source bridge='br-int'/>",
          "      <virtualport type='openvswitch'>",
          `        <parameters interfaceid='${esc(nic.portId)}'/>`,
          "      </virtualport>",
        ]),
    `      <target dev='${esc(nic.tap)}'/>`,
    "      <model type='virtio'/>",
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>",
  ];
  return ["    <interface type='bridge'>", ...common, "    </interface>"];
}

export function domainXml(vm: LabVm, nic: VmNic): string {
  return [
    "<domain type='kvm'>",
    `  <name>${esc(vm.instance)}</name>`,
    `  <uuid>${esc(vm.uuid)}</uuid>`,
    "  <metadata>",
    '    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">',
    `      <nova:name>${esc(vm.name)}</nova:name>`,
    "    </nova:instance>",
    "  </metadata>",
    "  <memory unit='KiB'>524288</memory>",
    "  <vcpu placement='static'>1</vcpu>",
    "  <os>",
    "    <type arch='x86_64' machine='pc-i440fx-2.0'>hvm</type>",
    "  </os>",
    "  <devices>",
    "    <controller type='pci' index='0' model='pci-root'/>",
    ...interfaceXml(nic),
    "    <serial type='file'>",
    `      <source path='/var/lib/nova/instances/${esc(vm.uuid)}/console.log'/>`,
    "      <target port='0'/>",
    "    </serial>",
    "  </devices>",
    "</domain>",
    "",
  ].join("\n");
}
