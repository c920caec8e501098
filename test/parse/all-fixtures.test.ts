/**
 * The "every real output parses" gate: each fixture file (real, field guide, lab) is mapped by name
 * to the parser for its command, parses without an error-severity issue and yields at least one
 * record. A fixture added without a mapping, or a mapping whose file is gone, fails by name.
 * Warnings are allowed only where the table says why.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseBrctlShow, parseBridgeLink } from "../../src/parse/brctl.js";
import { parseEthtoolI } from "../../src/parse/ethtool.js";
import { parseIpAddr, parseIpJson, parseIpNetns, parseIpRoute, parseIpRule } from "../../src/parse/ip.js";
import { type IptablesSave, parseIptablesList, parseIptablesSave } from "../../src/parse/iptables.js";
import { parseLibvirtDomain } from "../../src/parse/libvirt-xml.js";
import {
  parseLldpctlJson,
  parseLldpctlKeyvalue,
  parseLldpctlText,
  parseLldpTcpdump,
} from "../../src/parse/lldp.js";
import { parseFlowDump } from "../../src/parse/ofctl-flows.js";
import { parseOfctlShow } from "../../src/parse/ofctl-show.js";
import { parseOfprotoTrace } from "../../src/parse/ofproto-trace.js";
import { parseCliJson, parseCliTable } from "../../src/parse/openstack-cli.js";
import { parseOsloIni } from "../../src/parse/oslo-ini.js";
import { parseFdbShow, parseListTunnels } from "../../src/parse/ovs-appctl.js";
import { parseDpctlFlows, parseDpctlShow } from "../../src/parse/ovs-dpctl.js";
import { parseOvsVsctlShow } from "../../src/parse/ovs-vsctl-show.js";
import { parseOvsdbClientListDump, parseOvsdbList } from "../../src/parse/ovsdb.js";
import { parsePs } from "../../src/parse/ps.js";
import { parseSysctl } from "../../src/parse/sysctl.js";
import { parseTcpdumpPackets } from "../../src/parse/tcpdump.js";
import type { ParseIssue } from "../../src/parse/types.js";
import {
  allRealFixtures,
  guideFixture,
  labFixture,
  REAL_FIXTURES,
  realFixture,
} from "../helpers/fixtures.js";

interface Parser {
  parse: (text: string) => { issues: ParseIssue[]; records: number };
}

function parser<T>(
  parse: (text: string) => { value: T; issues: ParseIssue[] },
  records: (v: T) => number,
): Parser {
  return {
    parse: (text) => {
      const { value, issues } = parse(text);
      return { issues, records: records(value) };
    },
  };
}

const length = (v: readonly unknown[]): number => v.length;
const saveRecords = (v: IptablesSave): number =>
  v.tables.reduce((n, t) => n + t.chains.length + t.rules.length, 0);

/** Every parser a fixture can be mapped to, with what counts as one record of its result. */
const P = {
  flows: parser(parseFlowDump, (v) => v.flows.length),
  ofctlShow: parser(parseOfctlShow, (v) => v.ports.length),
  vsctlShow: parser(parseOvsVsctlShow, (v) => v.bridges.length + v.loosePorts.length),
  ovsdbList: parser(parseOvsdbList, length),
  ovsdbDump: parser(parseOvsdbClientListDump, (v) => v.reduce((n, t) => n + t.rows.length, 0)),
  fdb: parser(parseFdbShow, length),
  tunnels: parser(parseListTunnels, length),
  dpFlows: parser(parseDpctlFlows, length),
  dpShow: parser(parseDpctlShow, (v) => v.reduce((n, d) => n + d.ports.length, 0)),
  trace: parser(parseOfprotoTrace, length),
  ipAddr: parser(parseIpAddr, length),
  ipJson: parser(parseIpJson, length),
  ipNetns: parser(parseIpNetns, length),
  ipRoute: parser(parseIpRoute, length),
  ipRule: parser(parseIpRule, length),
  ethtool: parser(parseEthtoolI, (v) => (v.driver === undefined ? 0 : 1)),
  brctl: parser(parseBrctlShow, length),
  bridgeLink: parser(parseBridgeLink, length),
  iptSave: parser((t) => parseIptablesSave(t), saveRecords),
  /** `iptables -S` prints no `*table` header: the table is the one asked for (filter by default). */
  iptSaveFilter: parser((t) => parseIptablesSave(t, "filter"), saveRecords),
  iptSaveNat: parser((t) => parseIptablesSave(t, "nat"), saveRecords),
  iptList: parser(parseIptablesList, (v) => v.chains.length),
  lldpTcpdump: parser(parseLldpTcpdump, length),
  lldpJson: parser(parseLldpctlJson, length),
  lldpKv: parser(parseLldpctlKeyvalue, length),
  lldpText: parser(parseLldpctlText, length),
  libvirt: parser(parseLibvirtDomain, (v) => v.interfaces.length),
  ini: parser(parseOsloIni, (v) => Object.keys(v.sections).length),
  cliTable: parser(parseCliTable, (v) => v.rows.length),
  cliJson: parser(parseCliJson, (v) => (Array.isArray(v) ? v.length : Object.keys(v).length)),
  sysctl: parser(parseSysctl, (v) => Object.keys(v).length),
  ps: parser(parsePs, length),
  tcpdump: parser(parseTcpdumpPackets, (v) => v.packets.length),
} satisfies Record<string, Parser>;

