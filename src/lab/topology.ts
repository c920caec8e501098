/**
 * The field guide's reference cloud as plain data (no I/O): three hosts — `compute`, `controller`
 * (controller + compute) and `network` — with em1 (management), em3 (VLAN trunk of physnet `trunknet`)
 * and, on the network node, em4 (external, flat). All NICs are cabled to one ToR switch, `stackdr2.GARR`,
 * whose ports and LLDP data follow the guide's captures (em1 on an access port with PVID 320,
 * em3 on `GigabitEthernet2/0/3` as a trunk with PVID 1 and VLANs 319–328).
 *
 * Every name the lab creates is derived from this file, so faults, tests and docs agree.
 */

/** Every network namespace the lab creates itself starts with this; `lab down` leaves none behind. */
export const LAB_PREFIX = "nd-";

export const PHYSNET_VLAN = "trunknet";
export const PHYSNET_EXTERNAL = "external";
/** `network_vlan_ranges = trunknet:319:328`, as the guide's ml2_vlan_allocations table shows. */
export const VLAN_RANGE = { first: 319, last: 328 } as const;
/** The guide's em1 LLDP capture: an access port with PVID 320. The management segment lives there. */
export const MGMT_VLAN = 320;
/** The external flat network is VLAN 319 on the switch (the guide's `ext-net-flat-319`). */
export const EXTERNAL_VLAN = 319;

export const MGMT_PREFIX_LEN = 24;

export type NodeName = "compute" | "controller" | "network";
export type NodeRole = "compute" | "controller" | "network";
export type NicRole = "mgmt" | "provider" | "external";
export type FirewallDriver = "iptables_hybrid" | "openvswitch";
export type AgentKind = "openvswitch" | "dhcp" | "l3";

export interface NodeNic {
  name: "em1" | "em3" | "em4";
  role: NicRole;
  /** The ToR port (interface name inside the ToR namespace) this NIC is cabled to. */
  torPort: string;
  /** Address with prefix length, for NICs that carry one (em1). */
  address?: string;
  /** OVS bridge the NIC is a port of (em3 → br-em3, em4 → br-ex). */
  bridge?: string;
  physnet?: string;
}

export interface LabNode {
  name: NodeName;
  ns: string;
  roles: readonly NodeRole[];
  mgmtIp: string;
  nics: readonly NodeNic[];
  /** `bridge_mappings` of this node's neutron-openvswitch-agent. */
  bridgeMappings: Readonly<Record<string, string>>;
  /** compute uses the hybrid (qbr/iptables) plug like the guide; the others the OVS firewall. */
  firewallDriver: FirewallDriver;
  agents: readonly AgentKind[];
  /** Control-plane services that run inside this node's namespace. */
  services: readonly ("rabbitmq" | "neutron-server")[];
}

export type TorPortMode = { kind: "trunk"; vlans: readonly number[] } | { kind: "access"; vlan: number };

export interface TorPort {
  /** Linux interface name inside the ToR namespace (no "/" allowed there). */
  ifname: string;
  /** LLDP Port ID (ifname subtype, local value) as a Cisco stack sends it. */
  portId: string;
  /** LLDP Port Description TLV, the guide's `GigabitEthernet2/0/3`. */
  description: string;
  mode: TorPortMode;
  /** Port VLAN ID the switch advertises in the 802.1 PVID TLV. */
  pvid: number;
  /** The other end of the cable. `ns: null` is the machine's root namespace (the operator's seat). */
  peer: { ns: string | null; ifname: string; label: string };
}

export const TOR = {
  name: "tor",
  ns: `${LAB_PREFIX}tor`,
  bridge: "br-tor",
  systemName: "stackdr2.GARR",
  systemDescription: "netdoctor lab ToR switch (Open vSwitch bridge + lldpd)",
} as const;

function vlanList(first: number, last: number): number[] {
  const out: number[] = [];
  for (let v = first; v <= last; v++) out.push(v);
  return out;
}

export const TRUNK_VLANS: readonly number[] = vlanList(VLAN_RANGE.first, VLAN_RANGE.last);

/** The operator's seat on the management segment: a veth in the root namespace, so the CLI reaches the API. */
export const MGMT_HOST = { ifname: "nd-mgmt0", address: "10.0.0.254", torPort: "gi2-0-48" } as const;

