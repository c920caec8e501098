/**
 * Neutron configuration files for the lab, as text (no I/O): the server's neutron.conf + ml2_conf.ini and,
 * per node, the agents' neutron.conf, openvswitch_agent.ini, dhcp_agent.ini and l3_agent.ini.
 */
import type { LabNode } from "./topology.js";
import { EXTERNAL_NETWORK, NEUTRON_API_PORT, PHYSNET_VLAN, VLAN_RANGE } from "./topology.js";

export type IniValue = string | number | boolean;
export type Ini = Record<string, Record<string, IniValue>>;

export function renderIni(ini: Ini): string {
  const out: string[] = [];
  for (const [section, values] of Object.entries(ini)) {
    out.push(`[${section}]`);
    for (const [k, v] of Object.entries(values)) out.push(`${k} = ${typeof v === "boolean" ? String(v) : v}`);
    out.push("");
  }
  return out.join("\n");
}

/**
 * `root_helper = env`: the lab runs as root, so commands need no sudo/rootwrap; privsep prefixes its
 * helper with the root helper (an empty one would make it fall back to `sudo privsep-helper`).
 */
const ROOT_HELPER = "env";

export function serverConf(o: {
  transportUrl: string;
  stateDir: string;
  dbFile: string;
  lockDir: string;
}): string {
  return renderIni({
    DEFAULT: {
      host: "controller",
      core_plugin: "ml2",
      service_plugins: "router",
      auth_strategy: "noauth",
      transport_url: o.transportUrl,
      bind_host: "0.0.0.0",
      bind_port: NEUTRON_API_PORT,
      state_path: o.stateDir,
      api_paste_config: "/etc/neutron/api-paste.ini",
      // there is no Nova in the lab to tell
      notify_nova_on_port_status_changes: false,
      notify_nova_on_port_data_changes: false,
      // one worker each: two cores, and sqlite prefers few writers
      api_workers: 1,
      rpc_workers: 1,
      rpc_state_report_workers: 1,
      dhcp_agents_per_network: 1,
      allow_overlapping_ips: true,
    },
    database: { connection: `sqlite:///${o.dbFile}` },
    oslo_concurrency: { lock_path: o.lockDir },
    agent: { root_helper: ROOT_HELPER },
  });
}

export function ml2Conf(): string {
  return renderIni({
    ml2: {
      type_drivers: "vlan,flat",
      tenant_network_types: "vlan",
      mechanism_drivers: "openvswitch",
      extension_drivers: "port_security",
    },
    ml2_type_vlan: { network_vlan_ranges: `${PHYSNET_VLAN}:${VLAN_RANGE.first}:${VLAN_RANGE.last}` },
    ml2_type_flat: { flat_networks: EXTERNAL_NETWORK.physnet },
    securitygroup: { enable_security_group: true },
  });
}

/** neutron.conf of a node's agents. */
export function agentNeutronConf(o: {
  node: LabNode;
  transportUrl: string;
  stateDir: string;
  lockDir: string;
}): string {
  return renderIni({
    DEFAULT: { host: o.node.name, transport_url: o.transportUrl, state_path: o.stateDir },
    agent: { root_helper: ROOT_HELPER, report_interval: 10 },
    oslo_concurrency: { lock_path: o.lockDir },
  });
}

export function ovsAgentConf(o: { node: LabNode; ovsdbSocket: string }): string {
  return renderIni({
    ovs: {
      integration_bridge: "br-int",
      bridge_mappings: Object.entries(o.node.bridgeMappings)
        .map(([physnet, br]) => `${physnet}:${br}`)
        .join(","),
      // no OVS kernel module here: the userspace datapath
      datapath_type: "netdev",
      ovsdb_connection: `unix:${o.ovsdbSocket}`,
      // the agent's OpenFlow controller; each node namespace has its own loopback, so no port clashes
      of_listen_address: "127.0.0.1",
    },
    agent: { tunnel_types: "", l2_population: false },
    securitygroup: { firewall_driver: o.node.firewallDriver, enable_security_group: true },
  });
}

/**
 * DHCP and L3 agents: `ovs_use_veth = True`, because an OVS internal port of the userspace datapath that
 * is moved into another namespace (qdhcp-/qrouter-) is lost to OVS; a veth pair keeps the OVS end here.
 */
export function dhcpAgentConf(o: { ovsdbSocket: string }): string {
  return renderIni({
    DEFAULT: {
      interface_driver: "openvswitch",
      ovs_use_veth: true,
      enable_isolated_metadata: false,
      force_metadata: false,
    },
    ovs: { ovsdb_connection: `unix:${o.ovsdbSocket}` },
  });
}

export function l3AgentConf(o: { ovsdbSocket: string }): string {
  return renderIni({
    DEFAULT: {
      interface_driver: "openvswitch",
      ovs_use_veth: true,
      agent_mode: "legacy",
      // no Nova metadata service in the lab
      enable_metadata_proxy: false,
    },
    ovs: { ovsdb_connection: `unix:${o.ovsdbSocket}` },
  });
}
