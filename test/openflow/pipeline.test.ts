import assert from "node:assert/strict";
import { test } from "node:test";
import type { SwitchPort } from "../../src/openflow/normal.js";
import { parsePacket } from "../../src/openflow/packet.js";
import {
  type Bridge,
  compileBridge,
  parseCtState,
  simulate,
  type TraceResult,
} from "../../src/openflow/pipeline.js";
import { parseFlowDump } from "../../src/parse/ofctl-flows.js";
import { realFixture } from "../helpers/fixtures.js";

const pkt = (text: string) => parsePacket(text).packet;

function bridge(lines: readonly string[], ports: SwitchPort[] = PORTS): Bridge {
  const { value, issues } = parseFlowDump(lines.join("\n"));
  assert.deepEqual(issues, []);
  return { name: "br-test", flows: value.flows, ports };
}

const PORTS: SwitchPort[] = [1, 2, 3, 4].map((n) => ({ ofport: n, name: `p${n}` }));
const sent = (r: TraceResult): string[] =>
  r.outputs.map((o) => `${o.port}${o.packet.vlans.map((v) => "." + v.vid).join("")}`);
const path = (r: TraceResult): string[] => r.steps.map((s) => `${s.table}:${s.flow?.line ?? "miss"}`);

// Ports of the Ussuri DVR compute node's br-int (ovs-ofctl show + the OVSDB tags).
const HOTSOS_PORTS: SwitchPort[] = [
  { ofport: 1, name: "int-br-data", type: "patch" },
  { ofport: 2, name: "patch-tun", type: "patch" },
  { ofport: 3, name: "ha-550dc175-c0", tag: 1 },
  { ofport: 4, name: "fg-c8dcce74-c4", tag: 2 },
  { ofport: 5, name: "qg-14f81a43-69", tag: 2 },
  { ofport: 6, name: "qr-3a70b31c-3f", tag: 3 },
  { ofport: 7, name: "sg-189f4c40-9d", tag: 3 },
  { ofport: 9, name: "tap0e778df8-ca", tag: 3 },
];
const hotsos = compileBridge({
  name: "br-int",
  flows: parseFlowDump(realFixture("hotsos-ussuri-dvr/ovs-ofctl-dump-flows-br-int.txt")).value.flows,
  ports: HOTSOS_PORTS,
});

test("Neutron br-int: a frame from the flat provider network gets local VLAN 2, NORMAL floods it; steps cite the flows", () => {
  const r = simulate(hotsos, pkt("in_port=1,dl_src=52:54:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff"));
  assert.deepEqual(path(r), ["0:9", "60:28"]);
  const first = r.steps[0];
  assert.equal(first?.flow?.priority, 3);
  assert.equal(first?.flow?.cookie, "0x565d7680690eea02");
  assert.equal(first?.flow?.nPackets, 336);
  assert.deepEqual(first?.actions, [
    { text: "mod_vlan_vid:2" },
    { text: "resubmit(,60)", effect: "table 60" },
  ]);
  // Trunks (patch-tun, LOCAL) get the tag, the access ports of VLAN 2 get the frame untagged.
  assert.deepEqual(sent(r).sort(), ["2.2", "4", "5", "65534.2"]);
  assert.match(
    r.steps[1]?.actions[0]?.effect ?? "",
    /flooded \(multicast\/broadcast destination\) in VLAN 2/,
  );
  assert.equal(r.outputs[0]?.step, 1);
  assert.equal(r.dropped, false);
});

test("Neutron br-int: tagged frames from the provider bridge are dropped, with the flow as the reason", () => {
  const r = simulate(hotsos, pkt("in_port=1,dl_vlan=7"));
  assert.equal(r.dropped, true);
  assert.equal(r.dropReason, "table 0: the flow at line 10 drops");
});

