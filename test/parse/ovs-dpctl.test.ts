import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDpctlFlows, parseDpctlShow } from "../../src/parse/ovs-dpctl.js";
import { labFixture, realFixture } from "../helpers/fixtures.js";

test("dpctl/dump-flows -m (hotsos, kernel datapath): seven megaflows, first exact", () => {
  const { value, issues } = parseDpctlFlows(
    realFixture("hotsos-ussuri-dvr/ovs-appctl-dpctl-dump-flows-m.txt"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.length, 7);
  assert.deepEqual(value[0], {
    ufid: "111ac3fe-feca-4f3f-9f1e-c11101573c8f",
    match: [
      { key: "recirc_id", value: "0" },
      { key: "dp_hash", value: "0/0" },
      { key: "skb_priority", value: "0/0" },
      { key: "in_port", value: "ens7" },
      { key: "skb_mark", value: "0/0" },
      { key: "ct_state", value: "0/0" },
      { key: "ct_zone", value: "0/0" },
      { key: "ct_mark", value: "0/0" },
      { key: "ct_label", value: "0/0" },
      { key: "eth", value: "src=52:54:00:bf:b2:60,dst=01:00:5e:00:00:76" },
      { key: "eth_type", value: "0x0800" },
      { key: "ipv4", value: "src=0.0.0.0/0.0.0.0,dst=0.0.0.0/0.0.0.0,proto=0/0,tos=0/0,ttl=0/0,frag=no" },
    ],
    packets: 0,
    bytes: 0,
    used: "never",
    dp: "ovs",
    actions: ["push_vlan(vid=2,pcp=0)", "br-int", "pop_vlan", "fg-c8dcce74-c4", "qg-14f81a43-69", "br-data"],
    other: {},
    line: 1,
  });
});

test("dpctl/dump-flows -m (hotsos): nested actions and tunnel keys stay whole", () => {
  const { value } = parseDpctlFlows(realFixture("hotsos-ussuri-dvr/ovs-appctl-dpctl-dump-flows-m.txt"));
  // The VM's traffic to a VXLAN peer: conntrack commit, tunnel header, then flood to local ports.
  assert.deepEqual(value[2]?.actions, [
    "ct(commit,zone=3)",
    "set(tunnel(tun_id=0x4d1,src=10.0.0.128,dst=10.0.0.114,ttl=64,tp_dst=4789,flags(df|key)))",
    "vxlan_sys_4789",
    "push_vlan(vid=3,pcp=0)",
    "br-int",
    "pop_vlan",
    "qr-3a70b31c-3f",
    "sg-189f4c40-9d",
  ]);
  assert.equal(value[2]?.packets, 149);
  assert.equal(value[2]?.bytes, 15613);
  assert.equal(value[2]?.used, 0.5);
  assert.deepEqual(value[3]?.actions, ["ct(zone=3)", "recirc(0x6)"]);
  assert.deepEqual(
    value[3]?.match.find((f) => f.key === "udp"),
    { key: "udp", value: "src=32768/0x8000,dst=0/0" },
  );
  // STP/LLDP multicast from the physical NIC is dropped in the datapath.
  assert.deepEqual([value[4]?.packets, value[4]?.used, value[4]?.actions], [31800, 1.852, ["drop"]]);
  assert.deepEqual(
    value[5]?.match.find((f) => f.key === "tunnel"),
    { key: "tunnel", value: "tun_id=0x3e9,src=10.0.0.114,dst=10.0.0.128,ttl=0/0,flags(-df-csum+key)" },
  );
});

test("dpctl/dump-flows -m (lab, userspace datapath): thread header, dp-extra-info, VLAN encap", () => {
  const { value, issues } = parseDpctlFlows(
    labFixture("ovs-appctl-dpctl-dump-flows-m-netdev-vlan-encap.txt"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.length, 2);
  const fromTrunk = value[0];
  assert.equal(fromTrunk?.thread, "the main thread");
  assert.equal(fromTrunk?.ufid, "5be056e6-a29d-43a3-961a-b34924674ef9");
  assert.deepEqual(fromTrunk?.match.slice(-4), [
    { key: "eth", value: "src=fa:16:3e:00:00:77,dst=4e:0a:16:6d:fd:82" },
    { key: "eth_type", value: "0x8100" },
    { key: "vlan", value: "vid=324,pcp=0" },
    {
      key: "encap",
      value:
        "eth_type(0x0800),ipv4(src=10.99.0.7/0.0.0.0,dst=10.99.0.1/0.0.0.0,proto=1/0,tos=0/0,ttl=64/0,frag=no),icmp(type=8/0,code=0/0)",
    },
  ]);
  assert.deepEqual(fromTrunk?.actions, ["pop_vlan", "ndtcp-pa"]);
  assert.equal(fromTrunk?.dpExtraInfo, "miniflow_bits(5,1)");
  assert.deepEqual([fromTrunk?.packets, fromTrunk?.bytes, fromTrunk?.used], [3, 306, 0.829]);
  assert.deepEqual(value[1]?.actions, ["push_vlan(vid=324,pcp=0)", "ndtcp-pb"]);
});

test("dpctl/dump-flows without -m (lab): numeric ports, no ufid or dp", () => {
  const { value, issues } = parseDpctlFlows(labFixture("ovs-appctl-dpctl-dump-flows-netdev-vlan-encap.txt"));
  assert.deepEqual(issues, []);
  assert.deepEqual(value[0], {
    match: [
      { key: "recirc_id", value: "0" },
      { key: "in_port", value: "3" },
      { key: "packet_type", value: "ns=0,id=0" },
      { key: "eth", value: "src=fa:16:3e:00:00:77,dst=4e:0a:16:6d:fd:82" },
      { key: "eth_type", value: "0x8100" },
      { key: "vlan", value: "vid=324,pcp=0" },
      { key: "encap", value: "eth_type(0x0800),ipv4(frag=no)" },
    ],
    packets: 3,
    bytes: 306,
    used: 0.833,
    actions: ["pop_vlan", "4"],
    other: {},
    thread: "the main thread",
    line: 2,
  });
});

test("dpctl/dump-flows (lab, --names and -m): every flow of both dumps", () => {
  for (const name of [
    "ovs-appctl-dpctl-dump-flows-names-netdev.txt",
    "ovs-appctl-dpctl-dump-flows-m-netdev.txt",
  ]) {
    const { value, issues } = parseDpctlFlows(labFixture(name));
    assert.deepEqual(issues, [], name);
    assert.equal(value.length, 5, name);
    // The flood of an unknown unicast from an access port: tagged to the trunk, untagged to the other VM.
    assert.deepEqual(value[3]?.actions, [
      "push_vlan(vid=324,pcp=0)",
      "br-ndtcp",
      "ndtcp-pb",
      "pop_vlan",
      "ndtcp-pc",
    ]);
    assert.equal(value[2]?.used, "never");
  }
});

test("dpctl/dump-flows: TC offload, tcp flags, pmd threads, unknown items, pasted noise", () => {
  const text = [
    "$ ovs-appctl dpctl/dump-flows -m",
    "flow-dump from pmd on cpu core: 2",
    "ufid:aaaaaaaa-0000-0000-0000-000000000001, skb_priority(0/0),in_port(2),eth(src=fa:16:3e:00:00:01,dst=fa:16:3e:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,frag=no),tcp(dst=22), packets:10, bytes:980, used:0.370s, flags:S., offloaded:yes, dp:tc, actions:push_vlan(vid=2,pcp=0),3\r",
    "...",
    "flow-dump from the main thread:",
    "  recirc_id(0),in_port(1),eth_type(0x0806), packets:1, bytes:42, used:12.001s, future:thing, actions:drop",
  ].join("\n");
  const { value, issues } = parseDpctlFlows(text);
  assert.deepEqual(issues, []);
  assert.deepEqual(value[0], {
    ufid: "aaaaaaaa-0000-0000-0000-000000000001",
    match: [
      { key: "skb_priority", value: "0/0" },
      { key: "in_port", value: "2" },
      { key: "eth", value: "src=fa:16:3e:00:00:01,dst=fa:16:3e:00:00:02" },
      { key: "eth_type", value: "0x0800" },
      { key: "ipv4", value: "src=10.0.0.1,dst=10.0.0.2,proto=6,frag=no" },
      { key: "tcp", value: "dst=22" },
    ],
    packets: 10,
    bytes: 980,
    used: 0.37,
    tcpFlags: "S.",
    offloaded: "yes",
    dp: "tc",
    actions: ["push_vlan(vid=2,pcp=0)", "3"],
    other: {},
    thread: "pmd on cpu core: 2",
    line: 3,
  });
  assert.deepEqual(value[1]?.other, { future: "thing" });
  assert.equal(value[1]?.thread, "the main thread");
  assert.equal(value[1]?.line, 6);
});

test("dpctl/dump-flows: cut-short, garbled and bad-counter lines are issues, the rest parses", () => {
  const text = [
    "recirc_id(0),in_port(2),eth_type(0x0800), packets:1, bytes:98, used:0.1s, actions:3",
    "recirc_id(0),in_port(2),eth_type(0x0800), packets:1, bytes:98",
    "recirc_id(0),in_port(2),eth_type(0x0800), packets:x, bytes:98, used:0.1s, actions:3",
    "recirc_id(0),in_port(2),eth_type(0x0800), packets:1, bytes:98, used:soon, actions:3",
    "this is not a flow",
    "recirc_id(0),in_port(3),eth_type(0x86dd), packets:2, bytes:180, used:never, actions:drop",
  ].join("\n");
  const { value, issues } = parseDpctlFlows(text);
  assert.deepEqual(
    value.map((f) => [f.line, f.actions]),
    [
      [1, ["3"]],
      [6, ["drop"]],
    ],
  );
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity]),
    [
      [2, "error"],
      [3, "error"],
      [4, "error"],
      [5, "error"],
    ],
  );
  assert.match(issues[0]?.message ?? "", /missing used, actions/);
  assert.equal(issues[3]?.text, "this is not a flow");
});

