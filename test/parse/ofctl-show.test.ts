import assert from "node:assert/strict";
import { test } from "node:test";
import { type OfctlPort, parseOfctlShow } from "../../src/parse/ofctl-show.js";
import { guideFixture, realFixture } from "../helpers/fixtures.js";

const portMap = (ports: OfctlPort[]): [number | "LOCAL", string][] => ports.map((p) => [p.ofport, p.name]);

const HOTSOS_BR_INT: [number | "LOCAL", string][] = [
  [1, "int-br-data"],
  [2, "patch-tun"],
  [3, "ha-550dc175-c0"],
  [4, "fg-c8dcce74-c4"],
  [5, "qg-14f81a43-69"],
  [6, "qr-3a70b31c-3f"],
  [7, "sg-189f4c40-9d"],
  [9, "tap0e778df8-ca"],
  ["LOCAL", "br-int"],
];

test("guide: ovs-ofctl show br-int (OF1.0, non-breaking spaces as published)", () => {
  const r = parseOfctlShow(guideFixture("ovs-ofctl-show-br-int-compute.txt"));
  assert.deepEqual(r.issues, []);
  const v = r.value;
  assert.equal(v.dpid, "0000029a51549b40");
  assert.equal(v.nTables, 254);
  assert.equal(v.nBuffers, 256);
  assert.deepEqual(portMap(v.ports), [
    [1, "int-br-em3"],
    [2, "qvof3b63d31-a0"],
    [3, "qvo65fb5ad8-b5"],
    [4, "qvoa6e8c6e3-1c"],
    [5, "qvo1d40b89c-fe"],
    [6, "qvoff8e411e-6e"],
    ["LOCAL", "br-int"],
  ]);
  assert.deepEqual(v.ports[0], {
    ofport: 1,
    name: "int-br-em3",
    addr: "52:40:bd:b3:88:9c",
    config: [],
    state: [],
    speed: { nowMbps: 0, maxMbps: 0 },
    extra: [],
    line: 3,
  });
  const six = v.ports[5]!;
  assert.deepEqual(
    [six.addr, six.current, six.speed, six.line],
    ["02:a9:38:d6:88:22", ["10GB-FD", "COPPER"], { nowMbps: 10000, maxMbps: 0 }, 27],
  );
  assert.deepEqual(
    v.headers.map((h) => [h.kind, h.xid, h.line]),
    [
      ["OFPT_FEATURES_REPLY", "0x2", 1],
      ["OFPT_GET_CONFIG_REPLY", "0x4", 36],
    ],
  );
  assert.deepEqual(v.switchConfig, { frags: "normal", miss_send_len: "0" });
});

test("hotsos br-int (OF1.0): namespace ports are PORT_DOWN/LINK_DOWN, capabilities and actions lists", () => {
  const r = parseOfctlShow(realFixture("hotsos-ussuri-dvr/ovs-ofctl-show-br-int.txt"));
  assert.deepEqual(r.issues, []);
  const v = r.value;
  assert.equal(v.dpid, "00002e1335c82646");
  assert.deepEqual([v.nTables, v.nBuffers], [254, 0]);
  assert.deepEqual(v.capabilities, [
    "FLOW_STATS",
    "TABLE_STATS",
    "PORT_STATS",
    "QUEUE_STATS",
    "ARP_MATCH_IP",
  ]);
  assert.equal(v.actions?.length, 12);
  assert.equal(v.actions?.[2], "set_vlan_vid");
  assert.deepEqual(portMap(v.ports), HOTSOS_BR_INT);
  const down = v.ports.filter((p) => p.config.includes("PORT_DOWN")).map((p) => p.name);
  assert.deepEqual(down, [
    "ha-550dc175-c0",
    "fg-c8dcce74-c4",
    "qg-14f81a43-69",
    "qr-3a70b31c-3f",
    "sg-189f4c40-9d",
    "br-int",
  ]);
  for (const p of v.ports) assert.deepEqual(p.state, p.config.length > 0 ? ["LINK_DOWN"] : []);
  const tap = v.ports.find((p) => p.name === "tap0e778df8-ca");
  assert.deepEqual(
    [tap?.addr, tap?.current, tap?.speed],
    ["fe:16:3e:a7:45:cb", ["10MB-FD", "COPPER"], { nowMbps: 10, maxMbps: 0 }],
  );
});