/** The guide's "external server": the ping target outside the cloud, on the external segment. */
export const EXT_SERVER = {
  name: "ext",
  ns: `${LAB_PREFIX}ext`,
  ifname: "eth0",
  address: "172.24.4.1",
  prefixLen: 24,
  torPort: "gi2-0-24",
} as const;

export const NODES: readonly LabNode[] = [
  {
    name: "compute",
    ns: `${LAB_PREFIX}compute`,
    roles: ["compute"],
    mgmtIp: "10.0.0.31",
    nics: [
      { name: "em1", role: "mgmt", torPort: "gi2-0-31", address: "10.0.0.31/24" },
      { name: "em3", role: "provider", torPort: "gi2-0-3", bridge: "br-em3", physnet: PHYSNET_VLAN },
    ],
    bridgeMappings: { [PHYSNET_VLAN]: "br-em3" },
    firewallDriver: "iptables_hybrid",
    agents: ["openvswitch"],
    services: [],
  },
  {
    name: "controller",
    ns: `${LAB_PREFIX}controller`,
    roles: ["controller", "compute"],
    mgmtIp: "10.0.0.11",
    nics: [
      { name: "em1", role: "mgmt", torPort: "gi2-0-32", address: "10.0.0.11/24" },
      { name: "em3", role: "provider", torPort: "gi2-0-4", bridge: "br-em3", physnet: PHYSNET_VLAN },
    ],
    bridgeMappings: { [PHYSNET_VLAN]: "br-em3" },
    firewallDriver: "openvswitch",
    agents: ["openvswitch"],
    services: ["rabbitmq", "neutron-server"],
  },
  {
    name: "network",
    ns: `${LAB_PREFIX}network`,
    roles: ["network"],
    mgmtIp: "10.0.0.21",
    nics: [
      { name: "em1", role: "mgmt", torPort: "gi2-0-33", address: "10.0.0.21/24" },
      { name: "em3", role: "provider", torPort: "gi2-0-5", bridge: "br-em3", physnet: PHYSNET_VLAN },
      { name: "em4", role: "external", torPort: "gi2-0-13", bridge: "br-ex", physnet: PHYSNET_EXTERNAL },
    ],
    bridgeMappings: { [PHYSNET_VLAN]: "br-em3", [PHYSNET_EXTERNAL]: "br-ex" },
    firewallDriver: "openvswitch",
    agents: ["openvswitch", "dhcp", "l3"],
    services: [],
  },
];

function ciscoPort(ifname: string): { portId: string; description: string } {
  // gi2-0-3 → Gi2/0/3 / GigabitEthernet2/0/3
  const path = ifname.replace(/^gi/, "").replaceAll("-", "/");
  return { portId: `Gi${path}`, description: `GigabitEthernet${path}` };
}

function torPortsFor(): TorPort[] {
  const ports: TorPort[] = [];
  for (const node of NODES) {
    for (const nic of node.nics) {
      const mode: TorPortMode =
        nic.role === "provider"
          ? { kind: "trunk", vlans: TRUNK_VLANS }
          : { kind: "access", vlan: nic.role === "mgmt" ? MGMT_VLAN : EXTERNAL_VLAN };
      ports.push({
        ifname: nic.torPort,
        ...ciscoPort(nic.torPort),
        mode,
        pvid: mode.kind === "trunk" ? 1 : mode.vlan,
        peer: { ns: node.ns, ifname: nic.name, label: `${node.name}:${nic.name}` },
      });
    }
  }
  ports.push({
    ifname: EXT_SERVER.torPort,
    ...ciscoPort(EXT_SERVER.torPort),
    mode: { kind: "access", vlan: EXTERNAL_VLAN },
    pvid: EXTERNAL_VLAN,
    peer: { ns: EXT_SERVER.ns, ifname: EXT_SERVER.ifname, label: "external server" },
  });
  ports.push({
    ifname: MGMT_HOST.torPort,
    ...ciscoPort(MGMT_HOST.torPort),
    mode: { kind: "access", vlan: MGMT_VLAN },
    pvid: MGMT_VLAN,
    peer: { ns: null, ifname: MGMT_HOST.ifname, label: "operator (root namespace)" },
  });
  return ports;
}

