/**
 * The cloud model: one typed graph built from a snapshot (model/build.ts). Checks, trace, show and the UI
 * read only this. Every fact that came from a file carries an EvidenceRef so a finding can quote it.
 */
import type { Flow } from "../openflow/flow.js";
import type {
  CliAgent,
  ComputeService,
  FloatingIp,
  HypervisorStats,
  SecgroupRule,
  VlanAllocation,
} from "../parse/openstack-cli.js";
import type { NodeMeta, SnapshotWarning } from "../snapshot/format.js";
import type { DeviceRole } from "./naming.js";

/** Where a fact was read: snapshot-relative file, 1-based line, the line's text. */
export interface EvidenceRef {
  path: string;
  line?: number;
  text?: string;
}

export interface ModelIssue {
  /** `node:compute`, `cloud`, … */
  object: string;
  message: string;
  evidence?: EvidenceRef;
  severity: "error" | "warning";
}

export interface Address {
  family: "inet" | "inet6";
  cidr: string;
}

/** A kernel network device (host namespace or inside a namespace). */
export interface Link {
  name: string;
  index?: number;
  up: boolean;
  lowerUp: boolean;
  state?: string;
  mtu?: number;
  master?: string;
  mac?: string;
  kind?: string;
  /** veth peer name or ifindex as `ip` printed it (`@if2`, `@qvoXXX`). */
  peer?: string;
  addresses: Address[];
  evidence: EvidenceRef;
}

export interface Route {
  dst: string;
  via?: string;
  dev?: string;
  table?: string;
}

export interface Nic {
  name: string;
  role?: NodeMeta["nics"][number]["role"];
  physnet?: string;
  /** OVS bridge holding this NIC, from OVSDB. */
  bridge?: string;
  link?: Link;
  driver?: { driver?: string; version?: string; firmware?: string };
  lldp?: LldpView;
}

export interface LldpView {
  systemName?: string;
  portId?: string;
  portDescr?: string;
  pvid?: number;
  vlans: number[];
  mode: "access" | "trunk" | "unknown";
  modeReason: string;
  evidence: EvidenceRef;
}

export interface OvsPort {
  name: string;
  bridge: string;
  ofport?: number;
  tag?: number;
  trunks: number[];
  vlanMode?: string;
  /** Interface type: "" (system), internal, patch, vxlan, gre, … */
  type: string;
  /** Patch peer (options:peer). */
  peer?: string;
  error?: string;
  /** external_ids of the interface: iface-id (Neutron port id), attached-mac, vm-uuid, iface-status. */
  externalIds: Record<string, string>;
  role: DeviceRole;
  /** Neutron port this device belongs to (iface-id, else matched by name stem). */
  neutronPortId?: string;
  evidence: EvidenceRef;
}

export interface FlowTable {
  /** Snapshot-relative path of the dump. */
  path: string;
  flows: Flow[];
}

export interface Bridge {
  name: string;
  failMode?: string;
  datapathType?: string;
  ports: OvsPort[];
  /** OpenFlow port number → port name (ovs-ofctl show, or OVSDB ofport). */
  ofports: Map<number, string>;
  flows?: FlowTable;
  evidence: EvidenceRef;
}

/** One direction of Neutron's VLAN translation on one node (neutron-ovs-facts §3). */
export interface VlanTranslation {
  /** ingress: br-int maps the wire's segmentation id to the local VLAN; egress: the provider bridge maps back. */
  direction: "ingress" | "egress";
  bridge: string;
  /** Patch port the rule matches on (int-br-X on br-int, phy-br-X on the provider bridge), or the raw number. */
  inPort: string;
  /** The provider bridge this translation serves (br-em3), and its physnet from bridge_mappings. */
  providerBridge?: string;
  physnet?: string;
  /** VLAN on the wire; undefined for flat networks (untagged). */
  segmentationId?: number;
  localVlan: number;
  flow: Flow;
  evidence: EvidenceRef;
}

