/**
 * The Neutron options the model and checks need, from the node's copied config files. Juno-era installs keep
 * `[ovs] bridge_mappings` in ml2_conf.ini; newer ones in openvswitch_agent.ini: every Neutron ini is read and
 * merged, later files overriding earlier ones option by option.
 */
import {
  type OsloIni,
  parseBridgeMappings,
  parseNetworkVlanRanges,
  parseOsloIni,
} from "../parse/oslo-ini.js";
import { type EvidenceReader, lineRef } from "./evidence.js";
import type { NodeConfig } from "./types.js";

/** Options the checks read, as `section.key`. */
const OPTIONS = [
  "ovs.bridge_mappings",
  "ovs.integration_bridge",
  "ovs.local_ip",
  "ovs.of_interface",
  "ovs.use_veth_interconnection",
  "ml2.type_drivers",
  "ml2.tenant_network_types",
  "ml2.mechanism_drivers",
  "ml2_type_vlan.network_vlan_ranges",
  "ml2_type_flat.flat_networks",
  "securitygroup.firewall_driver",
  "securitygroup.enable_security_group",
  "agent.tunnel_types",
  "agent.l2_population",
  "DEFAULT.host",
  "DEFAULT.external_network_bridge",
  "DEFAULT.interface_driver",
  "DEFAULT.ovs_use_veth",
  "DEFAULT.dnsmasq_dns_servers",
  "DEFAULT.enable_isolated_metadata",
  "DEFAULT.core_plugin",
  "DEFAULT.agent_mode",
  "DEFAULT.global_physnet_mtu",
  "ml2.path_mtu",
] as const;

/** oslo.config matches group names case-insensitively, except DEFAULT. */
function sectionOf(ini: OsloIni, section: string): OsloIni["sections"][string] | undefined {
  if (section === "DEFAULT") return ini.sections.DEFAULT;
  const lower = section.toLowerCase();
  return Object.entries(ini.sections).find(
    ([name]) => name !== "DEFAULT" && name.toLowerCase() === lower,
  )?.[1];
}

export function buildConfig(ev: EvidenceReader, node: string): NodeConfig {
  const config: NodeConfig = { bridgeMappings: [], networkVlanRanges: [], options: {}, evidence: {} };
  for (const path of ev
    .files(node, "/etc/neutron/")
    .filter((p) => /\.(ini|conf)$/.test(p))
    .sort()) {
    const parsed = ev.parseFile(node, path, parseOsloIni);
    if (!parsed) continue;
    const ini: OsloIni = parsed.value;
    for (const opt of OPTIONS) {
      const [section, key] = opt.split(".") as [string, string];
      // Exact section only: oslo.config does not fall back to DEFAULT for options registered elsewhere.
      const entry = sectionOf(ini, section)?.[key];
      const value = entry?.values.at(-1);
      if (entry === undefined || value === undefined) continue;
      config.options[opt] = value;
      config.evidence[opt] = lineRef(parsed.ref, entry.line, `${key} = ${value}`);
    }
  }
  const bm = config.options["ovs.bridge_mappings"];
  if (bm !== undefined) {
    const r = parseBridgeMappings(bm, config.evidence["ovs.bridge_mappings"]?.line);
    config.bridgeMappings = r.value.map((m) => ({ physnet: m.physnet, bridge: m.bridge }));
    for (const i of r.issues) ev.missing(`node:${node}`, `bridge_mappings: ${i.message}`, "error");
  }
  const vr = config.options["ml2_type_vlan.network_vlan_ranges"];
  if (vr !== undefined) {
    const r = parseNetworkVlanRanges(vr, config.evidence["ml2_type_vlan.network_vlan_ranges"]?.line);
    config.networkVlanRanges = r.value;
    for (const i of r.issues) ev.missing(`node:${node}`, `network_vlan_ranges: ${i.message}`, "error");
  }
  return config;
}