test("hotsos br-int in OF1.3: FEATURES_REPLY + OFPST_PORT_DESC, state LIVE", () => {
  const r = parseOfctlShow(realFixture("hotsos-ussuri-dvr/ovs-ofctl-O-OpenFlow13-show-br-int.txt"));
  assert.deepEqual(r.issues, []);
  const v = r.value;
  assert.deepEqual(
    v.headers.map((h) => [h.kind, h.ofVersion, h.xid]),
    [
      ["OFPT_FEATURES_REPLY", "OF1.3", "0x2"],
      ["OFPST_PORT_DESC", "OF1.3", "0x3"],
      ["OFPT_GET_CONFIG_REPLY", "OF1.3", "0x5"],
    ],
  );
  assert.equal(v.actions, undefined);
  assert.deepEqual(v.capabilities?.[3], "GROUP_STATS");
  assert.deepEqual(portMap(v.ports), HOTSOS_BR_INT);
  assert.deepEqual(v.ports[0]?.state, ["LIVE"]);
  assert.deepEqual(v.ports.find((p) => p.ofport === 3)?.state, ["LINK_DOWN"]);
});

test("dump-ports-desc br-int: port list only", () => {
  const r = parseOfctlShow(realFixture("hotsos-ussuri-dvr/ovs-ofctl-dump-ports-desc-br-int.txt"));
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.value.headers, [
    { kind: "OFPST_PORT_DESC", ofVersion: undefined, xid: "0x2", rest: undefined, line: 1 },
  ]);
  assert.equal(r.value.dpid, undefined);
  assert.deepEqual(portMap(r.value.ports), HOTSOS_BR_INT);
  assert.equal(r.value.ports[8]?.line, 35);
});

test("hotsos br-tun and br-data: tunnel, patch and physical ports", () => {
  const tun = parseOfctlShow(realFixture("hotsos-ussuri-dvr/ovs-ofctl-show-br-tun.txt"));
  assert.deepEqual(tun.issues, []);
  assert.deepEqual(portMap(tun.value.ports), [
    [1, "patch-int"],
    [2, "vxlan-0a000072"],
    [3, "vxlan-0a000085"],
    ["LOCAL", "br-tun"],
  ]);
  const data = parseOfctlShow(realFixture("hotsos-ussuri-dvr/ovs-ofctl-show-br-data.txt"));
  assert.deepEqual(data.issues, []);
  assert.equal(data.value.dpid, "00001efe6a11d442");
  assert.deepEqual(portMap(data.value.ports), [
    [1, "ens7"],
    [2, "phy-br-data"],
    ["LOCAL", "br-data"],
  ]);
});

test("tolerant: CRLF, prompt, unknown port properties kept, stray lines reported", () => {
  const text = [
    "# ovs-ofctl show br-int",
    "OFPT_FEATURES_REPLY (xid=0x2): dpid:0000aabbccddeeff",
    "n_tables:254, n_buffers:0",
    " 7(tap1): addr:fa:16:3e:00:00:07",
    "     config:     NO_FLOOD PORT_DOWN",
    "     state:      LINK_DOWN BLOCKED",
    "     advertised: 1GB-FD AUTO_NEG",
    "     frobnicate: yes",
    "     speed: 1000 Mbps now, 10000 Mbps max",
    "garbage here",
  ].join("\r\n");
  const r = parseOfctlShow(text);
  const p = r.value.ports[0];
  assert.deepEqual(p, {
    ofport: 7,
    name: "tap1",
    addr: "fa:16:3e:00:00:07",
    config: ["NO_FLOOD", "PORT_DOWN"],
    state: ["LINK_DOWN", "BLOCKED"],
    advertised: ["1GB-FD", "AUTO_NEG"],
    speed: { nowMbps: 1000, maxMbps: 10000 },
    extra: ["frobnicate: yes"],
    line: 4,
  });
  assert.deepEqual(
    r.issues.map((i) => [i.line, i.severity, i.text]),
    [[10, "warning", "garbage here"]],
  );
  assert.deepEqual(r.value.extra, [{ line: 10, text: "garbage here" }]);
  assert.equal(parseOfctlShow("").issues[0]?.line, 0);
});
