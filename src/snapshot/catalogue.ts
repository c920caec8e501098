/**
 * The evidence catalogue: every output netdoctor needs, with the live command that produces it and
 * where the same output sits in a sosreport, so later stages never care where evidence came from.
 *
 * Ids are stable: they name files in a snapshot (`<id>[@<param>].txt`).
 */

export type Role = "compute" | "controller" | "network";

/** What one parameter of a per-object command stands for. */
export type ParamKind = "bridge" | "namespace" | "nic" | "domain" | "service";

export type EvidenceScope = "node" | "cloud";

export interface EvidenceSpec {
  id: string;
  scope: EvidenceScope;
  /** Which roles need it; empty = every node. */
  roles: Role[];
  param?: ParamKind;
  /** Alternatives tried in order; the first that exits 0 wins (e.g. OpenFlow 1.0, then 1.3). */
  commands: (param: string) => string[][];
  /**
   * Candidate sosreport paths, relative to the sosreport root; `*` stands for any run of characters.
   * The first that exists wins. Empty when sos never collects it.
   */
  sosPaths: (param: string) => string[];
  /**
   * For cloud views read from the OpenStack APIs (collect --openstack): service type and path. The stored
   * output is the JSON body, all pages merged; `commands` then gives the equivalent openstack CLI call.
   */
  api?: { service: "network" | "compute"; path: string };
  /** Parser family that reads it (module in src/parse/). */
  parser: string;
  description: string;
}