export interface Namespace {
  name: string;
  kind: "qrouter" | "qdhcp" | "fip" | "snat" | "other";
  /** Router or network id from the name. */
  objectId?: string;
  links: Link[];
  routes: Route[];
  /** NAT rules as text (`-A neutron-l3-agent-PREROUTING -d 172.24.4.10/32 -j DNAT --to-destination 10.0.0.5`). */
  natRules: { text: string; evidence: EvidenceRef }[];
  evidence?: EvidenceRef;
}

export interface VmInterface {
  mac?: string;
  /** tap device (libvirt target dev). */
  tap?: string;
  /** Linux bridge (hybrid plug) or OVS bridge (direct plug) from libvirt. */
  sourceBridge?: string;
  neutronPortId?: string;
  /** The wiring as found: tap → qbr → qvb → qvo → br-int; each present or not. */
  chain: { device: string; present: boolean; note?: string }[];
}

export interface Vm {
  domain: string;
  uuid?: string;
  interfaces: VmInterface[];
  evidence: EvidenceRef;
}

export interface LinuxBridge {
  name: string;
  interfaces: string[];
}

export interface NodeConfig {
  bridgeMappings: { physnet: string; bridge: string }[];
  networkVlanRanges: { physnet: string; min?: number; max?: number }[];
  /** Raw options that checks read: `section.key` → value. */
  options: Record<string, string>;
  evidence: Record<string, EvidenceRef>;
}

export interface NodeModel {
  name: string;
  roles: NodeMeta["roles"];
  links: Link[];
  nics: Nic[];
  bridges: Bridge[];
  linuxBridges: LinuxBridge[];
  namespaces: Namespace[];
  vms: Vm[];
  vlanTranslations: VlanTranslation[];
  config: NodeConfig;
  /** Kernel settings read (`sysctl`), with where they were read. */
  sysctl: Record<string, string>;
  sysctlEvidence?: EvidenceRef;
  /** Running processes, when the snapshot has a process list. */
  processes?: { pid: number; elapsed?: number; args: string; evidence: EvidenceRef }[];
  /** Host and namespace filter tables with the hybrid security-group chains (model/firewall.ts). */
  firewall?: import("./firewall.js").NodeFirewall;
  /** Service logs collected on the node (`log@<service>`): their warnings and errors (model/logs.ts). */
  logs: import("./logs.js").ServiceLog[];
}

export interface Network {
  id: string;
  name: string;
  networkType?: string;
  physnet?: string;
  segmentationId?: number;
  external?: boolean;
  mtu?: number;
  subnets: string[];
  evidence?: EvidenceRef;
}

export interface Subnet {
  id: string;
  name?: string;
  networkId?: string;
  cidr?: string;
  gatewayIp?: string;
  enableDhcp?: boolean;
  dnsNameservers: string[];
  evidence?: EvidenceRef;
}

export interface NeutronPort {
  id: string;
  name?: string;
  networkId?: string;
  mac?: string;
  fixedIps: { subnetId?: string; ip: string }[];
  deviceOwner?: string;
  deviceId?: string;
  hostId?: string;
  vifType?: string;
  status?: string;
  ovsHybridPlug?: boolean;
  securityGroups?: string[];
  evidence?: EvidenceRef;
}

export interface Router {
  id: string;
  name?: string;
  externalNetworkId?: string;
  evidence?: EvidenceRef;
}

export interface CloudModel {
  nodes: NodeModel[];
  networks: Network[];
  subnets: Subnet[];
  ports: NeutronPort[];
  routers: Router[];
  agents: (CliAgent & { evidence: EvidenceRef })[];
  computeServices: (ComputeService & { evidence: EvidenceRef })[];
  hypervisorStats?: HypervisorStats & { evidence: EvidenceRef };
  vlanAllocations: (VlanAllocation & { evidence: EvidenceRef })[];
  securityGroupRules: (SecgroupRule & { evidence: EvidenceRef })[];
  floatingIps: (FloatingIp & { evidence: EvidenceRef })[];
  /** Everything the model could not read: parse errors with file and line, missing evidence. */
  issues: ModelIssue[];
  warnings: SnapshotWarning[];
}
