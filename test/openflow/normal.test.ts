import assert from "node:assert/strict";
import { test } from "node:test";
import { type FdbRecord, NormalSwitch, type SwitchPort } from "../../src/openflow/normal.js";
import { parseMac, type Vlan } from "../../src/openflow/packet.js";

const PORTS: SwitchPort[] = [
  { ofport: 1, name: "int-br-eth1" }, // no tag: trunk of every VLAN
  { ofport: 2, name: "trunk-12", trunks: [1, 2] },
  { ofport: 3, name: "tap-a", tag: 1 }, // access
  { ofport: 4, name: "tap-b", tag: 2 },
  { ofport: 5, name: "native-u", tag: 1, trunks: [2], vlanMode: "native-untagged" },
  { ofport: 6, name: "native-t", tag: 2, vlanMode: "native-tagged" },
  { ofport: 7, name: "acc-0", vlanMode: "access" }, // access without a tag: VLAN 0
  { ofport: 65534, name: "br-int" },
];

const BCAST = parseMac("ff:ff:ff:ff:ff:ff") as bigint;
const VM = parseMac("fa:16:3e:00:00:01") as bigint;
const tag = (vid: number, pcp = 0): Vlan[] => [{ vid, pcp }];
const outs = (r: ReturnType<NormalSwitch["forward"]>): [number, string][] =>
  r.outputs.map((o) => [o.port, o.vlans.map((v) => `${v.vid}/${v.pcp}`).join(",")]);

test("access port: untagged in, flooded to every port of its VLAN, tag stripped on access ports", () => {
  const sw = new NormalSwitch(PORTS);
  const r = sw.forward(3, [], BCAST);
  assert.equal(r.decision, "flood");
  assert.equal(r.vlan, 1);
  assert.deepEqual(outs(r), [
    [1, "1/0"],
    [2, "1/0"],
    [5, "" /* native-untagged: its native VLAN leaves untagged */],
    [6, "1/0" /* native-tagged without trunks carries every VLAN but 0 */],
    [65534, "1/0"],
  ]);
  assert.match(r.reason, /^flooded \(multicast\/broadcast destination\) in VLAN 1 to 1\(int-br-eth1\)/);
});

test("access port drops frames tagged with a non-zero VID, keeps the priority of priority-tagged ones", () => {
  const sw = new NormalSwitch(PORTS);
  const r = sw.forward(3, tag(5), BCAST);
  assert.equal(r.decision, "drop");
  assert.match(r.reason, /VLAN 5 tagged frame on 3\(tap-a\), an access port of VLAN 1/);
  const prio = sw.forward(3, tag(0, 5), BCAST);
  assert.equal(prio.vlan, 1);
  assert.deepEqual(outs(prio)[0], [1, "1/5"]);
});

test("trunk ports: only the listed VLANs, and no untagged frames when a list is given", () => {
  const sw = new NormalSwitch(PORTS);
  assert.equal(sw.forward(2, tag(3), BCAST).decision, "drop");
  assert.match(sw.forward(2, [], BCAST).reason, /does not trunk VLAN 0/);
  const r = sw.forward(2, tag(2), BCAST);
  assert.deepEqual(outs(r), [
    [1, "2/0"],
    [4, ""],
    [5, "2/0"],
    [6, "2/0"],
    [65534, "2/0"],
  ]);
  // A trunk of everything passes untagged frames as VLAN 0: to the other all-VLAN trunk, the
  // untagged-access port, and nobody else.
  assert.deepEqual(outs(sw.forward(1, [], BCAST)), [
    [7, ""],
    [65534, ""],
  ]);
});

test("native VLAN modes: untagged frames join the native VLAN; other VLANs must be trunked", () => {
  const sw = new NormalSwitch(PORTS);
  assert.equal(sw.forward(5, [], BCAST).vlan, 1);
  assert.equal(sw.forward(5, tag(2), BCAST).vlan, 2);
  assert.equal(sw.forward(5, tag(3), BCAST).decision, "drop");
  assert.equal(sw.forward(6, [], BCAST).vlan, 2);
  assert.equal(sw.forward(6, tag(77), BCAST).vlan, 77);
});

test("the MAC table: forward to the learned port, drop when it is the input port, flood when unknown", () => {
  const fdb: FdbRecord[] = [
    { port: "tap-b", vlan: 2, mac: "fa:16:3e:00:00:01" },
    { port: 1, vlan: 1, mac: "fa:16:3e:00:00:01" },
    { port: "LOCAL", vlan: 0, mac: "fa:16:3e:00:00:01" },
  ];
  const sw = new NormalSwitch(PORTS, fdb);
  const hit = sw.forward(6, [], VM);
  assert.equal(hit.decision, "forward");
  assert.deepEqual(outs(hit), [[4, ""]]);
  assert.match(hit.reason, /learned on 4\(tap-b\) in VLAN 2/);
  assert.deepEqual(outs(sw.forward(3, [], VM)), [[1, "1/0"]]);
  assert.deepEqual(outs(sw.forward(7, [], VM)), [[65534, ""]]);
  const back = sw.forward(1, tag(1), VM);
  assert.equal(back.decision, "drop");
  assert.match(back.reason, /learned on the input port 1\(int-br-eth1\)/);
  const miss = sw.forward(3, [], parseMac("fa:16:3e:00:00:99") as bigint);
  assert.equal(miss.decision, "flood");
  assert.match(miss.reason, /^flooded \(destination not in the FDB\)/);
  // Without any MAC table every unicast floods, and the reason says so.
  assert.match(new NormalSwitch(PORTS).forward(3, [], VM).reason, /^flooded \(no FDB\) in VLAN 1/);
});

test("reserved multicast destinations are never forwarded; unknown input ports drop", () => {
  const sw = new NormalSwitch(PORTS);
  for (const mac of ["01:80:c2:00:00:00", "01:80:c2:00:00:0e", "01:00:0c:cc:cc:cc"]) {
    assert.equal(sw.forward(3, [], parseMac(mac) as bigint).decision, "drop", mac);
  }
  assert.equal(sw.forward(3, [], parseMac("01:80:c2:00:00:10") as bigint).decision, "flood");
  assert.match(sw.forward(99, [], BCAST).reason, /not a port of this bridge/);
});
