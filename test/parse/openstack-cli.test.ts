import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cliTableAsRecord,
  parseCliJson,
  parseCliTable,
  toAgents,
  toComputeServices,
  toHypervisorStats,
  toNetworks,
  toPorts,
  toSecgroupRules,
  toVlanAllocations,
} from "../../src/parse/openstack-cli.js";
import { allRealFixtures, guideFixture, labFixture, realFixture } from "../helpers/fixtures.js";

const table = (text: string) => parseCliTable(text).value;

// The guide's tables (lines 191-193, 323-325, 329-332, 350-357, 403-409, 412-424, 427-438) lost their
// borders and carry non-breaking spaces from the blog.
test("guide neutron net-list: 7 networks, no borders, NBSP padding", () => {
  const { value, issues } = parseCliTable(guideFixture("neutron-net-list.txt"));
  assert.deepEqual(issues, []);
  assert.deepEqual(value.headers, ["id", "name", "subnets"]);
  assert.equal(value.rows.length, 7);
  const nets = toNetworks(value);
  assert.deepEqual(nets[0], {
    id: "13c334c1-ad39-4c51-b396-953430059b22",
    name: "int-net-324",
    subnets: ["edd7678a-277c-477e-a5ac-84258e6b1794"],
  });
  assert.equal(nets[6]?.name, "enea-net");
  assert.equal(nets[6]?.id, "f7bff056-1d27-4c12-a917-6ffe2925a44b");
});

test("guide neutron net-show --fields provider:segmentation_id: a Field/Value table without id", () => {
  const t = table(guideFixture("neutron-net-show-segmentation-id.txt"));
  assert.deepEqual(cliTableAsRecord(t), {
    "provider:network_type": "vlan",
    "provider:segmentation_id": "324",
  });
  assert.deepEqual(toNetworks(t), [{ subnets: [], networkType: "vlan", segmentationId: 324 }]);
});

test("guide nova service-list: 6 services, all enabled and up", () => {
  const { value, issues } = parseCliTable(guideFixture("nova-service-list.txt"));
  assert.deepEqual(issues, []);
  const services = toComputeServices(value);
  assert.equal(services.length, 6);
  assert.ok(services.every((s) => s.up === true && s.status === "enabled"));
  assert.deepEqual(services[1], {
    id: "2",
    binary: "nova-cert",
    host: "controller",
    zone: "internal",
    status: "enabled",
    state: "up",
    up: true,
    updatedAt: "2015-02-12T13:52:40.000000",
  });
  assert.deepEqual(
    services.filter((s) => s.binary === "nova-compute").map((s) => s.host),
    ["compute", "controller"],
  );
});

test("guide nova hypervisor-stats: Property/Value to numbers", () => {
  const stats = toHypervisorStats(table(guideFixture("nova-hypervisor-stats.txt")));
  assert.equal(stats.freeRamMb, 367374);
  assert.equal(stats.count, 2);
  assert.equal(stats.vcpus, 80);
  assert.equal(stats.vcpusUsed, 9);
  assert.equal(stats.memoryMb, 386830);
  assert.equal(stats.diskAvailableLeast, 1130);
  assert.deepEqual(stats.other, {});
});

test("real nova hypervisor-stats: deprecation line kept as a note, vcpus overcommitted", () => {
  const { value, issues } = parseCliTable(
    realFixture("github-notes-nova-cli/nova-hypervisor-stats-12-nodes-overcommitted-vcpus.txt"),
  );
  assert.deepEqual(issues, []);
  assert.deepEqual(value.notes, ["nova CLI is deprecated and will be removed in a future release"]);
  const stats = toHypervisorStats(value);
  assert.equal(stats.vcpus, 368);
  assert.equal(stats.vcpusUsed, 617);
  assert.ok((stats.vcpusUsed ?? 0) > (stats.vcpus ?? 0));
  assert.equal(stats.runningVms, 68);
});

test("guide mysql ml2_vlan_allocations: 10 trunknet VLANs 319-328, none allocated, trailing garbage", () => {
  const { value, issues } = parseCliTable(guideFixture("mysql-ml2_vlan_allocations.txt"));
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity, i.message]),
    [[12, "warning", "text after the table border ignored"]],
  );
  const allocs = toVlanAllocations(value);
  assert.equal(allocs.length, 10);
  assert.deepEqual(
    allocs.map((a) => a.vlanId),
    [319, 320, 321, 322, 323, 324, 325, 326, 327, 328],
  );
  assert.ok(allocs.every((a) => a.physnet === "trunknet" && a.allocated === false));
});

