import assert from "node:assert/strict";
import { test } from "node:test";
import { type OvsShow, parseOvsVsctlShow, type ShowPort } from "../../src/parse/ovs-vsctl-show.js";
import { allRealFixtures, realFixture } from "../helpers/fixtures.js";

// Guide and lab outputs sit next to the real ones (test/fixtures/guide, test/fixtures/lab).
const guide = (name: string): string => realFixture(`../guide/${name}`);
const lab = (name: string): string => realFixture(`../lab/${name}`);

function port(show: OvsShow, bridge: string, name: string): ShowPort {
  const br = show.bridges.find((b) => b.name === bridge);
  assert.ok(br, `bridge ${bridge}`);
  const p = br.ports.find((x) => x.name === name);
  assert.ok(p, `port ${name} on ${bridge}`);
  return p;
}

test("every ovs-vsctl show fixture parses without issues", () => {
  const real = allRealFixtures().filter((f) => f.includes("ovs-vsctl-show"));
  assert.equal(real.length, 13);
  const texts = [
    ...real.map((f) => [f, realFixture(f)]),
    ...["br-em3", "br-int", "br-ex"].map((b) => [b, guide(`ovs-vsctl-show-${b}-network.txt`)]),
    ...["n1", "n3-neutron-agent"].map((n) => [n, lab(`ovs-vsctl_show.${n}.txt`)]),
  ];
  for (const [name, text] of texts) {
    const { value, issues } = parseOvsVsctlShow(text ?? "");
    assert.deepEqual(issues, [], name);
    const ports = value.bridges.flatMap((b) => b.ports).concat(value.loosePorts);
    assert.ok(ports.length > 0, `${name}: ports`);
    assert.ok(
      ports.every((p) => p.interfaces.length > 0),
      `${name}: every port has an interface`,
    );
  }
});

test("guide br-int: a Port pasted at column 0 still belongs to br-int", () => {
  const { value, issues } = parseOvsVsctlShow(guide("ovs-vsctl-show-br-int-network.txt"));
  assert.deepEqual(issues, []);
  assert.equal(value.bridges.length, 1);
  const brInt = value.bridges[0];
  assert.equal(brInt?.name, "br-int");
  assert.equal(brInt?.failMode, "secure");
  assert.deepEqual(
    brInt?.ports.map((p) => p.name),
    ["tapd9762af3-4b", "int-br-ex", "qr-9ae4acd4-92", "br-int", "tap1474f18d-a9"],
  );
  const qr = port(value, "br-int", "qr-9ae4acd4-92");
  assert.equal(qr.tag, 1);
  assert.equal(qr.line, 11);
  assert.equal(qr.interfaces[0]?.name, "qr-9ae4acd4-92");
  assert.equal(qr.interfaces[0]?.type, "internal");
  const tap = port(value, "br-int", "tapd9762af3-4b");
  assert.equal(tap.tag, 5);
  assert.equal(tap.interfaces[0]?.type, "internal");
  assert.equal(port(value, "br-int", "tap1474f18d-a9").tag, 3);
  assert.deepEqual(port(value, "br-int", "int-br-ex").interfaces[0]?.options, { peer: "phy-br-ex" });
  assert.equal(value.partial, false);
});

test("guide br-em3: quoted names and a quoted patch peer", () => {
  const { value } = parseOvsVsctlShow(guide("ovs-vsctl-show-br-em3-network.txt"));
  assert.deepEqual(
    value.bridges.map((b) => b.name),
    ["br-em3"],
  );
  const phy = port(value, "br-em3", "phy-br-em3");
  assert.equal(phy.interfaces[0]?.type, "patch");
  assert.deepEqual(phy.interfaces[0]?.options, { peer: "int-br-em3" });
  const em3 = port(value, "br-em3", "em3");
  assert.equal(em3.tag, undefined);
  assert.equal(em3.interfaces[0]?.type, undefined);
});

