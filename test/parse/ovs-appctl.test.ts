import assert from "node:assert/strict";
import { test } from "node:test";
import { parseFdbShow, parseListTunnels } from "../../src/parse/ovs-appctl.js";
import { realFixture } from "../helpers/fixtures.js";

const lab = (name: string): string => realFixture(`../lab/${name}`);

test("fdb/show br-int (hotsos): every row, first and last exact", () => {
  const { value, issues } = parseFdbShow(realFixture("hotsos-ussuri-dvr/ovs-appctl-fdb-show-br-int.txt"));
  assert.deepEqual(issues, []);
  assert.equal(value.length, 12);
  assert.deepEqual(value[0], { port: 1, vlan: 2, mac: "52:54:00:2d:fb:46", age: 286, line: 2 });
  assert.deepEqual(value[11], { port: 2, vlan: 1, mac: "fa:16:3e:7b:53:a9", age: 1, line: 13 });
  // The VM's tap (ofport 9 in this sosreport) learned on local VLAN 3.
  assert.deepEqual(
    value.filter((e) => e.port === 9).map((e) => [e.vlan, e.mac]),
    [[3, "fa:16:3e:a7:45:cb"]],
  );
});

test("fdb/show br-int (lab n1): two local VLANs", () => {
  const { value, issues } = parseFdbShow(lab("ovs-appctl_fdb-show_br-int.n1.txt"));
  assert.deepEqual(issues, []);
  assert.equal(value.length, 8);
  assert.deepEqual(
    value.filter((e) => e.mac === "fa:16:3e:00:00:11").map((e) => [e.port, e.vlan, e.age]),
    [[3, 1, 18]],
  );
  assert.deepEqual([...new Set(value.map((e) => e.vlan))].sort(), [1, 2]);
});

test("fdb/show: LOCAL port, static entries, CRLF, bad rows", () => {
  const text = [
    " port  VLAN  MAC                Age",
    "LOCAL     0  aa:bb:cc:dd:ee:ff    7",
    "    3   100  fa:16:3e:00:00:01  static",
    "    3   100  not-a-mac            1",
    "...",
  ].join("\r\n");
  const { value, issues } = parseFdbShow(text);
  assert.deepEqual(value, [
    { port: "LOCAL", vlan: 0, mac: "aa:bb:cc:dd:ee:ff", age: 7, line: 2 },
    { port: 3, vlan: 100, mac: "fa:16:3e:00:00:01", age: "static", line: 3 },
  ]);
  assert.deepEqual(
    issues.map((i) => [i.line, i.text]),
    [[4, "    3   100  not-a-mac            1"]],
  );
});

test("ofproto/list-tunnels (hotsos): two VXLAN peers from one local IP", () => {
  const { value, issues } = parseListTunnels(
    realFixture("hotsos-ussuri-dvr/ovs-appctl-ofproto-list-tunnels.txt"),
  );
  assert.deepEqual(issues, []);
  assert.deepEqual(value[0], {
    port: 7,
    name: "vxlan-0a000072",
    type: "vxlan",
    local: "10.0.0.128",
    remote: "10.0.0.114",
    key: "flow",
    other: { legacy_l2: "", "dp port": "7", ttl: "64" },
    line: 1,
  });
  assert.deepEqual(
    value.map((t) => [t.name, t.remote]),
    [
      ["vxlan-0a000072", "10.0.0.114"],
      ["vxlan-0a000085", "10.0.0.133"],
    ],
  );
});

test("ofproto/list-tunnels (9506hqwy network node)", () => {
  const { value, issues } = parseListTunnels(
    realFixture("9506hqwy-study-notes-2024/controller-ovs-appctl-ofproto-list-tunnels.txt"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.length, 1);
  assert.equal(value[0]?.port, 2);
  assert.equal(value[0]?.name, "vxlan-ac10001f");
  assert.equal(value[0]?.local, "172.16.0.11");
  assert.equal(value[0]?.remote, "172.16.0.31");
  assert.equal(value[0]?.other["dp port"], "2");
});

test("ofproto/list-tunnels: fixed key, flow destination, IPv6, bad line", () => {
  const text = [
    "port 4: gre0 (gre: 192.0.2.1->flow, key=0x3e9, legacy_l3, dp port=4, ttl=inherit, csum=true)",
    "port 5: gnv0 (geneve: 2001:db8::1->2001:db8::2, key=flow, ptap, dp port=5, ttl=64, df=false)",
    "tunnels: none",
  ].join("\n");
  const { value, issues } = parseListTunnels(text);
  assert.deepEqual(
    value.map((t) => [t.type, t.local, t.remote, t.key]),
    [
      ["gre", "192.0.2.1", "flow", "0x3e9"],
      ["geneve", "2001:db8::1", "2001:db8::2", "flow"],
    ],
  );
  assert.equal(value[0]?.other["csum"], "true");
  assert.equal(value[1]?.other["df"], "false");
  assert.deepEqual(
    issues.map((i) => i.line),
    [3],
  );
});