test("chi-in-a-box ml2_vlan_allocations join networksegments: NULL network ids", () => {
  const allocs = toVlanAllocations(
    table(realFixture("chi-in-a-box/mysql-ml2_vlan_allocations-join-networksegments.txt")),
  );
  assert.equal(allocs.length, 8);
  assert.deepEqual(allocs[0], {
    vlanId: 3002,
    allocated: true,
    networkId: "0185c55e-ce0e-4cc0-8dc1-d0e9812fcdb6",
  });
  assert.deepEqual(allocs[5], { vlanId: 3003, allocated: false });
  assert.equal(allocs.filter((a) => a.allocated).length, 5);
});

test("guide nova secgroup-list-rules: rows with an empty first column are rows, not continuations", () => {
  const rules = toSecgroupRules(table(guideFixture("nova-secgroup-list-rules-default.txt")));
  assert.deepEqual(rules, [{ remoteGroup: "default" }, { remoteGroup: "default" }]);
  const added = toSecgroupRules(table(guideFixture("nova-secgroup-add-rule-icmp.txt")));
  assert.deepEqual(added, [
    { protocol: "icmp", portMin: -1, portMax: -1 },
    { remoteGroup: "default" },
    { remoteGroup: "default" },
  ]);
});

test("osism port show excerpt: '...' lines kept as notes, binding_failed", () => {
  const { value, issues } = parseCliTable(
    realFixture("osism-docs-dead-ports/openstack-port-show-excerpt-binding_failed.txt"),
  );
  assert.deepEqual(value.notes, ["...", "..."]);
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity]),
    [
      [4, "warning"],
      [6, "warning"],
    ],
  );
  assert.deepEqual(toPorts(value), [{ fixedIps: [], vifType: "binding_failed" }]);
});

test("openstack network create (VLAN provider-100, VXLAN selfservice): provider attributes", () => {
  const [vlan] = toNetworks(
    table(realFixture("9506hqwy-study-notes-2024/openstack-network-create-vlan-provider-100.txt")),
  );
  assert.deepEqual(vlan, {
    id: "d46c9e95-3ec9-4066-a5f4-6fb6aa96d386",
    name: "provider-100",
    subnets: [],
    networkType: "vlan",
    physnet: "provider",
    segmentationId: 100,
    mtu: 1500,
    external: true,
    shared: true,
    adminStateUp: true,
    status: "ACTIVE",
  });
  const [vx] = toNetworks(
    table(realFixture("9506hqwy-study-notes-2024/openstack-network-create-selfservice-vxlan.txt")),
  );
  assert.equal(vx?.networkType, "vxlan");
  assert.equal(vx?.segmentationId, 239);
  assert.equal(vx?.physnet, undefined); // "None"
  assert.equal(vx?.external, false); // "Internal"
  assert.equal(vx?.mtu, 1450);
});

test("network agent list: alive from ':-)' and from True", () => {
  const smiley = toAgents(table(realFixture("9506hqwy-study-notes-2024/openstack-network-agent-list.txt")));
  assert.equal(smiley.length, 3);
  assert.deepEqual(smiley[2], {
    id: "ec88144f-cccb-48f3-a94d-4899f4cf0743",
    agentType: "Open vSwitch agent",
    host: "controller.home.local",
    alive: true,
    adminStateUp: true,
    binary: "neutron-openvswitch-agent",
  });
  assert.equal(smiley[0]?.zone, "nova");
  const dvr = toAgents(table(realFixture("neutron-docs/openstack-network-agent-list-ovs-ha-dvr.txt")));
  assert.equal(dvr.length, 10);
  assert.ok(dvr.every((a) => a.alive === true));
  assert.deepEqual(
    dvr.filter((a) => a.agentType === "L3 agent").map((a) => a.host),
    ["compute1", "compute2", "network1"],
  );
  const dead = toAgents([{ ID: "x", Alive: "XXX", State: "DOWN" }]);
  assert.deepEqual(dead, [{ id: "x", alive: false, adminStateUp: false }]);
});

test("openstack compute service list: 'Updated At' spelling", () => {
  const services = toComputeServices(
    table(realFixture("9506hqwy-study-notes-2024/openstack-compute-service-list.txt")),
  );
  assert.equal(services.length, 3);
  assert.deepEqual(services[2], {
    id: "a6339453-5193-4fdf-948b-c25d1c05944c",
    binary: "nova-compute",
    host: "compute.home.local",
    zone: "nova",
    status: "enabled",
    state: "up",
    up: true,
    updatedAt: "2024-05-09T12:00:04.000000",
  });
});