test("guide br-ex: physical NIC em4 and the phy-br-ex patch", () => {
  const { value } = parseOvsVsctlShow(guide("ovs-vsctl-show-br-ex-network.txt"));
  assert.deepEqual(
    value.bridges[0]?.ports.map((p) => p.name),
    ["br-ex", "em4", "phy-br-ex"],
  );
  assert.deepEqual(port(value, "br-ex", "phy-br-ex").interfaces[0]?.options, { peer: "int-br-ex" });
});

test("9506hqwy stale tap: error column, header, manager and controllers", () => {
  const { value } = parseOvsVsctlShow(
    realFixture("9506hqwy-study-notes-2024/compute-ovs-vsctl-show-stale-tap-error.txt"),
  );
  assert.equal(value.uuid, "698493db-95ef-4c31-b419-56b3d4096f2b");
  assert.equal(value.ovsVersion, "3.3.1");
  assert.deepEqual(value.managers, [
    { target: "ptcp:6640:127.0.0.1", line: 2, isConnected: true, other: {} },
  ]);
  assert.deepEqual(
    value.bridges.map((b) => b.name),
    ["br-mgmt", "br-int", "br-provider"],
  );
  const brInt = value.bridges[1];
  assert.equal(brInt?.datapathType, "system");
  assert.deepEqual(brInt?.controllers, [
    { target: "tcp:127.0.0.1:6633", line: 17, isConnected: true, other: {} },
  ]);
  const stale = port(value, "br-int", "tap635485ff-6c");
  assert.equal(stale.tag, 1);
  assert.equal(stale.interfaces[0]?.error, "could not open network device tap635485ff-6c (No such device)");
  const healthy = port(value, "br-int", "tap0ab9a23c-99");
  assert.equal(healthy.tag, 2);
  assert.equal(healthy.interfaces[0]?.error, undefined);
  assert.equal(port(value, "br-provider", "eth2").interfaces[0]?.type, "system");
});

test("tunnel options are parsed into a map", () => {
  const { value } = parseOvsVsctlShow(realFixture("hotsos-ussuri-dvr/ovs-vsctl-show.txt"));
  const vx = port(value, "br-tun", "vxlan-0a000085").interfaces[0];
  assert.equal(vx?.type, "vxlan");
  assert.deepEqual(vx?.options, {
    df_default: "true",
    egress_pkt_mark: "0",
    in_key: "flow",
    local_ip: "10.0.0.128",
    out_key: "flow",
    remote_ip: "10.0.0.133",
  });
  // br-ex of this DVR node has no controller and no fail_mode.
  const brEx = value.bridges.find((b) => b.name === "br-ex");
  assert.equal(brEx?.failMode, undefined);
  assert.deepEqual(brEx?.controllers, []);
  assert.equal(port(value, "br-int", "fg-c8dcce74-c4").tag, 2);
});

test("old OVS quoted names read like unquoted ones", () => {
  const { value } = parseOvsVsctlShow(
    realFixture("github-notes-newton-aio-hybrid/ovs-vsctl-show-aio-hybrid-ovs2.5.txt"),
  );
  assert.equal(value.ovsVersion, "2.5.0");
  const qvo = port(value, "br-int", "qvo0695f2ca-bf");
  assert.equal(qvo.tag, 3);
  assert.equal(qvo.interfaces[0]?.name, "qvo0695f2ca-bf");
  assert.equal(qvo.interfaces[0]?.type, undefined);
  assert.equal(value.bridges.find((b) => b.name === "br-int")?.datapathType, undefined);
});