export const TOR_PORTS: readonly TorPort[] = torPortsFor();

/** The Neutron project every lab object belongs to (noauth: any id is accepted). */
export const PROJECT_ID = "5a1d2c3b4e6f47a8b9c0d1e2f3a4b5c6";

export interface TenantNetwork {
  name: string;
  segmentationId: number;
  cidr: string;
  gateway: string;
}

/** 10.32.N.0/24 for VLAN 32N, so an address names its VLAN (10.32.4.x lives on VLAN 324). */
function tenantNetwork(vlan: number): TenantNetwork {
  const third = vlan - 320;
  return {
    name: `int-net-${vlan}`,
    segmentationId: vlan,
    cidr: `10.32.${third}.0/24`,
    gateway: `10.32.${third}.1`,
  };
}

/** The guide's VLAN networks (its br-int dump translates 320, 324, 325, 327 and 328). */
export const TENANT_NETWORKS: readonly TenantNetwork[] = [320, 324, 325, 327, 328].map(tenantNetwork);

export const EXTERNAL_NETWORK = {
  name: "ext-net-flat-319",
  physnet: PHYSNET_EXTERNAL,
  cidr: "172.24.4.0/24",
  gateway: EXT_SERVER.address,
  pool: { start: "172.24.4.10", end: "172.24.4.99" },
} as const;

export const ROUTER = { name: "router-324", network: "int-net-324" } as const;

export type VmPlug = "hybrid" | "ovs";

export interface LabVm {
  name: string;
  /** libvirt domain name, as in /etc/libvirt/qemu/instance-xxxxxxxx.xml */
  instance: string;
  uuid: string;
  node: NodeName;
  ns: string;
  network: string;
  ip: string;
  /** Fixed MAC for the port (the guide's VM); undefined lets Neutron choose one. */
  mac?: string;
  plug: VmPlug;
  floatingIp?: string;
}

export const VMS: readonly LabVm[] = [
  {
    name: "vm1",
    instance: "instance-00000001",
    uuid: "3b9e0c52-7a1f-4d8e-9c63-2f5a8b1d4e07",
    node: "compute",
    ns: `${LAB_PREFIX}vm1`,
    network: "int-net-324",
    ip: "10.32.4.10",
    mac: "fa:16:3e:a4:56:3d",
    plug: "hybrid",
    floatingIp: "172.24.4.20",
  },
  {
    name: "vm2",
    instance: "instance-00000002",
    uuid: "8c4d7e21-0b3a-4f59-a6e8-91c2d5f7b346",
    node: "controller",
    ns: `${LAB_PREFIX}vm2`,
    network: "int-net-324",
    ip: "10.32.4.20",
    plug: "ovs",
  },
];

/** Addresses of the control plane (all on the management segment, inside the controller). */
export const CONTROLLER_IP = "10.0.0.11";
export const NEUTRON_API_PORT = 9696;
export const RABBIT_PORT = 5672;

export function nodeByName(name: string): LabNode | undefined {
  return NODES.find((n) => n.name === name);
}

export function vmByName(name: string): LabVm | undefined {
  return VMS.find((v) => v.name === name);
}

export function tenantNetworkByName(name: string): TenantNetwork | undefined {
  return TENANT_NETWORKS.find((n) => n.name === name);
}

/** Nova/os-vif name a port's devices after the first 11 characters of the port id. */
export function devSuffix(portId: string): string {
  return portId.slice(0, 11);
}

export const vifNames = (portId: string) => {
  const s = devSuffix(portId);
  return { tap: `tap${s}`, qbr: `qbr${s}`, qvb: `qvb${s}`, qvo: `qvo${s}` };
};

/** Every namespace the lab makes itself, in creation order (the agents add qdhcp-/qrouter- ones). */
export function labNamespaces(): string[] {
  return [TOR.ns, ...NODES.map((n) => n.ns), EXT_SERVER.ns, ...VMS.map((v) => v.ns)];
}

/** Hosts that run their own ovsdb-server + ovs-vswitchd: the ToR and the three nodes. */
export interface OvsHost {
  key: string;
  ns: string;
}

export function ovsHosts(): OvsHost[] {
  return [{ key: TOR.name, ns: TOR.ns }, ...NODES.map((n) => ({ key: n.name, ns: n.ns }))];
}
