import assert from "node:assert/strict";
import { test } from "node:test";
import type { Action, Flow } from "../../src/openflow/flow.js";
import {
  formatAction,
  formatFlow,
  formatMatchField,
  isFlow,
  parseFlowDump,
  parseFlowLine,
} from "../../src/parse/ofctl-flows.js";
import { allRealFixtures, guideFixture, realFixture } from "../helpers/fixtures.js";

/** Every real ovs-ofctl dump-flows / bridge/dump-flows output (not dpctl's datapath flows, not ofproto/trace). */
const DUMPS = allRealFixtures().filter((f) =>
  /ofctl-dump-flows|ofctl-O-OpenFlow13-dump-flows|bridge-dump-flows|ovsfw-flows/.test(f),
);

function parse(text: string): Flow[] {
  const r = parseFlowDump(text);
  assert.deepEqual(r.issues, []);
  return r.value.flows;
}

function only<T>(items: T[], pred: (x: T) => boolean): T {
  const hits = items.filter(pred);
  assert.equal(hits.length, 1, `expected exactly one match, got ${hits.length}`);
  return hits[0] as T;
}

const matchOf = (f: Flow): [string, string | undefined, string | undefined][] =>
  f.match.map((m) => [m.name, m.value, m.mask]);

const slice = (f: Flow, span: readonly [number, number]): string => f.text.slice(span[0], span[1]);

function line(text: string): Flow {
  const r = parseFlowLine(text, 1);
  assert.ok(isFlow(r), `not a flow: ${JSON.stringify(r)}`);
  return r;
}

function action<K extends Action["kind"]>(a: Action | undefined, kind: K): Action & { kind: K } {
  assert.equal(a?.kind, kind);
  return a as Action & { kind: K };
}

test("there are 27 real dump-flows fixtures and each parses without issues, one flow per actions= line", () => {
  assert.equal(DUMPS.length, 27);
  for (const file of DUMPS) {
    const text = realFixture(file);
    const r = parseFlowDump(text);
    assert.deepEqual(r.issues, [], file);
    const expected = text.split("\n").filter((l) => l.includes("actions=")).length;
    assert.equal(r.value.flows.length, expected, file);
  }
});

test("guide br-int dump (OF1.0 header, 9 flows): VLAN 324 -> local VLAN 2", () => {
  const r = parseFlowDump(guideFixture("ovs-ofctl-dump-flows-br-int-network.txt"));
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.value.headers, [{ kind: "NXST_FLOW", ofVersion: undefined, xid: "0x4", line: 1 }]);
  const flows = r.value.flows;
  assert.equal(flows.length, 9);
  const f = only(flows, (x) => x.match.some((m) => m.name === "dl_vlan" && m.value === "324"));
  assert.equal(f.line, 6);
  assert.equal(f.cookie, "0x0");
  assert.equal(f.table, 0);
  assert.equal(f.priority, 3);
  assert.equal(f.nPackets, 58);
  assert.equal(f.nBytes, 6845);
  assert.equal(f.duration, 6719.906);
  assert.equal(f.idleAge, 6464);
  assert.equal(f.hardAge, undefined);
  assert.deepEqual(matchOf(f), [
    ["in_port", "1", undefined],
    ["dl_vlan", "324", undefined],
  ]);
  assert.equal(f.actions.length, 2);
  assert.equal(action(f.actions[0], "mod_vlan_vid").vid, 2);
  assert.equal(action(f.actions[1], "normal").name, "NORMAL");
  assert.equal(slice(f, f.actionsSpan), "mod_vlan_vid:2,NORMAL");
  assert.equal(slice(f, f.match[1]!.span), "dl_vlan=324");
  assert.deepEqual(
    f.info.map((i) => [i.name, i.value]),
    [
      ["cookie", "0x0"],
      ["duration", "6719.906s"],
      ["table", "0"],
      ["n_packets", "58"],
      ["n_bytes", "6845"],
      ["idle_age", "6464"],
      ["priority", "3"],
    ],
  );
  const last = flows[8]!;
  assert.equal(last.table, 23);
  assert.equal(last.priority, 0);
  assert.deepEqual(last.match, []);
  assert.equal(action(last.actions[0], "drop").name, "drop");
  // Catch-all and per-port drops.
  const drops = flows
    .filter((x) => x.actions[0]?.kind === "drop")
    .map((x) => [x.table, x.priority, matchOf(x)]);
  assert.deepEqual(drops, [
    [0, 2, [["in_port", "1", undefined]]],
    [0, 2, [["in_port", "2", undefined]]],
    [23, 0, []],
  ]);
});