test("openvswitch firewall: ct() recirculates with the assumed state, reported as an assumption", () => {
  const egress = pkt(
    "ip,in_port=9,dl_src=fa:16:3e:a7:45:cb,dl_dst=fa:16:3e:76:19:dd,nw_src=192.168.21.18,nw_dst=192.168.21.1",
  );
  const est = simulate(hotsos, egress);
  assert.deepEqual(path(est), ["0:11", "60:24", "71:32", "72:47", "73:66", "94:111"]);
  assert.deepEqual(
    est.passes.map((p) => [p.pass, p.table, p.ctState]),
    [
      [0, 0, undefined],
      [1, 72, "+trk+est"],
    ],
  );
  assert.equal(est.passes[1]?.packet.ct_state, parseCtState("+trk+est"));
  assert.equal(est.passes[1]?.packet.ct_zone, 3); // zone=NXM_NX_REG6[0..15], reg6 loaded in table 60
  assert.equal(est.passes[0]?.final.ct_state, undefined); // the original continues untracked
  assert.match(
    est.assumptions[0] ?? "",
    /line 32 \(table 71\): ct\(table=72,zone=NXM_NX_REG6\[0\.\.15\]\).*ct_state=\+trk\+est/,
  );
  // MAC learning is not known here: NORMAL floods in local VLAN 3 and says why.
  assert.deepEqual(sent(est).sort(), ["1.3", "2.3", "6", "65534.3", "7"]);
  assert.ok(est.outputs.every((o) => o.pass === 1));
  // As a new connection it is committed first (table 73) and accepted through table 91.
  const fresh = simulate(hotsos, egress, { ctState: "trk,new" });
  assert.deepEqual(path(fresh), ["0:11", "60:24", "71:32", "72:49", "73:59", "91:108", "94:111"]);
  assert.match(
    fresh.steps[4]?.actions[0]?.effect ?? "",
    /conntrack zone 3, commit; this packet continues untracked/,
  );
});

test("openvswitch firewall: the remote-group conjunction of table 82 lets the packet to the VM", () => {
  const r = simulate(
    hotsos,
    pkt(
      "ip,in_port=2,dl_vlan=3,dl_src=fa:16:3e:87:45:fc,dl_dst=fa:16:3e:a7:45:cb,nw_src=192.168.21.4,nw_dst=192.168.21.18",
    ),
  );
  const last = r.steps.at(-1);
  assert.equal(last?.table, 82);
  assert.equal(last?.flow?.line, 93); // conj_id=16,...,actions=load:0x10->NXM_NX_REG7[],output:9
  assert.equal(last?.conjunction?.id, 16);
  assert.deepEqual(last?.conjunction?.clauses.map((f) => f.line).sort(), [89, 96]);
  assert.deepEqual(sent(r), ["9"]);
  assert.equal(r.outputs[0]?.packet.regs?.[7], 16);
});

test("resubmit(port,table) looks up with that in_port but acts with the original one", () => {
  const b = bridge([
    "table=0,priority=1,in_port=1 actions=resubmit(2,1)",
    "table=1,priority=1,in_port=2 actions=output:1,IN_PORT,output:3",
    "table=1,priority=1,in_port=1 actions=output:4",
  ]);
  const r = simulate(b, pkt("in_port=1"));
  assert.deepEqual(path(r), ["0:1", "1:2"]);
  assert.equal(r.steps[1]?.inPort, 2);
  assert.equal(r.steps[0]?.actions[0]?.effect, "table 1, looked up with in_port=2");
  assert.equal(r.steps[1]?.actions[0]?.effect, "skipped: it is the input port (use in_port to send it back)");
  assert.deepEqual(sent(r), ["1", "3"]);
  assert.deepEqual(
    r.outputs.map((o) => o.via),
    ["in_port", "output"],
  );
});

test("output to the input port is dropped (and is the drop reason); clearing in_port first allows it", () => {
  const b = bridge([
    "table=0,priority=1,in_port=1 actions=output:1",
    "table=0,priority=1,in_port=2 actions=load:0->NXM_OF_IN_PORT[],output:2",
  ]);
  const r = simulate(b, pkt("in_port=1"));
  assert.equal(r.dropped, true);
  assert.equal(r.dropReason, "output to 1(p1) skipped: it is the input port");
  assert.deepEqual(sent(simulate(b, pkt("in_port=2"))), ["2"]);
});

