/**
 * The lab's pure parts: topology naming, LLDP TLVs, Neutron configuration, libvirt XML, ping parsing,
 * the state file. No root, no packages needed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { execArgv } from "../../src/lab/cli.js";
import { aptInstallArgv, LAB_APT_PACKAGES } from "../../src/lab/install.js";
import { parsePingSummary } from "../../src/lab/ladder.js";
import { domainXml } from "../../src/lab/libvirt-xml.js";
import { ciscoVlanName, pvidTlv, torLldpConfig, vlanNameTlv } from "../../src/lab/lldp.js";
import { agentNamespaceNames } from "../../src/lab/neutron.js";
import { dhcpAgentConf, ml2Conf, ovsAgentConf, serverConf } from "../../src/lab/neutron-config.js";
import { LabPaths, resolveLabDir } from "../../src/lab/paths.js";
import { emptyNeutronIds, readState, StateStore } from "../../src/lab/state.js";
import {
  labNamespaces,
  NODES,
  nodeByName,
  TENANT_NETWORKS,
  TOR,
  TOR_PORTS,
  VMS,
  vifNames,
} from "../../src/lab/topology.js";

test("topology: the guide's three nodes, NICs and ToR ports", () => {
  assert.deepEqual(
    NODES.map((n) => n.name),
    ["compute", "controller", "network"],
  );
  const compute = nodeByName("compute");
  assert.ok(compute);
  assert.equal(compute.ns, "nd-compute");
  assert.equal(compute.firewallDriver, "iptables_hybrid");
  assert.deepEqual(
    nodeByName("network")?.nics.map((n) => n.name),
    ["em1", "em3", "em4"],
  );
  // the guide's LLDP captures: em3 on Gi2/0/3 as a trunk with PVID 1, em1 on Gi2/0/31 with PVID 320
  const em3 = TOR_PORTS.find((p) => p.peer.label === "compute:em3");
  assert.equal(em3?.description, "GigabitEthernet2/0/3");
  assert.equal(em3?.portId, "Gi2/0/3");
  assert.equal(em3?.pvid, 1);
  assert.deepEqual(em3?.mode, { kind: "trunk", vlans: [319, 320, 321, 322, 323, 324, 325, 326, 327, 328] });
  const em1 = TOR_PORTS.find((p) => p.peer.label === "compute:em1");
  assert.equal(em1?.description, "GigabitEthernet2/0/31");
  assert.equal(em1?.pvid, 320);
  assert.equal(TOR.systemName, "stackdr2.GARR");
  for (const ns of labNamespaces()) assert.match(ns, /^nd-/);
  assert.deepEqual(
    TENANT_NETWORKS.map((n) => `${n.name} ${n.cidr}`),
    [
      "int-net-320 10.32.0.0/24",
      "int-net-324 10.32.4.0/24",
      "int-net-325 10.32.5.0/24",
      "int-net-327 10.32.7.0/24",
      "int-net-328 10.32.8.0/24",
    ],
  );
  assert.equal(VMS[0]?.mac, "fa:16:3e:a4:56:3d");
});

test("topology: device names are the port id's first 11 characters, as Nova names them", () => {
  assert.deepEqual(vifNames("ff8e411e-6e3a-4b5c-9d7e-1f2a3b4c5d6e"), {
    tap: "tapff8e411e-6e",
    qbr: "qbrff8e411e-6e",
    qvb: "qvbff8e411e-6e",
    qvo: "qvoff8e411e-6e",
  });
});

test("lldp: 802.1 PVID and VLAN-name TLVs as lldpd custom TLVs", () => {
  assert.equal(pvidTlv(320), "oui 00,80,c2 subtype 1 oui-info 01,40");
  assert.equal(pvidTlv(1), "oui 00,80,c2 subtype 1 oui-info 00,01");
  assert.equal(ciscoVlanName(324), "VLAN0324");
  // vid 324 = 0x0144, name length 8, "VLAN0324"
  assert.equal(
    vlanNameTlv(324, "VLAN0324"),
    "oui 00,80,c2 subtype 3 oui-info 01,44,08,56,4c,41,4e,30,33,32,34",
  );
  const conf = torLldpConfig(TOR.systemName, TOR.systemDescription, TOR_PORTS);
  assert.match(conf, /^configure system hostname stackdr2\.GARR$/m);
  assert.match(conf, /^configure ports gi2-0-3 lldp portdescription GigabitEthernet2\/0\/3$/m);
  assert.match(conf, /^configure ports gi2-0-3 lldp custom-tlv add oui 00,80,c2 subtype 3 oui-info 01,44,/m);
  // access ports advertise their PVID only
  assert.match(conf, /^configure ports gi2-0-31 lldp custom-tlv oui 00,80,c2 subtype 1 oui-info 01,40$/m);
  assert.doesNotMatch(conf, /^configure ports gi2-0-31 lldp custom-tlv add/m);
});

test("neutron config: ML2 VLAN range, flat external, per-node bridge mappings and firewall", () => {
  const ml2 = ml2Conf();
  assert.match(ml2, /^network_vlan_ranges = trunknet:319:328$/m);
  assert.match(ml2, /^flat_networks = external$/m);
  assert.match(ml2, /^type_drivers = vlan,flat$/m);
  const server = serverConf({
    transportUrl: "rabbit://x",
    stateDir: "/s",
    dbFile: "/s/n.sqlite",
    lockDir: "/l",
  });
  assert.match(server, /^auth_strategy = noauth$/m);
  assert.match(server, /^connection = sqlite:\/\/\/\/s\/n\.sqlite$/m);
  const network = nodeByName("network");
  const compute = nodeByName("compute");
  assert.ok(network && compute);
  assert.match(
    ovsAgentConf({ node: network, ovsdbSocket: "/x/db.sock" }),
    /^bridge_mappings = trunknet:br-em3,external:br-ex$/m,
  );
  assert.match(
    ovsAgentConf({ node: compute, ovsdbSocket: "/x/db.sock" }),
    /^firewall_driver = iptables_hybrid$/m,
  );
  assert.match(ovsAgentConf({ node: compute, ovsdbSocket: "/x/db.sock" }), /^datapath_type = netdev$/m);
  assert.match(dhcpAgentConf({ ovsdbSocket: "/x/db.sock" }), /^ovs_use_veth = true$/m);
});

test("libvirt XML: the guide's interface block (hybrid) and an OVS virtualport (plain tap)", () => {
  const [vm1, vm2] = VMS;
  assert.ok(vm1 && vm2);
  const hybrid = domainXml(vm1, {
    portId: "ff8e411e-6e3a-4b5c-9d7e-1f2a3b4c5d6e",
    mac: "fa:16:3e:a4:56:3d",
    tap: "tapff8e411e-6e",
    qbr: "qbrff8e411e-6e",
  });
  assert.match(hybrid, /<interface type='bridge'>/);
  assert.match(hybrid, /<mac address='fa:16:3e:a4:56:3d'\/>/);
  assert.match(hybrid, /<source bridge='qbrff8e411e-6e'\/>/);
  assert.match(hybrid, /<target dev='tapff8e411e-6e'\/>/);
  assert.match(hybrid, /<name>instance-00000001<\/name>/);
  const plain = domainXml(vm2, { portId: "abc", mac: "fa:16:3e:00:00:01", tap: "tapabc" });
  assert.match(plain, /<source bridge='br-int'\/>/);
  assert.match(plain, /<virtualport type='openvswitch'>/);
  assert.match(plain, /<parameters interfaceid='abc'\/>/);
});

test("ladder: ping summaries", () => {
  assert.deepEqual(parsePingSummary("3 packets transmitted, 3 received, 0% packet loss, time 402ms"), {
    sent: 3,
    received: 3,
  });
  assert.deepEqual(parsePingSummary("2 packets transmitted, 0 received, +2 errors, 100% packet loss"), {
    sent: 2,
    received: 0,
  });
  assert.equal(parsePingSummary("connect: Network is unreachable"), undefined);
});

test("state: intent is written before anything is made, and reads back", () => {
  const dir = mkdtempSync(join(tmpdir(), "nd-lab-state-"));
  try {
    const file = join(dir, "state.json");
    const store = StateStore.open(file, dir);
    store.recordNamespace("nd-compute");
    store.recordNamespace("nd-compute");
    store.recordLink({ kind: "veth", name: "nd-mgmt0", ns: null, peer: "gi2-0-48", peerNs: "nd-tor" });
    store.recordProcess({
      name: "tor/ovsdb-server",
      pid: 42,
      startTime: "1",
      ns: "nd-tor",
      argv: ["ovsdb-server"],
    });
    store.neutronId("networks", "int-net-324", "13c334c1-ad39-4c51-b396-953430059b22");
    store.timing("fabric", 1.234);
    const back = readState(file);
    assert.ok(back);
    assert.deepEqual(back.namespaces, ["nd-compute"]);
    assert.equal(back.links[0]?.name, "nd-mgmt0");
    assert.equal(back.processes[0]?.pid, 42);
    assert.equal(back.timings["fabric"], 1.2);
    assert.deepEqual(agentNamespaceNames(back.neutron), ["qdhcp-13c334c1-ad39-4c51-b396-953430059b22"]);
    writeFileSync(file, '{"version": 2}');
    assert.throws(() => readState(file), /unexpected shape/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(agentNamespaceNames(emptyNeutronIds()), []);
});

test("paths: NETDOCTOR_LAB_DIR overrides the default lab dir", () => {
  assert.equal(resolveLabDir({}), "/var/lib/netdoctor-lab");
  assert.equal(resolveLabDir({ NETDOCTOR_LAB_DIR: "/tmp/x" }), "/tmp/x");
  assert.equal(
    new LabPaths("/l").libvirtXml("compute", "instance-00000001"),
    "/l/compute/etc/libvirt/qemu/instance-00000001.xml",
  );
});

test("exec: a node command runs in its namespace with its OVS at the default path", () => {
  const argv = execArgv("/l", "compute", ["ovs-vsctl", "show"]);
  assert.deepEqual(argv.slice(0, 5), ["ip", "netns", "exec", "nd-compute", "sh"]);
  assert.deepEqual(argv.slice(-4), ["/l/compute/ovs", "/l/compute/lldpd/lldpd.socket", "ovs-vsctl", "show"]);
  assert.deepEqual(execArgv("/l", "vm1", ["ip", "a"]), ["ip", "netns", "exec", "nd-vm1", "ip", "a"]);
  assert.throws(() => execArgv("/l", "nope", ["true"]), /unknown lab host/);
  // the argv is passed as-is: no shell line is built from names
  const weird = execArgv("/l", "ext", ["echo", "$(reboot)"]);
  assert.equal(weird.at(-1), "$(reboot)");
});

test("install: one apt-get line with every package the lab and its tests need", () => {
  const argv = aptInstallArgv();
  assert.deepEqual(argv.slice(0, 4), ["apt-get", "install", "-y", "--no-install-recommends"]);
  for (const pkg of [
    "openvswitch-switch",
    "lldpd",
    "tcpdump",
    "neutron-server",
    "neutron-l3-agent",
    "rabbitmq-server",
  ]) {
    assert.ok(LAB_APT_PACKAGES.includes(pkg as (typeof LAB_APT_PACKAGES)[number]), pkg);
  }
});