type ParserName = keyof typeof P;
/** A parser, or a parser plus why warnings are expected from this file. */
type Use = ParserName | { parser: ParserName; warnings: string };

const LOST_ADDRESSES =
  "the blog lost the `src > dst:` of these -v ICMP lines; the packets are kept with addressesUnknown";

const REAL: Record<string, Use> = {
  "9506hqwy-study-notes-2024/compute-ip-d-link-show.txt": "ipAddr",
  "9506hqwy-study-notes-2024/compute-ovs-ofctl-dump-flows-br-int-ovsfw-vlan100.txt": "flows",
  "9506hqwy-study-notes-2024/compute-ovs-ofctl-dump-flows-br-int-vxlan.txt": "flows",
  "9506hqwy-study-notes-2024/compute-ovs-ofctl-dump-flows-br-mgmt.txt": "flows",
  "9506hqwy-study-notes-2024/compute-ovs-ofctl-dump-flows-br-provider-vlan100.txt": "flows",
  "9506hqwy-study-notes-2024/compute-ovs-ofctl-dump-flows-br-tun-vxlan.txt": "flows",
  "9506hqwy-study-notes-2024/compute-ovs-vsctl-show-stale-tap-error.txt": "vsctlShow",
  "9506hqwy-study-notes-2024/compute-ovs-vsctl-show-vxlan.txt": "vsctlShow",
  "9506hqwy-study-notes-2024/compute-tcpdump-n-e-i-eth0-vxlan-encap.txt": "tcpdump",
  "9506hqwy-study-notes-2024/compute-tcpdump-n-e-i-vxlan_sys_4789.txt": "tcpdump",
  "9506hqwy-study-notes-2024/compute-virsh-dumpxml-interface-ethernet.xml": "libvirt",
  "9506hqwy-study-notes-2024/controller-ip-d-link-show.txt": "ipAddr",
  "9506hqwy-study-notes-2024/controller-ip-netns-exec-qdhcp-ip-addr-show.txt": "ipAddr",
  "9506hqwy-study-notes-2024/controller-ip-netns-exec-qrouter-ip-addr-show.txt": "ipAddr",
  "9506hqwy-study-notes-2024/controller-ip-netns-exec-qrouter-ip-route-show.txt": "ipRoute",
  "9506hqwy-study-notes-2024/controller-ip-netns-exec-qrouter-iptables-n-t-nat-L-fip.txt": "iptList",
  "9506hqwy-study-notes-2024/controller-ip-netns.txt": "ipNetns",
  "9506hqwy-study-notes-2024/controller-ovs-appctl-ofproto-list-tunnels.txt": "tunnels",
  "9506hqwy-study-notes-2024/controller-ovs-dpctl-show.txt": "dpShow",
  "9506hqwy-study-notes-2024/controller-ovs-ofctl-dump-flows-br-int-router.txt": "flows",
  "9506hqwy-study-notes-2024/controller-ovs-ofctl-dump-flows-br-int-vlan100.txt": "flows",
  "9506hqwy-study-notes-2024/controller-ovs-ofctl-dump-flows-br-provider-vlan100.txt": "flows",
  "9506hqwy-study-notes-2024/controller-ovs-ofctl-dump-flows-br-tun.txt": "flows",
  "9506hqwy-study-notes-2024/controller-ovs-vsctl-show-vlan-flat.txt": "vsctlShow",
  "9506hqwy-study-notes-2024/controller-ovs-vsctl-show-with-router-vxlan.txt": "vsctlShow",
  "9506hqwy-study-notes-2024/openstack-compute-service-list.txt": "cliTable",
  "9506hqwy-study-notes-2024/openstack-network-agent-list.txt": "cliTable",
  "9506hqwy-study-notes-2024/openstack-network-create-selfservice-vxlan.txt": "cliTable",
  "9506hqwy-study-notes-2024/openstack-network-create-vlan-provider-100.txt": "cliTable",
  "9506hqwy-study-notes-2024/openstack-port-show-dhcp-port-ovs-bound.txt": "cliTable",
  "chi-in-a-box/mysql-ml2_vlan_allocations-join-networksegments.txt": "cliTable",
  "github-blog-havana-2013/ip-netns-exec-qrouter-iptables-save-filter-fwaas-icmp-deny.txt": "iptSave",
  "github-blog-havana-2013/iptables-save-filter-excerpt-compute-hybrid-havana.txt": "iptSave",
  "github-homework-lldpctl/lldpctl-cisco-c2960-access-vlan123-pvid.txt": "lldpText",
  "github-homework-lldpctl/lldpctl-cisco-c2960-vlan12-pvid-plus-ip-phone.txt": "lldpText",
  "github-issue-learning-sdn/ovs-appctl-ofproto-trace-old-format-ovs2.5.txt": "trace",
  "github-notes-newton-aio-hybrid/brctl-show-qbr-hybrid.txt": "brctl",
  "github-notes-newton-aio-hybrid/iptables-save-compute-hybrid-firewall.txt": "iptSave",
  "github-notes-newton-aio-hybrid/ovs-ofctl-dump-flows-br-tun-no-tunnel-ports.txt": "flows",
  "github-notes-newton-aio-hybrid/ovs-vsctl-show-aio-hybrid-ovs2.5.txt": "vsctlShow",
  "github-notes-nova-cli/nova-hypervisor-stats-12-nodes-overcommitted-vcpus.txt": "cliTable",
  "github-notes-ofproto-trace/ovs-appctl-ofproto-trace-br-int-qvo-flood-to-vxlan-br-tun.txt": "trace",
  "hotsos-ussuri-dvr/ip-d-address.txt": "ipAddr",
  "hotsos-ussuri-dvr/ip-netns-exec-fip-ip-address-show.txt": "ipAddr",
  "hotsos-ussuri-dvr/ip-netns-exec-fip-iptables-save.txt": "iptSave",
  "hotsos-ussuri-dvr/ip-netns-exec-qrouter-ip-address-show.txt": "ipAddr",
  "hotsos-ussuri-dvr/ip-netns-exec-qrouter-ip-route-show-table-all.txt": "ipRoute",
  "hotsos-ussuri-dvr/ip-netns-exec-qrouter-ip-rule-list.txt": "ipRule",
  "hotsos-ussuri-dvr/ip-netns-exec-qrouter-iptables-save.txt": "iptSave",
  "hotsos-ussuri-dvr/ip-netns-exec-snat-ip-address-show.txt": "ipAddr",
  "hotsos-ussuri-dvr/ip-netns-exec-snat-iptables-save.txt": "iptSave",
  "hotsos-ussuri-dvr/ip-netns.txt": "ipNetns",
  "hotsos-ussuri-dvr/ip-s-d-link.txt": "ipAddr",
  "hotsos-ussuri-dvr/iptables-vnxL-host.txt": "iptList",
  "hotsos-ussuri-dvr/libvirt-qemu-instance-00000001.xml": "libvirt",
  "hotsos-ussuri-dvr/openvswitch_agent.ini": "ini",
  "hotsos-ussuri-dvr/ovs-appctl-bridge-dump-flows-offload-stats-br-int.txt": "flows",
  "hotsos-ussuri-dvr/ovs-appctl-dpctl-dump-flows-m.txt": "dpFlows",
  "hotsos-ussuri-dvr/ovs-appctl-fdb-show-br-int.txt": "fdb",
  "hotsos-ussuri-dvr/ovs-appctl-ofproto-list-tunnels.txt": "tunnels",
  "hotsos-ussuri-dvr/ovs-ofctl-O-OpenFlow13-dump-flows-br-data.txt": "flows",
  "hotsos-ussuri-dvr/ovs-ofctl-O-OpenFlow13-dump-flows-br-int.txt": "flows",
  "hotsos-ussuri-dvr/ovs-ofctl-O-OpenFlow13-dump-flows-br-tun.txt": "flows",
  "hotsos-ussuri-dvr/ovs-ofctl-O-OpenFlow13-show-br-int.txt": "ofctlShow",
  "hotsos-ussuri-dvr/ovs-ofctl-dump-flows-br-data.txt": "flows",
  "hotsos-ussuri-dvr/ovs-ofctl-dump-flows-br-ex.txt": "flows",
  "hotsos-ussuri-dvr/ovs-ofctl-dump-flows-br-int.txt": "flows",
  "hotsos-ussuri-dvr/ovs-ofctl-dump-flows-br-tun.txt": "flows",
  "hotsos-ussuri-dvr/ovs-ofctl-dump-ports-desc-br-int.txt": "ofctlShow",
  "hotsos-ussuri-dvr/ovs-ofctl-show-br-data.txt": "ofctlShow",
  "hotsos-ussuri-dvr/ovs-ofctl-show-br-int.txt": "ofctlShow",
  "hotsos-ussuri-dvr/ovs-ofctl-show-br-tun.txt": "ofctlShow",
  "hotsos-ussuri-dvr/ovs-vsctl-list-Open_vSwitch.txt": "ovsdbList",
  "hotsos-ussuri-dvr/ovs-vsctl-list-bridge.txt": "ovsdbList",
  "hotsos-ussuri-dvr/ovs-vsctl-list-interface.txt": "ovsdbList",
  "hotsos-ussuri-dvr/ovs-vsctl-show.txt": "vsctlShow",
  "hotsos-ussuri-dvr/ovsdb-client-f-list-dump.txt": "ovsdbDump",
  "insights-core-tests/ovs-vsctl-show-network-node-l3ha-ovs2.3.2.txt": "vsctlShow",
  "netbox-agent-lldp/lldpctl-f-keyvalue-dedibox2.txt": "lldpKv",
  "netbox-agent-lldp/lldpctl-f-keyvalue-juniper-qfx-vlan-pvid.txt": "lldpKv",
  "neutron-docs/doc-example-ovsfw-flows-table60.txt": "flows",
  "neutron-docs/doc-example-ovsfw-flows-table81.txt": "flows",
  "neutron-docs/openstack-network-agent-list-ovs-ha-dvr.txt": "cliTable",
  "neutron-docs/openstack-network-agent-list-ovs-provider.txt": "cliTable",
  "neutron-docs/openstack-port-create-unbound.txt": "cliTable",
  "neutron-docs/openstack-port-show-bound-ovs-hybrid-plug.txt": "cliTable",
  "neutron-lib-api-samples/api-networks-provider-list.json": "cliJson",
  "neutron-lib-api-samples/api-port-show-with-binding-admin.json": "cliJson",
  "openvswitch-docs/ovs-appctl-ofproto-trace-output-port1.txt": "trace",
  "openvswitch-docs/ovs-appctl-ofproto-trace-table-miss-drop.txt": "trace",
  "osism-docs-dead-ports/ip-address-show-dead-tap-state-down.txt": "ipAddr",
  "osism-docs-dead-ports/openstack-port-show-excerpt-binding_failed.txt": {
    parser: "cliTable",
    warnings: "EXCERPT: the doc elides rows with `...` lines inside the table, kept as notes",
  },
  "osism-docs-dead-ports/ovs-vsctl-show-excerpt-normal-tag-32.txt": "vsctlShow",
  "osism-docs-dead-ports/ovs-vsctl-show-excerpt-orphan-ports-no-tag.txt": "vsctlShow",
  "osism-docs-dead-ports/ovs-vsctl-show-excerpt-tag-4095-dead-port.txt": "vsctlShow",
  "tcpdump-tests/tcpdump-e-v-lldp-and-cdp-cisco-c3560-pvid.txt": "lldpTcpdump",
  "yeasy-understand-neutron/gre-compute-ovs-ofctl-dump-flows-br-tun-havana-tables.txt": "flows",
  "yeasy-understand-neutron/ip-netns-exec-qdhcp-ip-addr.txt": "ipAddr",
  "yeasy-understand-neutron/ip-netns-exec-qrouter-ip-addr.txt": "ipAddr",
  "yeasy-understand-neutron/ip-netns-exec-qrouter-ip-route.txt": "ipRoute",
  "yeasy-understand-neutron/ip-netns-exec-qrouter-iptables-t-nat-S.txt": "iptSaveNat",
  "yeasy-understand-neutron/ip-netns.txt": "ipNetns",
  "yeasy-understand-neutron/iptables-S-grep-tap.txt": "iptSaveFilter",
  "yeasy-understand-neutron/iptables-vnL-FORWARD.txt": "iptList",
  "yeasy-understand-neutron/iptables-vnL-INPUT.txt": "iptList",
  "yeasy-understand-neutron/iptables-vnL-OUTPUT.txt": "iptList",
  "yeasy-understand-neutron/iptables-vnL-neutron-openvswi-FORWARD.txt": "iptList",
  "yeasy-understand-neutron/iptables-vnL-neutron-openvswi-i583c7038-d.txt": "iptList",
  "yeasy-understand-neutron/iptables-vnL-neutron-openvswi-o583c7038-d.txt": "iptList",
  "yeasy-understand-neutron/iptables-vnL-neutron-openvswi-s583c7038-d.txt": "iptList",
  "yeasy-understand-neutron/iptables-vnL-neutron-openvswi-sg-chain.txt": "iptList",
  "yeasy-understand-neutron/neutron-port-list.txt": "cliTable",
  "yeasy-understand-neutron/vlan-compute-ovs-ofctl-dump-flows-br-eth1-EDITED.txt": "flows",
  "yeasy-understand-neutron/vlan-compute-ovs-ofctl-dump-flows-br-int-EDITED.txt": "flows",
  "yeasy-understand-neutron/vlan-compute-ovs-vsctl-show-EDITED-placeholders.txt": "vsctlShow",
  "yeasy-understand-neutron/vxlan-compute-brctl-show.txt": "brctl",
  "yeasy-understand-neutron/vxlan-compute-ovs-ofctl-dump-flows-br-int.txt": "flows",
  "yeasy-understand-neutron/vxlan-compute-ovs-ofctl-dump-flows-br-tun.txt": "flows",
  "yeasy-understand-neutron/vxlan-compute-ovs-vsctl-show.txt": "vsctlShow",
  "yeasy-understand-neutron/vxlan-network-ovs-ofctl-dump-flows-br-ex.txt": "flows",
  "yeasy-understand-neutron/vxlan-network-ovs-ofctl-dump-flows-br-tun.txt": "flows",
  "yeasy-understand-neutron/vxlan-network-ovs-vsctl-show.txt": "vsctlShow",
};