test("VLAN actions: mod_vlan_vid pushes a tag on untagged frames, strip_vlan removes it, outputs carry each state", () => {
  const b = bridge([
    "table=0,priority=1,in_port=1 actions=mod_vlan_vid:5,output:2,mod_vlan_pcp:3,output:3,strip_vlan,output:4",
    "table=0,priority=1,in_port=2 actions=push_vlan:0x8100,set_field:4098->vlan_vid,output:3,mod_vlan_vid:9,output:4",
  ]);
  const r = simulate(b, pkt("in_port=1"));
  assert.deepEqual(
    r.outputs.map((o) => [o.port, o.packet.vlans]),
    [
      [2, [{ vid: 5, pcp: 0 }]],
      [3, [{ vid: 5, pcp: 3 }]],
      [4, []],
    ],
  );
  // push_vlan in front of an existing tag: QinQ (at most two tags, like OVS).
  const q = simulate(b, pkt("in_port=2,dl_vlan=7"));
  assert.deepEqual(q.outputs[0]?.packet.vlans, [
    { vid: 2, pcp: 0 },
    { vid: 7, pcp: 0 },
  ]);
  assert.deepEqual(q.outputs[1]?.packet.vlans, [
    { vid: 9, pcp: 0 },
    { vid: 7, pcp: 0 },
  ]);
  // Both of those are the places where a dump's text does not tell which action OVS really runs.
  assert.equal(q.warnings.filter((w) => /second tag|rewrote an existing tag/.test(w)).length, 2);
});

test("register and header edits: bit ranges, masked set_field, move, prerequisites for set-field", () => {
  const b = bridge([
    "table=0,priority=1,in_port=1 actions=load:0x5->NXM_NX_REG0[4..7],set_field:0x3/0x3->reg1,move:NXM_NX_REG0[4..7]->NXM_NX_REG2[0..3],load:0xdead->NXM_NX_XXREG1[64..79],mod_dl_src:fa:16:3e:00:00:09,mod_nw_src:10.9.9.9,mod_tp_dst:8080,output:2",
  ]);
  const tcp = simulate(b, pkt("tcp,in_port=1,reg1=0xf4,nw_src=10.0.0.1,tp_dst=80"));
  const p = tcp.outputs[0]?.packet;
  assert.equal(p?.regs?.[0], 0x50);
  assert.equal(p?.regs?.[1], 0xf7);
  assert.equal(p?.regs?.[2], 0x5);
  assert.equal(p?.regs?.[5], 0xdead); // xxreg1 = reg4..reg7, bits 64..79 are in reg5
  assert.equal(p?.dl_src, "fa:16:3e:00:00:09");
  assert.equal(p?.nw_src, "10.9.9.9");
  assert.equal(p?.tp_dst, 8080);
  // On ARP, mod_nw_src and mod_tp_dst do nothing (the packet has no such fields).
  const arp = simulate(b, pkt("arp,in_port=1,arp_spa=10.0.0.1"));
  assert.equal(arp.outputs[0]?.packet.arp_spa, "10.0.0.1");
  assert.equal(arp.steps[0]?.actions[5]?.effect, "ignored: the packet does not have this field");
});

test("table miss drops; a miss inside a resubmit only ends that lookup", () => {
  const b = bridge([
    "table=0,priority=1,in_port=1 actions=resubmit(,5),output:2",
    "table=0,priority=1,in_port=3 actions=resubmit(,7)",
  ]);
  const r = simulate(b, pkt("in_port=1"));
  assert.deepEqual(path(r), ["0:1", "5:miss"]);
  assert.deepEqual(sent(r), ["2"]);
  const m = simulate(b, pkt("in_port=3"));
  assert.equal(m.dropReason, "table 7: no flow matched (table miss: drop)");
  assert.equal(simulate(b, pkt("in_port=4")).dropReason, "table 0: no flow matched (table miss: drop)");
});

test("goto_table, FLOOD/ALL without the input port, nonexistent ports, controller, learn and note", () => {
  const b = bridge([
    "table=0,priority=1,in_port=1 actions=note:01,learn(table=9,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),goto_table:3",
    "table=3,priority=1 actions=output:77,FLOOD,controller",
    "table=0,priority=1,in_port=2 actions=ALL",
  ]);
  const r = simulate(b, pkt("in_port=1"));
  assert.deepEqual(path(r), ["0:1", "3:2"]);
  assert.deepEqual(sent(r), ["2", "3", "4", "65534", "65533"]);
  assert.equal(r.outputs.at(-1)?.name, "CONTROLLER");
  assert.equal(r.steps[1]?.actions[0]?.effect, "port 77 does not exist: dropped");
  assert.equal(r.steps[0]?.actions[0]?.effect, "ignored");
  assert.ok(r.warnings.includes("line 1: learn() ignored (a trace does not add the learned flow)"));
  assert.deepEqual(sent(simulate(b, pkt("in_port=2"))), ["1", "3", "4", "65534"]);
});