test("osism excerpt: dead port with tag 4095, bridge unknown, marked partial", () => {
  const { value, issues } = parseOvsVsctlShow(
    realFixture("osism-docs-dead-ports/ovs-vsctl-show-excerpt-tag-4095-dead-port.txt"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.partial, true);
  assert.deepEqual(value.bridges, []);
  assert.equal(value.loosePorts.length, 1);
  assert.equal(value.loosePorts[0]?.name, "tapc0f9a508-89");
  assert.equal(value.loosePorts[0]?.tag, 4095);
  assert.equal(value.loosePorts[0]?.interfaces[0]?.type, "internal");

  const orphans = parseOvsVsctlShow(
    realFixture("osism-docs-dead-ports/ovs-vsctl-show-excerpt-orphan-ports-no-tag.txt"),
  );
  assert.deepEqual(
    orphans.value.loosePorts.map((p) => [p.name, p.tag]),
    [
      ["tap7f14056f-61", undefined],
      ["tap646cf885-cf", undefined],
    ],
  );
});

test("uneven indentation (edited yeasy sample) does not move tags", () => {
  const { value } = parseOvsVsctlShow(
    realFixture("yeasy-understand-neutron/vlan-compute-ovs-vsctl-show-EDITED-placeholders.txt"),
  );
  assert.deepEqual(
    value.bridges.map((b) => b.name),
    ["br-eth1", "br-int"],
  );
  assert.equal(port(value, "br-int", "qvoZZZ").tag, 2);
  assert.equal(port(value, "br-int", "qvoWWW").interfaces[0]?.name, "qvoWWW");
  // Pre-patch-port era: int-br-eth1 is a veth, so no type.
  assert.equal(port(value, "br-int", "int-br-eth1").interfaces[0]?.type, undefined);
});

test("lab n3: Manager on a unix socket, netdev datapath", () => {
  const { value } = parseOvsVsctlShow(lab("ovs-vsctl_show.n3-neutron-agent.txt"));
  assert.equal(value.managers[0]?.target, "punix:$LAB_DIR/n3/db.sock");
  assert.equal(value.bridges[0]?.datapathType, "netdev");
  assert.equal(port(value, "br-int", "tap7872f574-c5").tag, 1);
});

test("trunks, vlan_mode, unknown columns, CRLF and bad lines", () => {
  const text = [
    "Bridge br-int",
    "    Controller tcp:127.0.0.1:6633",
    "        is_connected: false",
    "        role: slave",
    "    Port trunk0",
    "        tag: 5",
    "        trunks: [100, 200]",
    "        vlan_mode: native-untagged",
    "        Interface trunk0",
    "            bfd_status: {state=down}",
    "    this is not ovs output",
    "    Port p1",
    "        tag: x",
    "        Interface p1",
    '            options: {peer="x}',
    "        fake_bridge: true",
    '    ovs_version: "2.17.9"',
  ].join("\r\n");
  const { value, issues } = parseOvsVsctlShow(text);
  const br = value.bridges[0];
  assert.deepEqual(br?.controllers, [
    { target: "tcp:127.0.0.1:6633", line: 2, isConnected: false, other: { role: "slave" } },
  ]);
  const trunk = port(value, "br-int", "trunk0");
  assert.equal(trunk.tag, 5);
  assert.deepEqual(trunk.trunks, [100, 200]);
  assert.equal(trunk.vlanMode, "native-untagged");
  assert.deepEqual(trunk.interfaces[0]?.other, { bfd_status: "{state=down}" });
  const p1 = port(value, "br-int", "p1");
  assert.equal(p1.tag, undefined);
  assert.deepEqual(p1.other, { tag: "x", fake_bridge: "true" });
  assert.deepEqual(p1.interfaces[0]?.other, { options: '{peer="x}' });
  assert.equal(value.ovsVersion, "2.17.9");
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity]),
    [
      [11, "error"],
      [13, "error"],
      [15, "error"],
    ],
  );
  assert.equal(issues[0]?.text, "    this is not ovs output");
});

test("an excerpt starting at an Interface keeps its columns", () => {
  const { value, issues } = parseOvsVsctlShow(
    "...\n            Interface tapX\n                type: internal\n...\n",
  );
  assert.equal(value.partial, true);
  assert.equal(value.loosePorts[0]?.interfaces[0]?.type, "internal");
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity]),
    [[2, "warning"]],
  );
});