const GUIDE: Record<string, Use> = {
  "ip-a-grep-state-compute.txt": "ipAddr",
  "ip-netns-exec-qdhcp-ip-a.txt": {
    parser: "ipAddr",
    warnings: "the blog lost the IPv4 addresses (`inet scope host lo`, `inet brd scope global …`)",
  },
  "ip-netns-exec-qrouter-ip-a-grep-state.txt": "ipAddr",
  "libvirt-instance-hybrid.xml": {
    parser: "libvirt",
    warnings: "excerpt of the domain XML: <domain>, <interface> and <serial> are never closed",
  },
  "mysql-ml2_vlan_allocations.txt": {
    parser: "cliTable",
    warnings: "blog paste artefact: stray `3 2` glued to the closing border",
  },
  "neutron-net-list.txt": "cliTable",
  "neutron-net-show-segmentation-id.txt": "cliTable",
  "nova-hypervisor-stats.txt": "cliTable",
  "nova-secgroup-add-rule-icmp.txt": "cliTable",
  "nova-secgroup-list-rules-default.txt": "cliTable",
  "nova-service-list.txt": "cliTable",
  "ovs-ofctl-dump-flows-br-em3-grep-324.txt": "flows",
  "ovs-ofctl-dump-flows-br-int-grep-324.txt": "flows",
  "ovs-ofctl-dump-flows-br-int-network.txt": "flows",
  "ovs-ofctl-show-br-int-compute.txt": "ofctlShow",
  "ovs-vsctl-show-br-em3-network.txt": "vsctlShow",
  "ovs-vsctl-show-br-ex-network.txt": "vsctlShow",
  "ovs-vsctl-show-br-int-network.txt": "vsctlShow",
  "tcpdump-i-any-n-v-icmp-external-server.txt": { parser: "tcpdump", warnings: LOST_ADDRESSES },
  "tcpdump-i-any-n-v-icmp-instance.txt": { parser: "tcpdump", warnings: LOST_ADDRESSES },
  "tcpdump-i-em1-n-v-icmp-compute.txt": { parser: "tcpdump", warnings: LOST_ADDRESSES },
  "tcpdump-i-qbr-n-v-icmp-compute.txt": { parser: "tcpdump", warnings: LOST_ADDRESSES },
  "tcpdump-i-qvb-n-v-icmp-compute.txt": { parser: "tcpdump", warnings: LOST_ADDRESSES },
  "tcpdump-i-tap-n-v-icmp-compute.txt": { parser: "tcpdump", warnings: LOST_ADDRESSES },
  "tcpdump-lldp-em1-access-pvid320.txt": "lldpTcpdump",
  "tcpdump-lldp-em3-trunk-pvid1.txt": "lldpTcpdump",
};