test("openstack port show: binding_vif_details key='value' pairs, ovs_hybrid_plug", () => {
  const [dhcp] = toPorts(
    table(realFixture("9506hqwy-study-notes-2024/openstack-port-show-dhcp-port-ovs-bound.txt")),
  );
  assert.equal(dhcp?.id, "52b1b85b-8ec4-42a9-865d-17580e88460b");
  assert.equal(dhcp?.deviceOwner, "network:dhcp");
  assert.equal(dhcp?.hostId, "controller.home.local");
  assert.equal(dhcp?.vifType, "ovs");
  assert.equal(dhcp?.ovsHybridPlug, false);
  assert.equal(dhcp?.vifDetails?.["bound_drivers.0"], "openvswitch");
  assert.deepEqual(dhcp?.fixedIps, [
    { ip: "192.168.100.1", subnetId: "e91d180c-dae7-4ef2-9de6-8dce494c275f" },
  ]);
  assert.equal(dhcp?.securityGroups, undefined);

  const unbound = toPorts(table(realFixture("neutron-docs/openstack-port-create-unbound.txt")))[0];
  assert.equal(unbound?.vifType, "unbound");
  assert.equal(unbound?.hostId, undefined);
  assert.equal(unbound?.status, "DOWN");
});

test("openstack port show with multi-line cells: two fixed IPs, two dns_assignment lines", () => {
  const t = table(realFixture("neutron-docs/openstack-port-show-bound-ovs-hybrid-plug.txt"));
  const rec = cliTableAsRecord(t);
  assert.equal(rec["dns_assignment"]?.split("\n").length, 2);
  const [port] = toPorts(t);
  assert.deepEqual(port?.fixedIps, [
    { ip: "203.0.113.8", subnetId: "277eca5d-9869-474b-960e-6da5951d09f7" },
    { ip: "2001:db8:10::8", subnetId: "eab47748-3f0a-4775-a09f-b0c24bb64bc4" },
  ]);
  assert.equal(port?.ovsHybridPlug, true);
  assert.deepEqual(port?.securityGroups, ["1f0ddd73-7e3c-48bd-a64c-7ded4fe0e635"]);
});

test("old neutron port-list: JSON in the fixed_ips cell", () => {
  const ports = toPorts(table(realFixture("yeasy-understand-neutron/neutron-port-list.txt")));
  assert.equal(ports.length, 5);
  assert.deepEqual(ports[2], {
    id: "9b2db4ac-3145-401c-8dc6-486ca6e303b6",
    mac: "fa:16:3e:4e:f1:b5",
    fixedIps: [{ ip: "192.168.122.200", subnetId: "ea4ed31b-e05a-4735-8c3f-9b430e656b64" }],
  });
});

test("lab openstack port list --long: 'Fixed IP Addresses' and 'MAC Address' spellings", () => {
  const [port] = toPorts(table(labFixture("openstack-port-list-long.txt")));
  assert.equal(port?.name, "vm3-port");
  assert.equal(port?.mac, "fa:16:3e:00:00:13");
  assert.deepEqual(port?.fixedIps, [{ ip: "10.32.4.13", subnetId: "5472c185-0992-4b07-ae7d-1c191a0a59d0" }]);
  assert.equal(port?.deviceOwner, "compute:nova");
});

test("API JSON (neutron-lib samples): envelopes unwrapped, multi-segment network, binding:* keys", () => {
  const nets = parseCliJson(realFixture("neutron-lib-api-samples/api-networks-provider-list.json"));
  assert.deepEqual(nets.issues, []);
  const [net1, net2] = toNetworks(nets.value);
  assert.equal(net1?.physnet, "public");
  assert.equal(net1?.segmentationId, 3);
  assert.equal(net1?.external, false);
  assert.equal(net2?.networkType, "local");
  assert.equal(net2?.segmentationId, undefined);
  assert.deepEqual(net2?.segments, [
    { networkType: "vlan", physnet: "public", segmentationId: 2 },
    { networkType: "vxlan", physnet: "default", segmentationId: 1000 },
  ]);

  const port = parseCliJson(realFixture("neutron-lib-api-samples/api-port-show-with-binding-admin.json"));
  assert.ok(!Array.isArray(port.value));
  const [p] = toPorts(port.value);
  assert.equal(p?.vifType, "ovs");
  assert.equal(p?.hostId, "devstack");
  assert.equal(p?.ovsHybridPlug, true);
  assert.deepEqual(p?.fixedIps, [{ ip: "10.0.0.1", subnetId: "a0304c3a-4f08-4c43-88af-d796509c97d2" }]);
});