test("guide grep output (no header): br-int 324 -> 1 and br-em3 1 -> 324", () => {
  const intFlows = parseFlowDump(guideFixture("ovs-ofctl-dump-flows-br-int-grep-324.txt"));
  assert.deepEqual(intFlows.value.headers, []);
  const [i] = intFlows.value.flows;
  assert.ok(i);
  assert.equal(i.nPackets, 5963);
  assert.equal(i.hardAge, 65534);
  assert.equal(i.duration, 105039.122);
  assert.deepEqual(matchOf(i), [
    ["in_port", "1", undefined],
    ["dl_vlan", "324", undefined],
  ]);
  assert.equal(action(i.actions[0], "mod_vlan_vid").vid, 1);

  const [e] = parse(guideFixture("ovs-ofctl-dump-flows-br-em3-grep-324.txt"));
  assert.ok(e);
  assert.equal(e.priority, 4);
  assert.equal(e.duration, 105402.89);
  assert.deepEqual(matchOf(e), [
    ["in_port", "2", undefined],
    ["dl_vlan", "1", undefined],
  ]);
  assert.equal(action(e.actions[0], "mod_vlan_vid").vid, 324);
  assert.equal(e.actions[1]?.kind, "normal");
});

test("OpenFlow 1.3 dump: OFPST_FLOW header, push_vlan + set_field:4098->vlan_vid + goto_table, reset_counts", () => {
  const r = parseFlowDump(realFixture("hotsos-ussuri-dvr/ovs-ofctl-O-OpenFlow13-dump-flows-br-int.txt"));
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.value.headers, [{ kind: "OFPST_FLOW", ofVersion: "OF1.3", xid: "0x2", line: 1 }]);
  const flows = r.value.flows;
  assert.equal(flows.length, 110);
  const tr = only(flows, (f) => f.actions.some((a) => a.kind === "push_vlan"));
  assert.equal(tr.line, 9);
  assert.equal(tr.cookie, "0x565d7680690eea02");
  assert.equal(tr.priority, 3);
  assert.equal(tr.nPackets, 336);
  assert.deepEqual(matchOf(tr), [
    ["in_port", "1", undefined],
    ["vlan_tci", "0x0000", "0x1fff"],
  ]);
  assert.equal(action(tr.actions[0], "push_vlan").ethertype, "0x8100");
  const sf = action(tr.actions[1], "set_field");
  assert.deepEqual([sf.value, sf.field, sf.mask], ["4098", "vlan_vid", undefined]);
  assert.equal(action(tr.actions[2], "goto_table").table, 60);

  const reset = flows.filter((f) => f.info.some((i) => i.name === "reset_counts" && i.value === undefined));
  assert.equal(reset.length, 10);
  const t71 = only(reset, (f) => f.table === 71 && f.priority === 110);
  assert.deepEqual(matchOf(t71), [["ct_state", "+trk", undefined]]);
  assert.deepEqual(
    t71.actions.map((a) => a.kind),
    ["other", "resubmit"],
  );
  assert.equal(t71.actions[0]?.name, "ct_clear");
  assert.equal(action(t71.actions[1], "resubmit").table, 71);
  // The ct_mark write in OF1.3 spelling.
  const ctMark = flows.find((f) => f.actions[0]?.kind === "ct" && action(f.actions[0], "ct").exec.length > 0);
  assert.ok(ctMark);
  const exec = action(ctMark.actions[0], "ct").exec[0];
  assert.deepEqual([action(exec, "set_field").value, action(exec, "set_field").field], ["0x1", "ct_mark"]);
});