test("resubmit loops: OVS gives up past 64 nested backward resubmits and sends nothing", () => {
  const b = bridge([
    "table=0,priority=1 actions=output:2,resubmit(,1)",
    "table=1,priority=1 actions=resubmit(,0)",
  ]);
  const r = simulate(b, pkt("in_port=1"));
  assert.equal(r.dropped, true);
  assert.match(r.error ?? "", /over max translation depth 64/);
  assert.deepEqual(r.outputs, []);
  // Resubmits to later tables do not nest: a long forward chain is fine.
  const chain = bridge(
    Array.from({ length: 100 }, (_, t) => `table=${t},priority=1 actions=resubmit(,${t + 1})`).concat(
      "table=100,priority=1 actions=output:2",
    ),
  );
  assert.deepEqual(sent(simulate(chain, pkt("in_port=1"))), ["2"]);
  const capped = simulate(chain, pkt("in_port=1"), { maxResubmits: 50 });
  assert.match(capped.error ?? "", /over 50 resubmit actions/);
});

test("exit, dec_ttl, clone, ct_clear on an untracked packet", () => {
  const b = bridge([
    "table=0,priority=1,in_port=1 actions=clone(mod_dl_dst:fa:16:3e:00:00:09,output:2),dec_ttl,output:3,exit,output:4",
    "table=0,priority=1,in_port=2 actions=ct_clear,output:3",
  ]);
  const r = simulate(b, pkt("ip,in_port=1,dl_dst=fa:16:3e:00:00:01,nw_ttl=5"));
  assert.deepEqual(
    r.outputs.map((o) => [o.port, o.packet.dl_dst, o.packet.nw_ttl]),
    [
      [2, "fa:16:3e:00:00:09", 5],
      [3, "fa:16:3e:00:00:01", 4],
    ],
  );
  const expired = simulate(b, pkt("ip,in_port=1,nw_ttl=1"));
  assert.deepEqual(sent(expired), ["2"]);
  assert.match(expired.steps[0]?.actions.find((a) => a.text === "dec_ttl")?.effect ?? "", /TTL expired/);
  const untracked = simulate(b, pkt("ip,in_port=2,ct_state=new"));
  assert.equal(untracked.passes[0]?.final.ct_state, 0x01); // OVS leaves a bare ct_state alone
  assert.equal(simulate(b, pkt("ip,in_port=2,ct_state=trk|new")).passes[0]?.final.ct_state, undefined);
});

test("flows tied at one priority are reported (OVS's pick is arbitrary); the first in the dump is simulated", () => {
  const b = bridge([
    "table=0,priority=5,in_port=1 actions=output:2",
    "table=0,priority=5,ip actions=output:3",
  ]);
  const r = simulate(b, pkt("ip,in_port=1"));
  assert.deepEqual(sent(r), ["2"]);
  assert.deepEqual(
    r.steps[0]?.tiedWith?.map((f) => f.line),
    [2],
  );
  assert.match(r.warnings[0] ?? "", /flows at lines 1, 2 all match at priority 5/);
});

test("a match field without its prerequisites is warned about when its flow runs", () => {
  const b = bridge(["table=0,priority=5,tp_dst=80 actions=output:2"]);
  const r = simulate(b, pkt("arp,in_port=1"));
  assert.deepEqual(sent(r), ["2"]);
  assert.match(r.warnings[0] ?? "", /line 1: match on tp_dst dropped: the match lacks its prerequisites/);
});

test("the LOCAL port is part of every bridge; flows naming unknown ports are listed as unusable", () => {
  const b = compileBridge(
    bridge(['table=0,priority=1,in_port="tap-gone" actions=drop', "table=0,priority=0 actions=LOCAL"]),
  );
  assert.equal(b.ports.get(65534)?.name, "br-test");
  assert.deepEqual(b.unusable, ["line 1: in_port tap-gone is not a port of this bridge"]);
  assert.deepEqual(sent(simulate(b, pkt("in_port=1"))), ["65534"]);
});