/** sos turns a command into a file name: runs of characters other than [A-Za-z0-9-./] become `_`, `/` becomes `.`. */
export function sosMangle(command: string): string {
  return command.replace(/[^A-Za-z0-9\-./]+/g, "_").replace(/\//g, ".");
}

const none = (): string[] => [];
const nsExec = (ns: string, ...argv: string[]): string[] => ["ip", "netns", "exec", ns, ...argv];
const sosNs = (ns: string, cmd: string): string[] => [
  `sos_commands/networking/namespaces/${ns}/${sosMangle(`ip netns exec ${ns} ${cmd}`)}`,
  `sos_commands/networking/${sosMangle(`ip netns exec ${ns} ${cmd}`)}`,
];
const ovsdbList = (table: string, sosName: string): EvidenceSpec => ({
  id: `ovsdb-${table.toLowerCase()}`,
  scope: "node",
  roles: [],
  commands: () => [["ovs-vsctl", "--format=json", "list", table]],
  sosPaths: () => (sosName ? [`sos_commands/openvswitch/ovs-vsctl_-t_5_list_${sosName}`] : []),
  parser: "ovsdb",
  description: `OVSDB ${table} table (JSON live, text list in sosreports)`,
});

export const CATALOGUE: readonly EvidenceSpec[] = [
  // Links and addresses.
  {
    id: "ip-addr",
    scope: "node",
    roles: [],
    commands: () => [["ip", "-d", "addr", "show"]],
    sosPaths: () => ["sos_commands/networking/ip_-d_address", "sos_commands/networking/ip_address"],
    parser: "ip",
    description: "links with addresses, state, MTU and master (text, as the guide's `ip a`)",
  },
  {
    id: "ip-j-addr",
    scope: "node",
    roles: [],
    commands: () => [["ip", "-d", "-j", "addr", "show"]],
    sosPaths: none,
    parser: "ip",
    description: "the same as JSON, preferred when present",
  },
  {
    id: "ip-link-stats",
    scope: "node",
    roles: [],
    commands: () => [["ip", "-s", "-d", "link", "show"]],
    sosPaths: () => ["sos_commands/networking/ip_-s_-d_link"],
    parser: "ip",
    description: "link counters (errors, drops)",
  },
  {
    id: "ip-route",
    scope: "node",
    roles: [],
    commands: () => [["ip", "route", "show", "table", "all"]],
    sosPaths: () => ["sos_commands/networking/ip_route_show_table_all"],
    parser: "ip",
    description: "host routes",
  },
  {
    id: "ip-netns",
    scope: "node",
    roles: [],
    commands: () => [["ip", "netns", "list"]],
    sosPaths: () => ["sos_commands/networking/ip_netns"],
    parser: "ip",
    description: "network namespaces (qrouter-, qdhcp-, fip-, snat-)",
  },
  {
    id: "ethtool-i",
    scope: "node",
    roles: [],
    param: "nic",
    commands: (nic) => [["ethtool", "-i", nic]],
    sosPaths: (nic) => [`sos_commands/networking/ethtool_-i_${nic}`],
    parser: "ethtool",
    description: "NIC driver and firmware: flows can be right while the NIC drops tagged frames",
  },
  {
    id: "lldp",
    scope: "node",
    roles: [],
    param: "nic",
    commands: (nic) => [
      ["timeout", "35", "tcpdump", "-vvv", "-s", "1500", "-c", "1", "ether", "proto", "0x88cc", "-i", nic],
    ],
    sosPaths: none,
    parser: "lldp",
    description: "one LLDP frame per NIC: switch name, port, PVID, VLANs (the guide's first check)",
  },
  {
    id: "lldpctl-json",
    scope: "node",
    roles: [],
    commands: () => [["lldpctl", "-f", "json"]],
    sosPaths: () => ["sos_commands/lldp/lldpcli_show_neighbors_details"],
    parser: "lldp",
    description: "neighbours as lldpd sees them, when lldpd runs",
  },
  {
    id: "bridge-link",
    scope: "node",
    roles: ["compute"],
    commands: () => [
      ["bridge", "link", "show"],
      ["brctl", "show"],
    ],
    sosPaths: () => ["sos_commands/networking/bridge_-d_link_show", "sos_commands/networking/brctl_show"],
    parser: "brctl",
    description: "Linux bridges of the hybrid firewall (qbr with qvb and tap)",
  },
  {
    id: "iptables-save",
    scope: "node",
    roles: [],
    commands: () => [["iptables-save"]],
    sosPaths: () => ["sos_commands/firewall_tables/iptables_-vnxL"],
    parser: "iptables",
    description: "host firewall: hybrid security-group chains (sosreports only hold the -vnxL listing)",
  },
  {
    id: "sysctl",
    scope: "node",
    roles: [],
    commands: () => [
      [
        "sysctl",
        "net.bridge.bridge-nf-call-iptables",
        "net.bridge.bridge-nf-call-ip6tables",
        "net.ipv4.ip_forward",
        "net.netfilter.nf_conntrack_count",
        "net.netfilter.nf_conntrack_max",
      ],
    ],
    sosPaths: () => ["sos_commands/kernel/sysctl_-a"],
    parser: "sysctl",
    description: "br_netfilter (hybrid security groups), forwarding, conntrack usage",
  },
  {
    id: "ps",
    scope: "node",
    roles: [],
    commands: () => [["ps", "-eo", "pid,etimes,args"]],
    sosPaths: () => ["sos_commands/process/ps_auxwww"],
    parser: "ps",
    description: "which daemons run (ovs-vswitchd, Neutron agents, dnsmasq, keepalived) and since when",
  },
  {
    id: "ovs-list-tunnels",
    scope: "node",
    roles: [],
    commands: () => [["ovs-appctl", "ofproto/list-tunnels"]],
    sosPaths: () => ["sos_commands/openvswitch/ovs-appctl_ofproto.list-tunnels"],
    parser: "ovs-appctl",
    description: "tunnel ports and their endpoints (VXLAN/GRE)",
  },
  // Namespaces (qrouter-, qdhcp-, …).
  {
    id: "ns-ip-addr",
    scope: "node",
    roles: ["network"],
    param: "namespace",
    commands: (ns) => [nsExec(ns, "ip", "-d", "addr", "show")],
    sosPaths: (ns) => [...sosNs(ns, "ip -d address show"), ...sosNs(ns, "ip address show")],
    parser: "ip",
    description: "interfaces inside a namespace (qr-/qg-/tap…)",
  },
  {
    id: "ns-ip-route",
    scope: "node",
    roles: ["network"],
    param: "namespace",
    commands: (ns) => [nsExec(ns, "ip", "route", "show", "table", "all")],
    sosPaths: (ns) => sosNs(ns, "ip route show table all"),
    parser: "ip",
    description: "routes inside a namespace (the router's default route)",
  },
  {
    id: "ns-iptables-save",
    scope: "node",
    roles: ["network"],
    param: "namespace",
    commands: (ns) => [nsExec(ns, "iptables-save")],
    sosPaths: (ns) => sosNs(ns, "iptables-save"),
    parser: "iptables",
    description: "NAT inside a router namespace (SNAT, floating-IP DNAT)",
  },
  // Open vSwitch.
  {
    id: "ovs-vsctl-list-br",
    scope: "node",
    roles: [],
    commands: () => [["ovs-vsctl", "list-br"]],
    sosPaths: () => ["sos_commands/openvswitch/ovs-vsctl_-t_5_list-br"],
    parser: "lines",
    description: "bridge names: which per-bridge commands to run",
  },
  {
    id: "ovs-vsctl-show",
    scope: "node",
    roles: [],
    commands: () => [["ovs-vsctl", "show"]],
    sosPaths: () => ["sos_commands/openvswitch/ovs-vsctl_-t_5_show"],
    parser: "ovs-vsctl-show",
    description: "bridges, ports, tags, patch peers, interface errors",
  },
  ovsdbList("Bridge", "bridge"),
  ovsdbList("Port", "port"),
  ovsdbList("Interface", "interface"),
  ovsdbList("Mirror", "mirror"),
  ovsdbList("Open_vSwitch", "Open_vSwitch"),
  {
    id: "ovs-ofctl-show",
    scope: "node",
    roles: [],
    param: "bridge",
    commands: (br) => [
      ["ovs-ofctl", "show", br],
      ["ovs-ofctl", "-O", "OpenFlow13", "show", br],
    ],
    sosPaths: (br) => [
      `sos_commands/openvswitch/ovs-ofctl_show_${br}`,
      `sos_commands/openvswitch/ovs-ofctl_-O_OpenFlow13_show_${br}`,
    ],
    parser: "ofctl-show",
    description: "OpenFlow port numbers ⇄ names",
  },
  {
    id: "ovs-ofctl-dump-flows",
    scope: "node",
    roles: [],
    param: "bridge",
    commands: (br) => [
      ["ovs-ofctl", "dump-flows", br],
      ["ovs-ofctl", "-O", "OpenFlow13", "dump-flows", br],
    ],
    sosPaths: (br) => [
      `sos_commands/openvswitch/ovs-ofctl_dump-flows_${br}`,
      `sos_commands/openvswitch/ovs-ofctl_-O_OpenFlow13_dump-flows_${br}`,
    ],
    parser: "ofctl-flows",
    description: "flow tables: VLAN translation, firewall, drops with their counters",
  },
  {
    id: "ovs-fdb",
    scope: "node",
    roles: [],
    param: "bridge",
    commands: (br) => [["ovs-appctl", "fdb/show", br]],
    sosPaths: (br) => [`sos_commands/openvswitch/ovs-appctl_fdb.show_${br}`],
    parser: "ovs-appctl",
    description: "MAC learning table, for the NORMAL action in traces",
  },
  // libvirt.
  {
    id: "virsh-list",
    scope: "node",
    roles: ["compute"],
    commands: () => [["virsh", "list", "--all", "--name"]],
    sosPaths: () => ["sos_commands/libvirt/virsh_-r_list_--all"],
    parser: "libvirt-xml",
    description: "libvirt domains on a compute node",
  },
  {
    id: "libvirt-xml",
    scope: "node",
    roles: ["compute"],
    param: "domain",
    commands: (dom) => [["virsh", "dumpxml", dom]],
    sosPaths: (dom) => [`run/libvirt/qemu/${dom}.xml`, `etc/libvirt/qemu/${dom}.xml`],
    parser: "libvirt-xml",
    description: "a VM's interfaces: MAC, tap, qbr or br-int, Neutron port id",
  },
  // Cloud-wide API/CLI/DB views.
  ...(
    [
      [
        "openstack-network-list",
        ["openstack", "network", "list", "--long", "-f", "json"],
        "openstack_network_list",
      ],
      [
        "openstack-subnet-list",
        ["openstack", "subnet", "list", "--long", "-f", "json"],
        "openstack_subnet_list",
      ],
      ["openstack-port-list", ["openstack", "port", "list", "--long", "-f", "json"], "openstack_port_list"],
      [
        "openstack-router-list",
        ["openstack", "router", "list", "--long", "-f", "json"],
        "openstack_router_list",
      ],
      [
        "openstack-network-agent-list",
        ["openstack", "network", "agent", "list", "-f", "json"],
        "openstack_network_agent_list",
      ],
      [
        "openstack-security-group-rule-list",
        ["openstack", "security", "group", "rule", "list", "--long", "-f", "json"],
        "",
      ],
      [
        "openstack-floating-ip-list",
        ["openstack", "floating", "ip", "list", "--long", "-f", "json"],
        "openstack_floating_ip_list",
      ],
      [
        "openstack-compute-service-list",
        ["openstack", "compute", "service", "list", "-f", "json"],
        "openstack_compute_service_list",
      ],
      [
        "openstack-hypervisor-stats",
        ["openstack", "hypervisor", "stats", "show", "-f", "json"],
        "openstack_hypervisor_stats_show",
      ],
      [
        "openstack-server-list",
        ["openstack", "server", "list", "--all-projects", "--long", "-f", "json"],
        "openstack_server_list_--all-projects",
      ],
      ["neutron-net-list", ["neutron", "net-list"], ""],
      ["nova-service-list", ["nova", "service-list"], ""],
      ["nova-hypervisor-stats", ["nova", "hypervisor-stats"], ""],
      [
        "mysql-ml2-vlan-allocations",
        ["mysql", "neutron", "-t", "-e", "select * from ml2_vlan_allocations"],
        "",
      ],
    ] as const
  ).map(
    ([id, argv, sos]): EvidenceSpec => ({
      id,
      scope: "cloud",
      roles: [],
      commands: () => [[...argv]],
      sosPaths: () => (sos ? [`sos_commands/openstack_*/${sos}`] : []),
      parser: "openstack-cli",
      description: argv.join(" "),
    }),
  ),
  // The same views straight from the APIs (admin): the only source that always carries provider attributes
  // and port bindings (`openstack network list` prints no segmentation id).
  ...(
    [
      ["neutron-api-networks", "network", "/v2.0/networks", ["openstack", "network", "list", "-f", "json"]],
      ["neutron-api-subnets", "network", "/v2.0/subnets", ["openstack", "subnet", "list", "-f", "json"]],
      ["neutron-api-ports", "network", "/v2.0/ports", ["openstack", "port", "list", "-f", "json"]],
      ["neutron-api-routers", "network", "/v2.0/routers", ["openstack", "router", "list", "-f", "json"]],
      [
        "neutron-api-agents",
        "network",
        "/v2.0/agents",
        ["openstack", "network", "agent", "list", "-f", "json"],
      ],
      [
        "neutron-api-floatingips",
        "network",
        "/v2.0/floatingips",
        ["openstack", "floating", "ip", "list", "-f", "json"],
      ],
      [
        "neutron-api-security-groups",
        "network",
        "/v2.0/security-groups",
        ["openstack", "security", "group", "list", "-f", "json"],
      ],
      [
        "neutron-api-security-group-rules",
        "network",
        "/v2.0/security-group-rules",
        ["openstack", "security", "group", "rule", "list", "-f", "json"],
      ],
      [
        "nova-api-services",
        "compute",
        "/os-services",
        ["openstack", "compute", "service", "list", "-f", "json"],
      ],
      [
        "nova-api-hypervisors",
        "compute",
        "/os-hypervisors/detail",
        ["openstack", "hypervisor", "list", "--long", "-f", "json"],
      ],
      [
        "nova-api-servers",
        "compute",
        "/servers/detail?all_tenants=1",
        ["openstack", "server", "list", "--all-projects", "-f", "json"],
      ],
    ] as const
  ).map(
    ([id, service, path, argv]): EvidenceSpec => ({
      id,
      scope: "cloud",
      roles: [],
      commands: () => [[...argv]],
      sosPaths: none,
      api: { service, path },
      parser: "openstack-cli",
      description: `GET ${path} (${service} API)`,
    }),
  ),
  // Service logs: the newest lines, wherever the distribution keeps them (RDO drops the `neutron-` prefix).
  {
    id: "log",
    scope: "node",
    roles: [],
    param: "service",
    commands: (svc) => logFiles(svc).map((f) => ["tail", "-n", "5000", f]),
    sosPaths: (svc) => logFiles(svc).map((f) => f.slice(1)),
    parser: "oslo-log",
    description:
      "the last 5000 lines of a Neutron or Nova service log (ERROR/TRACE lines, known fault messages)",
  },
];

/** `neutron-openvswitch-agent` → Ubuntu/Debian, RHEL/RDO, kolla and TripleO paths of its log. */
function logFiles(service: string): string[] {
  const project = service.split("-")[0] ?? service;
  const rdo = service.startsWith("neutron-") ? service.slice("neutron-".length) : service;
  return [
    ...new Set([
      `/var/log/${project}/${service}.log`,
      `/var/log/${project}/${rdo}.log`,
      `/var/log/kolla/${project}/${service}.log`,
      `/var/log/containers/${project}/${rdo}.log`,
    ]),
  ];
}

/** Config files copied (redacted) into `nodes/<node>/files/`. */
export const CONFIG_FILES: readonly { path: string; roles: Role[] }[] = [
  { path: "/etc/neutron/neutron.conf", roles: [] },
  { path: "/etc/neutron/plugins/ml2/ml2_conf.ini", roles: ["controller"] },
  { path: "/etc/neutron/plugins/ml2/openvswitch_agent.ini", roles: [] },
  { path: "/etc/neutron/l3_agent.ini", roles: ["network"] },
  { path: "/etc/neutron/dhcp_agent.ini", roles: ["network"] },
  { path: "/etc/nova/nova.conf", roles: ["compute", "controller"] },
];

const BY_ID = new Map(CATALOGUE.map((s) => [s.id, s]));

export function evidenceSpec(id: string): EvidenceSpec | undefined {
  return BY_ID.get(id);
}

/** `ovs-ofctl-dump-flows@br-int` ⇄ { id, param }. Ids never contain `@`; params may. */
export function evidenceKey(id: string, param?: string): string {
  return param === undefined ? id : `${id}@${param}`;
}

export function splitEvidenceKey(key: string): { id: string; param?: string } {
  const at = key.indexOf("@");
  return at < 0 ? { id: key } : { id: key.slice(0, at), param: key.slice(at + 1) };
}