test("2024.1 --names dump: quoted port names in in_port and output", () => {
  const flows = parse(
    realFixture("9506hqwy-study-notes-2024/compute-ovs-ofctl-dump-flows-br-int-ovsfw-vlan100.txt"),
  );
  assert.equal(flows.length, 113);
  const tr = only(
    flows,
    (f) => f.table === 0 && f.match.some((m) => m.name === "dl_vlan" && m.value === "100"),
  );
  assert.equal(tr.cookie, "0x495e20e8d5566065");
  assert.equal(tr.table, 0);
  assert.equal(tr.priority, 3);
  assert.equal(tr.nPackets, 69);
  assert.equal(tr.idleAge, undefined);
  const inPort = tr.match[0]!;
  assert.deepEqual([inPort.name, inPort.value, inPort.quoted], ["in_port", "int-br-provider", true]);
  assert.equal(slice(tr, inPort.span), 'in_port="int-br-provider"');
  assert.equal(action(tr.actions[0], "mod_vlan_vid").vid, 2);
  const rs = action(tr.actions[1], "resubmit");
  assert.deepEqual([rs.port, rs.table, rs.ct], [undefined, 58, false]);

  const outs = flows.flatMap((f) => f.actions).filter((a) => a.kind === "output");
  const named = outs.filter((a) => a.quoted);
  assert.equal(named.length, 13);
  for (const a of named) assert.equal(a.port, "tap0ab9a23c-99");
  assert.ok(outs.some((a) => a.port === "3" && a.quoted === false));
  // Flat network: untagged frames (vlan_tci=0x0000/0x1fff) -> local VLAN 1.
  const flat = only(flows, (f) => f.table === 0 && f.match.some((m) => m.name === "vlan_tci"));
  assert.deepEqual(matchOf(flat)[1], ["vlan_tci", "0x0000", "0x1fff"]);
  assert.equal(action(flat.actions[0], "mod_vlan_vid").vid, 1);
});

test("openvswitch firewall flows: ct(), nested exec(), conjunction, ct_state/ct_zone/ct_mark, conj_id", () => {
  const flows = parse(realFixture("hotsos-ussuri-dvr/ovs-ofctl-dump-flows-br-int.txt"));
  const commit = flows.find(
    (f) => f.table === 72 && f.priority === 40 && f.match.some((m) => m.name === "ip"),
  );
  assert.ok(commit);
  assert.deepEqual(matchOf(commit), [
    ["ct_state", "+est", undefined],
    ["ip", undefined, undefined],
    ["reg5", "0x9", undefined],
  ]);
  const ct = action(commit.actions[0], "ct");
  assert.equal(ct.commit, true);
  assert.equal(ct.zone, "NXM_NX_REG6[0..15]");
  assert.equal(ct.table, undefined);
  assert.equal(ct.exec.length, 1);
  const load = action(ct.exec[0], "load");
  assert.deepEqual([load.value, load.dst], ["0x1", { field: "NXM_NX_CT_MARK" }]);
  assert.equal(slice(commit, load.span), "load:0x1->NXM_NX_CT_MARK[]");

  const toConntrack = only(
    flows,
    (f) => f.table === 71 && f.priority === 65 && f.match.some((m) => m.name === "ip"),
  );
  const ct72 = action(toConntrack.actions[0], "ct");
  assert.deepEqual([ct72.commit, ct72.table, ct72.zone, ct72.exec], [false, 72, "NXM_NX_REG6[0..15]", []]);
  assert.deepEqual(matchOf(toConntrack).slice(3), [
    ["dl_src", "fa:16:3e:a7:45:cb", undefined],
    ["nw_src", "192.168.21.18", undefined],
  ]);

  const conj = flows.filter((f) => f.actions[0]?.kind === "conjunction");
  assert.equal(conj.length, 8);
  const c16 = only(
    conj,
    (f) =>
      f.match.some((m) => m.name === "nw_src" && m.value === "192.168.21.4") &&
      f.match[0]?.value === "+est-rel-rpl",
  );
  const cj = action(c16.actions[0], "conjunction");
  assert.deepEqual([cj.id, cj.clause, cj.nClauses], [16, 1, 2]);
  const byId = only(flows, (f) => f.match.some((m) => m.name === "conj_id" && m.value === "17"));
  assert.deepEqual(
    byId.actions.map((a) => a.kind),
    ["load", "ct", "output", "resubmit"],
  );
  assert.deepEqual(action(byId.actions[0], "load").dst, { field: "NXM_NX_REG7" });
  assert.equal(action(byId.actions[2], "output").port, "9");
  assert.equal(action(byId.actions[3], "resubmit").table, 92);

  const zone = only(
    flows,
    (f) =>
      f.table === 72 && f.match.some((m) => m.name === "ct_zone") && f.match[0]?.value === "+est-rel+rpl",
  );
  assert.deepEqual(matchOf(zone), [
    ["ct_state", "+est-rel+rpl", undefined],
    ["ct_zone", "3", undefined],
    ["ct_mark", "0", undefined],
    ["reg5", "0x9", undefined],
  ]);
  const nd = only(flows, (f) => f.match.some((m) => m.name === "nd_target"));
  assert.deepEqual(matchOf(nd).slice(3), [
    ["icmp_type", "136", undefined],
    ["nd_target", "fe80::f816:3eff:fea7:45cb", undefined],
  ]);
  const dead = flows[0]!;
  assert.deepEqual([dead.priority, matchOf(dead)], [65535, [["vlan_tci", "0x0fff", "0x1fff"]]]);
});