test("lab API JSON: provider-324 on trunknet, the agent alive, port bound to n3", () => {
  const [net] = toNetworks(parseCliJson(labFixture("neutron-api-get-networks.json")).value);
  assert.equal(net?.id, "635b89db-45e6-42ed-9084-a8d20e6c624d");
  assert.equal(net?.name, "provider-324");
  assert.equal(net?.physnet, "trunknet");
  assert.equal(net?.segmentationId, 324);
  const [agent] = toAgents(parseCliJson(labFixture("neutron-api-get-agents.json")).value);
  assert.equal(agent?.alive, true);
  assert.equal(agent?.host, "n3");
  assert.equal(agent?.zone, undefined);
  const [port] = toPorts(parseCliJson(labFixture("neutron-api-get-ports.json")).value);
  assert.equal(port?.hostId, "n3");
  assert.equal(port?.vifDetails?.["bound_drivers"], '{"0":"openvswitch"}');
  assert.equal(port?.ovsHybridPlug, false);
});

test("openstack -f json: list and show, warnings before the JSON, broken JSON", () => {
  const list = parseCliJson(
    'WARNING: some deprecation\n[{"ID": "a1", "Name": "n", "Subnets": ["s1", "s2"], "Network Type": "vlan"}]\n',
  );
  assert.deepEqual(list.issues, []);
  assert.deepEqual(toNetworks(list.value), [
    { id: "a1", name: "n", subnets: ["s1", "s2"], networkType: "vlan" },
  ]);
  const show = parseCliJson('{"provider:segmentation_id": 324, "router:external": true, "id": "x"}');
  assert.deepEqual(toNetworks(show.value), [{ id: "x", subnets: [], segmentationId: 324, external: true }]);
  const broken = parseCliJson('[{"ID": "a1",\n');
  assert.deepEqual(broken.value, []);
  assert.match(broken.issues[0]?.message ?? "", /not valid JSON/);
  assert.equal(parseCliJson("no json here").issues.length, 1);
});

test("table edge cases: '|' inside a cell, hrules between rows, a second table, no table", () => {
  const piped = [
    "+----+-----------+",
    "| id | cmd       |",
    "+----+-----------+",
    "| 1  | a | b     |",
    "+----+-----------+",
  ];
  assert.deepEqual(table(piped.join("\n")).rows, [{ id: "1", cmd: "a | b" }]);
  const hrules = ["+---+---+", "| a | b |", "+---+---+", "| 1 | x |", "+---+---+", "|   | y |", "+---+---+"];
  assert.deepEqual(table(hrules.join("\n")).rows, [
    { a: "1", b: "x" },
    { a: "", b: "y" },
  ]);
  const two = parseCliTable(["| a |", "| 1 |", "", "| b |", "| 2 |"].join("\n"));
  assert.deepEqual(two.value.rows, [{ a: "1" }]);
  assert.equal(two.issues[0]?.line, 4);
  assert.deepEqual(
    parseCliTable("nothing to see").issues.map((i) => i.message),
    ["no table found"],
  );
  const mysql = parseCliTable("+---+\n| a |\n+---+\n| 1 |\n+---+\n1 row in set (0.00 sec)\n");
  assert.deepEqual(mysql.issues, []);
  assert.deepEqual(mysql.value.notes, ["1 row in set (0.00 sec)"]);
  const short = parseCliTable("| a | b |\n| 1 |");
  assert.deepEqual(short.value.rows, [{ a: "1" }]);
  assert.equal(short.issues[0]?.severity, "warning");
});

test("every real table fixture parses without errors", () => {
  const files = allRealFixtures().filter((f) => f.endsWith(".txt") && /^\|/m.test(realFixture(f)));
  assert.ok(files.length >= 13);
  for (const f of files) {
    const { value, issues } = parseCliTable(realFixture(f));
    assert.ok(value.headers.length >= 2, f);
    assert.ok(value.rows.length >= 1, f);
    assert.deepEqual(
      issues.filter((i) => i.severity === "error"),
      [],
      f,
    );
  }
});