test("dpctl show (9506hqwy network node, kernel datapath): counters and ports exact", () => {
  const { value, issues } = parseDpctlShow(
    realFixture("9506hqwy-study-notes-2024/controller-ovs-dpctl-show.txt"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.length, 1);
  const dp = value[0];
  assert.equal(dp?.name, "system@ovs-system");
  assert.deepEqual(dp?.lookups, { hit: 1205, missed: 335, lost: 0 });
  assert.equal(dp?.flows, 0);
  assert.deepEqual(dp?.stats, {
    masks: { hit: "1468", total: "0", "hit/pkt": "0.95" },
    cache: { hit: "775", "hit-rate": "50.32%" },
    caches: {},
    "masks-cache": { size: "256" },
  });
  assert.deepEqual(
    dp?.ports.map((p) => [p.port, p.name, p.type]),
    [
      [0, "ovs-system", "internal"],
      [1, "br-provider", "internal"],
      [2, "eth2", undefined],
      [3, "eth3", undefined],
      [4, "br-mgmt", "internal"],
      [5, "tap183c56bb-b2", "internal"],
      [6, "br-int", "internal"],
      [7, "tap52b1b85b-8e", "internal"],
    ],
  );
  assert.deepEqual(dp?.ports[2], { port: 2, name: "eth2", config: {}, stats: {}, line: 10 });
});

test("dpctl/show (lab, userspace datapath) and dpctl/show -s: port counters", () => {
  const plain = parseDpctlShow(labFixture("ovs-appctl-dpctl-show-netdev.txt"));
  assert.deepEqual(plain.issues, []);
  assert.equal(plain.value[0]?.name, "netdev@ovs-netdev");
  assert.equal(plain.value[0]?.flows, 5);
  assert.deepEqual(
    plain.value[0]?.ports.map((p) => [p.port, p.name, p.type]),
    [
      [0, "ovs-netdev", "tap"],
      [1, "br-ndtcp", "tap"],
      [2, "ndtcp-pc", undefined],
      [3, "ndtcp-pb", undefined],
      [4, "ndtcp-pa", undefined],
    ],
  );
  const withStats = parseDpctlShow(labFixture("ovs-appctl-dpctl-show-s-netdev.txt"));
  assert.deepEqual(withStats.issues, []);
  assert.deepEqual(withStats.value[0]?.lookups, { hit: 18, missed: 15, lost: 0 });
  assert.deepEqual(withStats.value[0]?.ports[2], {
    port: 2,
    name: "ndtcp-pc",
    config: {},
    stats: {
      rx_packets: 13,
      rx_errors: 0,
      rx_dropped: 0,
      rx_overruns: 0,
      rx_frame: 0,
      tx_packets: 24,
      tx_errors: 0,
      tx_dropped: 0,
      tx_aborted: 0,
      tx_carrier: 0,
      collisions: 0,
      rx_bytes: 1090,
      tx_bytes: 2056,
    },
    line: 14,
  });
  assert.equal(withStats.value[0]?.ports[1]?.stats["tx_dropped"], 20);
});

test("dpctl show: tunnel port config, two datapaths, tabs, stray lines", () => {
  const text = [
    "stray line before any datapath",
    "system@ovs-system:",
    "\tlookups: hit:10 missed:2 lost:1",
    "\tflows: 3",
    "\tport 0: ovs-system (internal)",
    "\tport 1: vxlan_sys_4789 (vxlan: packet_type=ptap, df_default=false)",
    "\tport 2: gre_sys (gre)",
    "\twhat is this",
    "netdev@ovs-netdev:",
    "  lookups: hit:0 missed:0",
    "  port 0: ovs-netdev (tap)",
  ].join("\r\n");
  const { value, issues } = parseDpctlShow(text);
  assert.deepEqual(
    value.map((d) => [d.name, d.ports.length, d.line]),
    [
      ["system@ovs-system", 3, 2],
      ["netdev@ovs-netdev", 1, 9],
    ],
  );
  assert.deepEqual(value[0]?.lookups, { hit: 10, missed: 2, lost: 1 });
  assert.deepEqual(value[0]?.ports[1], {
    port: 1,
    name: "vxlan_sys_4789",
    type: "vxlan",
    config: { packet_type: "ptap", df_default: "false" },
    stats: {},
    line: 6,
  });
  assert.equal(value[0]?.ports[2]?.type, "gre");
  // A lookups line without all three counters is kept as printed rather than completed with zeros.
  assert.equal(value[1]?.lookups, undefined);
  assert.deepEqual(value[1]?.stats["lookups"], { hit: "0", missed: "0" });
  assert.deepEqual(
    issues.map((i) => [i.line, i.text]),
    [
      [1, "stray line before any datapath"],
      [8, "\twhat is this"],
    ],
  );
});