test("br-tun: learn() specs, ARP responder load/move, mod_dl_src, IN_PORT, masked dl_dst", () => {
  const flows = parse(realFixture("hotsos-ussuri-dvr/ovs-ofctl-dump-flows-br-tun.txt"));
  const learnFlow = only(flows, (f) => f.actions[0]?.kind === "learn");
  assert.equal(learnFlow.table, 10);
  const learn = action(learnFlow.actions[0], "learn");
  assert.deepEqual(learn.specs, [
    "table=20",
    "hard_timeout=300",
    "priority=1",
    "cookie=0x5f3e4140959dac5a",
    "NXM_OF_VLAN_TCI[0..11]",
    "NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[]",
    "load:0->NXM_OF_VLAN_TCI[]",
    "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[]",
    "output:OXM_OF_IN_PORT[]",
  ]);
  assert.equal(action(learnFlow.actions[1], "output").port, "1");

  const arp = only(flows, (f) => f.match.some((m) => m.name === "arp_tpa" && m.value === "192.168.21.4"));
  assert.deepEqual(
    arp.actions.map((a) => a.kind),
    ["load", "move", "move", "load", "load", "move", "mod_field", "in_port"],
  );
  const mv = action(arp.actions[1], "move");
  assert.deepEqual([mv.src, mv.dst], [{ field: "NXM_NX_ARP_SHA" }, { field: "NXM_NX_ARP_THA" }]);
  assert.equal(action(arp.actions[3], "load").value, "0xfa163e06b550");
  const mod = action(arp.actions[6], "mod_field");
  assert.deepEqual([mod.name, mod.field, mod.value], ["mod_dl_src", "dl_src", "fa:16:3e:06:b5:50"]);

  const learned = flows.filter((f) => f.info.some((i) => i.name === "hard_timeout" && i.value === "300"));
  assert.equal(learned.length, 6);
  assert.deepEqual(matchOf(learned[0]!)[0], ["vlan_tci", "0x0001", "0x0fff"]);
  const unicast = only(
    flows,
    (f) =>
      f.table === 2 && f.match.some((m) => m.mask === "01:00:00:00:00:00" && m.value === "00:00:00:00:00:00"),
  );
  assert.equal(action(unicast.actions[0], "resubmit").table, 20);
  const flood = only(
    flows,
    (f) => f.table === 22 && f.match.some((m) => m.name === "dl_vlan" && m.value === "1"),
  );
  assert.deepEqual(
    flood.actions.map((a) => formatAction(a)),
    ["strip_vlan", "load:0x3e9->NXM_NX_TUN_ID[]", "output:2", "output:3"],
  );
});

