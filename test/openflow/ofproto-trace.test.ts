import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePacket } from "../../src/openflow/packet.js";
import {
  datapathOutputs,
  parseDatapathActions,
  parseDpifShow,
  parseOfprotoTrace,
} from "../../src/parse/ofproto-trace.js";
import { realFixture } from "../helpers/fixtures.js";

test("ofproto/trace, OVS >= 2.8 layout (OVS docs): steps, final flow, output to port 1", () => {
  const { value, issues } = parseOfprotoTrace(
    realFixture("openvswitch-docs/ovs-appctl-ofproto-trace-output-port1.txt"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.length, 1);
  const [s] = value;
  assert.ok(s);
  assert.deepEqual(s.bridges, ["br0"]);
  assert.deepEqual(
    s.steps.map((x) => [x.table, x.match, x.priority]),
    [
      [0, "ip,in_port=3,nw_src=192.0.2.0/24", 32768],
      [2, "tcp,tp_dst=22", 32768],
    ],
  );
  assert.equal(s.finalFlow, s.flow); // "Final flow: unchanged"
  assert.deepEqual(s.actions, [{ kind: "output", port: 1 }]);
  assert.equal(s.megaflow, "recirc_id=0,tcp,in_port=3,nw_src=192.0.2.0/24,nw_frag=no,tp_dst=22");
  const [out] = datapathOutputs(parsePacket(s.flow).packet, s.actions);
  assert.equal(out?.port, 1);
  assert.equal(out?.packet.tp_dst, 22);
  assert.equal(out?.packet.nw_src, "192.0.2.2");
});

test("ofproto/trace: a table miss is a step without a flow, and the datapath drops", () => {
  const { value, issues } = parseOfprotoTrace(
    realFixture("openvswitch-docs/ovs-appctl-ofproto-trace-table-miss-drop.txt"),
  );
  assert.deepEqual(issues, []);
  const s = value[0];
  assert.ok(s);
  assert.deepEqual(s.steps[1], { bridge: "br0", table: 2, line: 7 });
  assert.deepEqual(s.actions, [{ kind: "drop" }]);
  assert.deepEqual(datapathOutputs(parsePacket(s.flow).packet, s.actions), []);
});

test("ofproto/trace, old layout (OVS 2.5): Bridge:/Rule: lines, the internal drop rule of table 254", () => {
  const { value, issues } = parseOfprotoTrace(
    realFixture("github-issue-learning-sdn/ovs-appctl-ofproto-trace-old-format-ovs2.5.txt"),
  );
  assert.deepEqual(issues, []);
  const s = value[0];
  assert.ok(s);
  assert.deepEqual(s.bridges, ["br0"]);
  assert.deepEqual(
    s.steps.map((x) => [x.table, x.priority, x.match, x.cookie]),
    [
      [0, 0, "", "0"],
      [254, 0, "reg0=0x2", "0"],
    ],
  );
  assert.equal(s.datapathActions, "drop");
  assert.equal(s.finalFlow, s.flow);
});

test("ofproto/trace of a Neutron br-int flood into br-tun: both bridges, per-output VLAN and tunnel id", () => {
  const { value, issues } = parseOfprotoTrace(
    realFixture("github-notes-ofproto-trace/ovs-appctl-ofproto-trace-br-int-qvo-flood-to-vxlan-br-tun.txt"),
  );
  assert.deepEqual(issues, []);
  const s = value[0];
  assert.ok(s);
  assert.deepEqual(s.bridges, ["br-int", "br-tun"]);
  assert.deepEqual(
    s.steps.map((x) => `${x.bridge}:${x.table}:${x.priority}`),
    ["br-int:0:9", "br-int:25:2", "br-int:60:3", "br-tun:0:1", "br-tun:2:0", "br-tun:20:0", "br-tun:22:1"],
  );
  assert.equal(s.steps[0]?.cookie, "0x1c619db8cc58621e");
  const outs = datapathOutputs(parsePacket(s.flow).packet, s.actions);
  // Datapath port 1 gets the frame tagged 884 (br-int's flood), the kernel VXLAN port 3 gets it once
  // per peer, untagged, with tunnel id 0x4a; the remaining ports are the rest of br-int's flood.
  assert.deepEqual(outs[0]?.packet.vlans, [{ vid: 884, pcp: 0 }]);
  const vxlan = outs.filter((o) => o.port === 3);
  assert.equal(vxlan.length, 9);
  for (const o of vxlan) {
    assert.deepEqual(o.packet.vlans, []);
    assert.equal(o.packet.tun_id, 0x4an);
  }
  assert.deepEqual(
    outs.slice(10).map((o) => o.port),
    [30, 31, 32, 33, 40, 41, 42, 57, 60, 61],
  );
});

test("datapath actions: VLAN push/pop, masked and full set(), conntrack, recirculation, controller", () => {
  const actions = parseDatapathActions(
    "push_vlan(vid=5,pcp=3),2,set(eth(src=fa:16:3e:00:00:01,dst=fa:16:3e:00:00:02/ff:ff:ff:00:00:00)),set(ipv4(src=10.0.0.9,ttl=63,tos=0x10)),set(tcp(dst=8080)),pop_vlan,3,ct(commit,zone=4),recirc(0x1),userspace(pid=0,controller(reason=1,dont_send=1)),set(skb_mark(0x7))",
  );
  assert.deepEqual(actions[0], { kind: "push_vlan", vid: 5, pcp: 3 });
  assert.deepEqual(actions[7], { kind: "ct", args: "commit,zone=4" });
  assert.deepEqual(actions[8], { kind: "recirc", id: "0x1" });
  const start = parsePacket(
    "tcp,in_port=1,dl_src=52:54:00:00:00:01,dl_dst=52:54:00:aa:bb:cc,nw_src=10.0.0.1,nw_ttl=64,tp_dst=80",
  ).packet;
  const outs = datapathOutputs(start, actions);
  assert.deepEqual(
    outs.map((o) => o.port),
    [2, 3, "controller"],
  );
  const [first, second] = outs;
  assert.deepEqual(first?.packet.vlans, [{ vid: 5, pcp: 3 }]);
  assert.equal(first?.packet.dl_dst, "52:54:00:aa:bb:cc");
  assert.deepEqual(second?.packet.vlans, []);
  assert.equal(second?.packet.dl_src, "fa:16:3e:00:00:01");
  assert.equal(second?.packet.dl_dst, "fa:16:3e:aa:bb:cc"); // only the masked bytes changed
  assert.equal(second?.packet.nw_src, "10.0.0.9");
  assert.equal(second?.packet.nw_ttl, 63);
  assert.equal(second?.packet.nw_tos, 0x10);
  assert.equal(second?.packet.tp_dst, 8080);
  assert.deepEqual(parseDatapathActions("drop"), [{ kind: "drop" }]);
});

test("a recirculated pass is a section of its own, with the conntrack state it resumed with", () => {
  const text = [
    "Flow: ip,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=0.0.0.0,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no",
    "",
    'bridge("br0")',
    "-------------",
    " 0. ip,in_port=1, priority 5",
    "    ct(table=5,zone=7)",
    "",
    "Final flow: unchanged",
    "Megaflow: recirc_id=0,eth,ip,in_port=1,nw_frag=no",
    "Datapath actions: ct(zone=7),recirc(0x1)",
    "",
    "===============================================================================",
    "recirc(0x1) - resume conntrack with ct_state=est|trk",
    "===============================================================================",
    "",
    "Flow: recirc_id=0x1,ct_state=est|trk,ct_zone=7,eth,ip,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=0.0.0.0,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no",
    "",
    'bridge("br0")',
    "-------------",
    "    thaw",
    "        Resuming from table 5",
    " 5. ct_state=+est+trk,ip, priority 5",
    "    output:4",
    "",
    "Final flow: unchanged",
    "Megaflow: recirc_id=0x1,ct_state=+est+trk,eth,ip,in_port=1,nw_frag=no",
    "Datapath actions: 5",
  ].join("\n");
  const { value, issues } = parseOfprotoTrace(text);
  assert.deepEqual(issues, []);
  assert.equal(value.length, 2);
  assert.equal(value[0]?.ctState, undefined);
  assert.equal(value[1]?.ctState, "est|trk");
  assert.deepEqual(value[1]?.bridges, ["br0"]);
  assert.deepEqual(
    value[1]?.steps.map((s) => [s.table, s.priority]),
    [[5, 5]],
  );
  const recirc = parsePacket(value[1]?.flow ?? "");
  assert.equal(recirc.packet.ct_state, 0x22);
  assert.equal(recirc.packet.ct_zone, 7);
  assert.deepEqual(recirc.ignored.sort(), ["eth", "recirc_id"]);
});

test("not a trace, and a truncated one", () => {
  assert.equal(parseOfprotoTrace("hello\n").issues[0]?.message, "no Flow: line: not an ofproto/trace output");
  const cut = parseOfprotoTrace('Flow: in_port=1\n\nbridge("br0")\n 0. No match.\n');
  assert.equal(cut.value.length, 1);
  assert.equal(cut.issues[0]?.severity, "warning");
});

test("dpif/show: datapath port numbers back to OpenFlow ports, per bridge", () => {
  const text = [
    "netdev@ovs-netdev: hit:0 missed:0",
    "  br-int:",
    "    br-int 65534/3: (tap)",
    "    int-br-eth1 1/none: (patch: peer=phy-br-eth1)",
    "    tap0e778df8-ca 9/2: (tap)",
    "  br-tun:",
    "    vxlan-0a000085 3/4: (vxlan: key=flow, local_ip=10.0.0.128, remote_ip=10.0.0.133)",
  ].join("\n");
  const { value, issues } = parseDpifShow(text);
  assert.deepEqual(issues, []);
  assert.deepEqual(value, [
    { bridge: "br-int", name: "br-int", ofport: 65534, dpPort: 3, type: "tap" },
    { bridge: "br-int", name: "int-br-eth1", ofport: 1, type: "patch: peer=phy-br-eth1" },
    { bridge: "br-int", name: "tap0e778df8-ca", ofport: 9, dpPort: 2, type: "tap" },
    {
      bridge: "br-tun",
      name: "vxlan-0a000085",
      ofport: 3,
      dpPort: 4,
      type: "vxlan: key=flow, local_ip=10.0.0.128, remote_ip=10.0.0.133",
    },
  ]);
});