const LAB: Record<string, Use> = {
  "bridge-link-show-netns-hybrid-veth.txt": "bridgeLink",
  "bridge_link.n2.txt": "bridgeLink",
  "ethtool-i-eth0-virtio.txt": "ethtool",
  "ethtool-i-veth.txt": "ethtool",
  "ip-d-addr-netns-hybrid-veth.txt": "ipAddr",
  "ip-d-j-addr-netns-hybrid-veth.json": "ipJson",
  "ip-d-j-addr.json": "ipJson",
  "ip-o-addr-netns-hybrid-veth.txt": "ipAddr",
  "ip-o-link-netns-hybrid-veth.txt": "ipAddr",
  "ip-route-show-table-all-netns.txt": "ipRoute",
  "ip-rule-list-netns.txt": "ipRule",
  "ip-s-d-j-link-netns-hybrid-veth.json": "ipJson",
  "ip-s-d-link-netns-hybrid-veth.txt": "ipAddr",
  "ip_-d_link_show_qvo.n2.txt": "ipAddr",
  "ip_addr.n1.txt": "ipAddr",
  "ip_addr.n2.txt": "ipAddr",
  "ip_netns.txt": "ipNetns",
  "ip_netns_exec_qdhcp_ip_addr.n1.txt": "ipAddr",
  "iptables-S-nft-netns-hybrid-sg.txt": "iptSaveFilter",
  "iptables-line-numbers-vnL-nft-netns-hybrid-sg.txt": "iptList",
  "iptables-save-nft-netns-hybrid-sg.txt": "iptSave",
  "iptables-save.n2.txt": "iptSave",
  "iptables-t-nat-vnxL-nft-netns.txt": "iptList",
  "lldpctl-f-json-access-pvid320-only.json": "lldpJson",
  "lldpctl-f-json-access-vlan320-named.json": "lldpJson",
  "lldpctl-f-json-n1-em3-trunk.json": "lldpJson",
  "lldpctl-f-json-tor-two-ports.json": "lldpJson",
  "lldpctl-f-json-two-ports-access.json": "lldpJson",
  "lldpctl-f-keyvalue-n1-em3-trunk.txt": "lldpKv",
  "lldpctl-f-keyvalue-two-ports-access.txt": "lldpKv",
  "lldpctl-n1-em3-trunk.txt": "lldpText",
  "lldpctl-two-ports-access.txt": "lldpText",
  "neutron-api-get-agents.json": "cliJson",
  "neutron-api-get-networks.json": "cliJson",
  "neutron-api-get-ports.json": "cliJson",
  "openstack-network-agent-list.txt": "cliTable",
  "openstack-port-list-long.txt": "cliTable",
  "ovs-appctl-dpctl-dump-flows-m-netdev-vlan-encap.txt": "dpFlows",
  "ovs-appctl-dpctl-dump-flows-m-netdev.txt": "dpFlows",
  "ovs-appctl-dpctl-dump-flows-names-netdev.txt": "dpFlows",
  "ovs-appctl-dpctl-dump-flows-netdev-vlan-encap.txt": "dpFlows",
  "ovs-appctl-dpctl-show-netdev.txt": "dpShow",
  "ovs-appctl-dpctl-show-s-netdev.txt": "dpShow",
  "ovs-appctl_fdb-show_br-int.n1.txt": "fdb",
  "ovs-vsctl_--format=json_list_Bridge.n1.json": "ovsdbList",
  "ovs-vsctl_--format=json_list_Interface.n1.json": "ovsdbList",
  "ovs-vsctl_--format=json_list_Mirror.n1.json": "ovsdbList",
  "ovs-vsctl_--format=json_list_Port.n1.json": "ovsdbList",
  "ovs-vsctl_--format=json_list_Port.n3-neutron-agent.json": "ovsdbList",
  "ovs-vsctl_list_Open_vSwitch.n1.txt": "ovsdbList",
  "ovs-vsctl_show.n1.txt": "vsctlShow",
  "ovs-vsctl_show.n3-neutron-agent.txt": "vsctlShow",
  "ps-eo-pid-etimes-args.txt": "ps",
  "sysctl-selected.txt": "sysctl",
  "tcpdump-e-n-c4-veth-ping-ipv6-rs-arp.txt": "tcpdump",
  "tcpdump-e-n-i-any-sll2-icmp-or-arp.txt": "tcpdump",
  "tcpdump-e-n-ovs-access-port-untagged-echo.txt": "tcpdump",
  "tcpdump-e-n-ovs-trunk-vlan324-arp-and-flooded-echo.txt": "tcpdump",
  "tcpdump-e-n-ovs-trunk-vlan324-echo-request-reply.txt": "tcpdump",
  "tcpdump-e-n-r-crafted-pcap-vlan-qinq-vxlan.txt": "tcpdump",
  "tcpdump-e-n-v-ovs-trunk-vlan324-echo.txt": "tcpdump",
  "tcpdump-e-n-v-r-crafted-pcap-vlan-qinq-vxlan.txt": "tcpdump",
  "tcpdump-e-n-v-veth-icmp-or-arp-ping.txt": "tcpdump",
  "tcpdump-e-n-veth-icmp-or-arp-ping.txt": "tcpdump",
  "tcpdump-n-i-any-sll2-icmp-or-arp.txt": "tcpdump",
  "tcpdump-n-r-crafted-pcap-vlan-qinq-vxlan.txt": "tcpdump",
  "tcpdump-n-veth-tcp-or-udp.txt": "tcpdump",
  "tcpdump-vvv-lldp-n1-em3-trunk.txt": "lldpTcpdump",
};