test("older br-tun: set_tunnel is a set_field of tun_id; output to a field inside learn", () => {
  const flows = parse(
    realFixture("yeasy-understand-neutron/gre-compute-ovs-ofctl-dump-flows-br-tun-havana-tables.txt"),
  );
  const f = only(flows, (x) => x.table === 21 && x.priority === 1);
  const st = action(f.actions[1], "set_field");
  assert.deepEqual([st.name, st.field, st.value], ["set_tunnel", "tun_id", "0x1"]);
  assert.equal(formatAction(st), "set_tunnel:0x1");
  assert.equal(f.duration, 688.6);
  // A flow with no priority= printed keeps OVS's default.
  const noPrio = parse(
    realFixture("yeasy-understand-neutron/vxlan-compute-ovs-ofctl-dump-flows-br-tun.txt"),
  ).find((x) => x.table === 22 && x.match.length === 1);
  assert.ok(noPrio);
  assert.equal(noPrio.priority, 32768);
  assert.deepEqual(matchOf(noPrio), [["dl_vlan", "1", undefined]]);
});

test("ovs-appctl bridge/dump-flows: table_id, no cookie, ',actions=', hidden flows of table 254", () => {
  const flows = parse(realFixture("hotsos-ussuri-dvr/ovs-appctl-bridge-dump-flows-offload-stats-br-int.txt"));
  assert.equal(flows.length, 114);
  const first = flows[0]!;
  assert.deepEqual([first.table, first.cookie, first.priority, first.duration], [0, "0x0", 65535, 63605]);
  assert.deepEqual(matchOf(first), [["vlan_tci", "0x0fff", "0x1fff"]]);
  assert.deepEqual(
    first.info.map((i) => i.name),
    ["duration", "n_packets", "n_bytes", "n_offload_packets", "n_offload_bytes", "priority"],
  );
  const t1 = flows[10]!;
  assert.deepEqual([t1.table, t1.priority, t1.nPackets, t1.nBytes], [1, 20, 1, 111]);
  assert.deepEqual(matchOf(t1), [
    ["dl_vlan", "3", undefined],
    ["dl_dst", "fa:16:3e:87:45:fc", undefined],
  ]);
  assert.equal(action(t1.actions[0], "set_field").field, "eth_src");
  const hidden = flows.filter((f) => f.table === 254);
  assert.deepEqual(hidden.map(matchOf), [
    [["recirc_id", "0", undefined]],
    [["reg0", "0x1", undefined]],
    [["reg0", "0x2", undefined]],
    [["reg0", "0x3", undefined]],
  ]);
  assert.deepEqual(action(hidden[1]!.actions[0], "controller").params, { reason: "" });
});

test("neutron doc example (no stats, 'table=60,  priority=…')", () => {
  const flows = parse(realFixture("neutron-docs/doc-example-ovsfw-flows-table60.txt"));
  const f = flows[0]!;
  assert.deepEqual(
    [f.table, f.priority, f.nPackets, f.duration, f.cookie],
    [60, 100, undefined, undefined, "0x0"],
  );
  assert.deepEqual(matchOf(f), [["in_port", "1", undefined]]);
  assert.deepEqual(
    f.actions.map((a) => formatAction(a)),
    ["load:0x1->NXM_NX_REG5[]", "load:0x284->NXM_NX_REG6[]", "resubmit(,71)"],
  );
  assert.deepEqual(matchOf(flows[2]!)[0], ["dl_vlan", "0x284", undefined]);
});

test("formatFlow gives back each ovs-ofctl line exactly, and every line round-trips to an equivalent flow", () => {
  for (const file of DUMPS) {
    for (const f of parse(realFixture(file))) {
      const again = line(formatFlow(f));
      assert.equal(formatFlow(again), formatFlow(f), file);
      assert.deepEqual(
        [again.table, again.priority, again.cookie, matchOf(again)],
        [f.table, f.priority, f.cookie, matchOf(f)],
      );
      if (/bridge-dump-flows|table60/.test(file)) continue;
      assert.equal(formatFlow(f), " " + f.text.trimStart(), file);
    }
  }
});

test("spans quote the evidence: info, match and action spans slice the original line", () => {
  for (const file of DUMPS) {
    for (const f of parse(realFixture(file))) {
      for (const i of f.info)
        assert.equal(slice(f, i.span), i.value === undefined ? i.name : `${i.name}=${i.value}`);
      for (const m of f.match) assert.equal(slice(f, m.span), formatMatchField(m));
      for (const a of f.actions)
        assert.ok(
          slice(f, a.span).startsWith(
            a.name === "output" && !slice(f, a.span).startsWith("output") ? "" : a.name,
          ),
        );
      assert.ok(f.text.slice(0, f.actionsSpan[0]).endsWith("actions="));
    }
  }
});

test("every action form Neutron emits, from hand-written lines", () => {
  const f = line(
    "priority=1 actions=3,CONTROLLER:65535,controller(userdata=00.01,pause),resubmit(1,60),resubmit:3,resubmit(,60,ct)," +
      "set_field:0x1/0xffff->reg5,load:0x3->NXM_NX_REG6[0..15],move:NXM_OF_VLAN_TCI[0..11]->NXM_NX_REG6[0..11]," +
      "ct(commit,zone=5,nat(src=10.0.0.1),exec(set_field:0x1->ct_mark,move:NXM_NX_REG0[]->NXM_NX_CT_LABEL[0..31]),table=72)," +
      "ct_clear,note:00.01.02,dec_ttl,meter:1,write_metadata:0x1/0xff,clear_actions,check_pkt_larger(1500)->NXM_NX_REG0[0]," +
      "output(port=1,max_len=128),mod_vlan_pcp:3,push_vlan:0x8100,pop_vlan,FLOOD,ALL,LOCAL,IN_PORT,mod_dl_dst:fa:16:3e:00:00:01," +
      "goto_table:5,output:NXM_NX_REG1[0..15],set_tunnel64:0x1",
  );
  const kinds = f.actions.map((a) => a.kind);
  assert.deepEqual(kinds, [
    "output",
    "controller",
    "controller",
    "resubmit",
    "resubmit",
    "resubmit",
    "set_field",
    "load",
    "move",
    "ct",
    "other",
    "note",
    "other",
    "other",
    "other",
    "other",
    "other",
    "output",
    "mod_vlan_pcp",
    "push_vlan",
    "pop_vlan",
    "flood",
    "all",
    "local",
    "in_port",
    "mod_field",
    "goto_table",
    "output",
    "set_field",
  ]);
  const a = f.actions;
  assert.equal(action(a[0], "output").port, "3");
  assert.deepEqual(action(a[1], "controller").params, { max_len: "65535" });
  assert.deepEqual(action(a[2], "controller").params, { userdata: "00.01", pause: "" });
  const r1 = action(a[3], "resubmit");
  assert.deepEqual([r1.port, r1.table, r1.ct], ["1", 60, false]);
  const r2 = action(a[4], "resubmit");
  assert.deepEqual([r2.port, r2.table, r2.ct], ["3", undefined, false]);
  const r3 = action(a[5], "resubmit");
  assert.deepEqual([r3.port, r3.table, r3.ct], [undefined, 60, true]);
  const sf = action(a[6], "set_field");
  assert.deepEqual([sf.value, sf.mask, sf.field], ["0x1", "0xffff", "reg5"]);
  assert.deepEqual(action(a[7], "load").dst, { field: "NXM_NX_REG6", start: 0, end: 15 });
  const mv = action(a[8], "move");
  assert.deepEqual(
    [mv.src, mv.dst],
    [
      { field: "NXM_OF_VLAN_TCI", start: 0, end: 11 },
      { field: "NXM_NX_REG6", start: 0, end: 11 },
    ],
  );
  const ct = action(a[9], "ct");
  assert.deepEqual([ct.commit, ct.zone, ct.nat, ct.table, ct.params], [true, "5", "src=10.0.0.1", 72, {}]);
  assert.deepEqual(
    ct.exec.map((x) => formatAction(x)),
    ["set_field:0x1->ct_mark", "move:NXM_NX_REG0[]->NXM_NX_CT_LABEL[0..31]"],
  );
  assert.equal(a[10]?.name, "ct_clear");
  assert.equal(action(a[11], "note").hex, "00.01.02");
  const meter = action(a[13], "other");
  assert.deepEqual([meter.name, meter.arg, meter.raw], ["meter", "1", "meter:1"]);
  assert.deepEqual([a[14]?.name, a[14]?.arg], ["write_metadata", "0x1/0xff"]);
  const larger = action(a[16], "other");
  assert.deepEqual(
    [larger.name, larger.arg, larger.raw],
    ["check_pkt_larger", "1500", "check_pkt_larger(1500)->NXM_NX_REG0[0]"],
  );
  const trunc = action(a[17], "output");
  assert.deepEqual([trunc.port, trunc.maxLen], ["1", 128]);
  assert.equal(action(a[18], "mod_vlan_pcp").pcp, 3);
  assert.deepEqual(
    [action(a[25], "mod_field").field, action(a[25], "mod_field").value],
    ["dl_dst", "fa:16:3e:00:00:01"],
  );
  assert.equal(action(a[26], "goto_table").table, 5);
  assert.equal(action(a[27], "output").port, "NXM_NX_REG1[0..15]");
  assert.equal(action(a[28], "set_field").field, "tun_id");
  // The canonical text of each of these parses back to the same action.
  const again = line(formatFlow(f));
  assert.deepEqual(
    again.actions.map((x) => formatAction(x)),
    a.map((x) => formatAction(x)),
  );
});