const SETS = [
  { name: "real", table: REAL, files: allRealFixtures(), read: realFixture },
  {
    name: "guide",
    table: GUIDE,
    files: readdirSync(join(REAL_FIXTURES, "..", "guide")).sort(),
    read: guideFixture,
  },
  { name: "lab", table: LAB, files: readdirSync(join(REAL_FIXTURES, "..", "lab")).sort(), read: labFixture },
];

for (const { name, table, files, read } of SETS) {
  test(`${name} fixtures: every file is mapped to a parser, every mapping names a file`, () => {
    assert.deepEqual(
      files.filter((f) => !(f in table)),
      [],
      `${name} fixtures without a parser in test/parse/all-fixtures.test.ts`,
    );
    assert.deepEqual(
      Object.keys(table).filter((f) => !files.includes(f)),
      [],
      `${name} mappings whose file does not exist`,
    );
  });

  for (const file of files) {
    const use = table[file];
    if (use === undefined) continue;
    const parserName = typeof use === "string" ? use : use.parser;
    test(`${name}/${file} parses with ${parserName}`, () => {
      const { issues, records } = P[parserName].parse(read(file));
      const show = (i: ParseIssue): string =>
        `line ${i.line}: ${i.message}${i.text === undefined ? "" : ` | ${i.text}`}`;
      assert.deepEqual(issues.filter((i) => i.severity === "error").map(show), [], "errors");
      if (typeof use === "string")
        assert.deepEqual(issues.map(show), [], "warnings not allowed for this file");
      assert.ok(records > 0, `no records from ${parserName}`);
    });
  }
}