test("every match form: masks, CIDRs, registers, protocol shorthands, NXM names", () => {
  const f = line(
    "priority=5,vlan_tci=0x1000/0x1000,dl_src=fa:16:3e:00:00:00/ff:ff:ff:00:00:00,nw_dst=10.0.0.0/24,tp_dst=0x1000/0xf000," +
      "reg0=0x1,reg15=0x2/0xff,metadata=0x1/0xff,ipv6_dst=fe80::/64,icmpv6_type=135,pkt_mark=0x1,tun_id=0x3e9,ct_state=+new-est," +
      "arp_sha=fa:16:3e:00:00:01,arp_tha=00:00:00:00:00:00,NXM_OF_IN_PORT=3,icmp_code=0 actions=drop",
  );
  assert.deepEqual(matchOf(f), [
    ["vlan_tci", "0x1000", "0x1000"],
    ["dl_src", "fa:16:3e:00:00:00", "ff:ff:ff:00:00:00"],
    ["nw_dst", "10.0.0.0", "24"],
    ["tp_dst", "0x1000", "0xf000"],
    ["reg0", "0x1", undefined],
    ["reg15", "0x2", "0xff"],
    ["metadata", "0x1", "0xff"],
    ["ipv6_dst", "fe80::", "64"],
    ["icmpv6_type", "135", undefined],
    ["pkt_mark", "0x1", undefined],
    ["tun_id", "0x3e9", undefined],
    ["ct_state", "+new-est", undefined],
    ["arp_sha", "fa:16:3e:00:00:01", undefined],
    ["arp_tha", "00:00:00:00:00:00", undefined],
    ["NXM_OF_IN_PORT", "3", undefined],
    ["icmp_code", "0", undefined],
  ]);
  const protos = ["ip", "arp", "tcp", "udp", "icmp", "icmp6", "ipv6", "tcp6", "udp6", "rarp", "sctp"];
  for (const p of protos)
    assert.deepEqual(matchOf(line(`priority=1,${p} actions=NORMAL`)), [[p, undefined, undefined]]);
});

test("info flags and timeouts, table names, OF1.5-style fields", () => {
  const f = line(
    " cookie=0x1a, duration=1.5s, table=acl_in, n_packets=0, n_bytes=0, idle_timeout=60, hard_timeout=300, send_flow_rem reset_counts importance=5, idle_age=1, priority=7,ip actions=resubmit(,acl_out),goto_table:acl_out",
  );
  assert.deepEqual([f.table, f.tableName, f.cookie, f.duration, f.idleAge], [-1, "acl_in", "0x1a", 1.5, 1]);
  assert.deepEqual(
    f.info.map((i) => [i.name, i.value]),
    [
      ["cookie", "0x1a"],
      ["duration", "1.5s"],
      ["table", "acl_in"],
      ["n_packets", "0"],
      ["n_bytes", "0"],
      ["idle_timeout", "60"],
      ["hard_timeout", "300"],
      ["send_flow_rem", undefined],
      ["reset_counts", undefined],
      ["importance", "5"],
      ["idle_age", "1"],
      ["priority", "7"],
    ],
  );
  const rs = action(f.actions[0], "resubmit");
  assert.deepEqual([rs.table, rs.tableName], [-1, "acl_out"]);
  const gt = action(f.actions[1], "goto_table");
  assert.deepEqual([gt.table, gt.tableName], [-1, "acl_out"]);
  assert.equal(formatFlow(f), f.text);
});

test("what operators paste: CRLF, indentation, prompts, '...', no header; bad lines become issues and parsing goes on", () => {
  const text = [
    "[root@compute1 ~]# ovs-ofctl dump-flows br-int | grep 324",
    "   cookie=0x0, duration=1.0s, table=0, n_packets=1, n_bytes=2, priority=3,in_port=1,dl_vlan=324 actions=mod_vlan_vid:2,NORMAL",
    "...",
    "cookie=0x0, table=0, priority=3,in_port=1 actions=mod_vlan_vid:abc",
    "cookie=0x0, table=0, priority=x,in_port=1 actions=drop",
    "cookie=0x0, table=0, priority=3,in_port=1 actions=ct(commit,zone=5",
    "cookie=0x0, table=0, priority=3,in_port=1",
    "NXST_FLOW reply (xid=0x4):",
    "\tcookie=0x0, table=0, priority=1 actions=NORMAL",
    "$ exit",
    "",
  ].join("\r\n");
  const r = parseFlowDump(text);
  assert.deepEqual(
    r.value.flows.map((f) => [f.line, f.priority]),
    [
      [2, 3],
      [9, 1],
    ],
  );
  assert.equal(r.value.flows[0]!.text.endsWith("NORMAL"), true);
  assert.deepEqual(r.value.headers, [{ kind: "NXST_FLOW", ofVersion: undefined, xid: "0x4", line: 8 }]);
  assert.deepEqual(
    r.issues.map((i) => [i.line, i.severity]),
    [
      [4, "error"],
      [5, "error"],
      [6, "error"],
      [7, "error"],
    ],
  );
  assert.match(r.issues[0]!.message, /VLAN id is not a number: mod_vlan_vid:abc/);
  assert.match(r.issues[1]!.message, /priority/);
  assert.match(r.issues[2]!.message, /paren/);
  assert.match(r.issues[3]!.message, /no actions=/);
  assert.equal(r.issues[0]!.text, "cookie=0x0, table=0, priority=3,in_port=1 actions=mod_vlan_vid:abc");
});

test("flows are plain data to their users: JSON, assignment, records built once", () => {
  const f = line("cookie=0x0, table=0, priority=3,in_port=1,dl_vlan=324 actions=mod_vlan_vid:2,NORMAL");
  const json = JSON.parse(JSON.stringify(f)) as Flow;
  assert.deepEqual(
    json.match.map((m) => m.name),
    ["in_port", "dl_vlan"],
  );
  assert.equal(json.actions.length, 2);
  assert.deepEqual(json.actionsSpan, [62, 83]);
  assert.equal(f.match, f.match);
  f.actions = [];
  assert.deepEqual(f.actions, []);
  assert.equal(f.match.length, 2);
  assert.deepEqual({ ...f }.match, f.match);
});
