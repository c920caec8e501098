/**
 * `netdoctor trace` on the bundled example (the guide's cloud): the guide's ping from instance-0000000a out to
 * the Internet hop by hop with the guide's tags, VM → VM across nodes, and the faults the guide teaches to find
 * with tcpdump — each stopping at the right hop and naming the flow or rule.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildModel } from "../../src/model/build.js";
import type { CloudModel } from "../../src/model/types.js";
import { readSnapshot } from "../../src/snapshot/reader.js";
import { readFdbTables } from "../../src/trace/fdb.js";
import { traceRoute } from "../../src/trace/trace.js";
import type { Hop, TracePath } from "../../src/trace/types.js";
import { EXAMPLE, exampleCopy, type ScratchSnapshot } from "../helpers/snapshot.js";

const QROUTER = "qrouter-e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5";
const C = "nodes/compute/commands";
const N = "nodes/network/commands";

let cached: CloudModel | undefined;
const example = (): CloudModel => {
  cached ??= buildModel(readSnapshot(EXAMPLE));
  return cached;
};

function withSnap<T>(snap: ScratchSnapshot, fn: (s: ScratchSnapshot) => T): T {
  try {
    return fn(snap);
  } finally {
    snap.dispose();
  }
}

/** `node component[:device] dir vlan action` per hop: the shape of a path at a glance. */
const shape = (p: TracePath) =>
  p.hops.map(
    (h) =>
      `${h.node} ${h.component}${h.device && h.componentKind !== "wire" ? `:${h.device}` : ""} ${h.direction} ${h.vlan} ${h.action}`,
  );

const find = (p: TracePath, pred: (h: Hop) => boolean): Hop => {
  const h = p.hops.find(pred);
  assert.ok(h, "hop not found");
  return h;
};

test("the guide's ping from instance-0000000a to the outside: every hop, tag and capture, end to end", () => {
  const r = traceRoute(example(), { from: "instance-0000000a", to: "8.8.8.8" });
  assert.equal(r.from.mac, "fa:16:3e:a4:56:3d");
  assert.equal(r.from.networkName, "int-net-324");
  assert.equal(
    r.request.packet.dstMac,
    "fa:16:3e:16:14:dc",
    "the VM sends to its gateway, the router's qr- port",
  );
  assert.deepEqual(shape(r.request), [
    "compute tapff8e411e-6e in untagged received",
    "compute qbrff8e411e-6e in untagged forwarded",
    "compute qvbff8e411e-6e out untagged forwarded",
    "compute br-int:qvoff8e411e-6e in untagged received",
    "compute br-int:int-br-em3 out 1 forwarded",
    "compute br-em3:phy-br-em3 in 1 received",
    "compute br-em3:em3 out 324 forwarded",
    "compute wire out 324 forwarded",
    "network br-em3:em3 in 324 received",
    "network br-em3:phy-br-em3 out 324 forwarded",
    "network br-int:int-br-em3 in 324 received",
    "network br-int:qr-e6256f7d-31 out untagged forwarded",
    `network ${QROUTER}:qr-e6256f7d-31 in untagged received`,
    `network ${QROUTER}:qg-35916e1f-36 out untagged forwarded`,
    `network ${QROUTER}:qg-35916e1f-36 out untagged forwarded`,
    `network ${QROUTER}:qg-35916e1f-36 out untagged forwarded`,
    "network br-ex:qg-35916e1f-36 in untagged received",
    "network br-ex:em4 out untagged forwarded",
    "network wire out untagged delivered",
  ]);
  const hops = r.request.hops;
  // Local VLAN 1 on the compute br-int (the qvo port's tag, then the tag on int-br-em3).
  assert.equal(hops[3]?.localVlan, 1);
  // br-em3 translates 1 → 324 with the guide's flow, cited with table, priority, cookie, n_packets and line.
  const em3 = find(r.request, (h) => h.node === "compute" && h.device === "em3" && h.direction === "out");
  const flow = em3.flows?.at(-1);
  assert.equal(flow?.summary, "priority=4,in_port=2,dl_vlan=1 actions=mod_vlan_vid:324,NORMAL");
  assert.deepEqual([flow?.table, flow?.priority, flow?.cookie, flow?.nPackets], [0, 4, "0x0", 7374]);
  assert.deepEqual([flow?.evidence.path, flow?.evidence.line], [`${C}/ovs-ofctl-dump-flows@br-em3.txt`, 2]);
  assert.equal(em3.tcpdump, "tcpdump -e -n -i em3 'vlan 324 and icmp'");
  // The wire: the guide's switch and ports, the VLAN assumed carried (LLDP shows PVID 1 and no VLAN list).
  const wire = hops[7] as Hop;
  assert.match(
    wire.device ?? "",
    /compute:em3 → stackdr2\.GARR GigabitEthernet2\/0\/3 … GigabitEthernet2\/0\/5 → network:em3/,
  );
  assert.match(wire.reason, /VLAN 324 assumed carried \(no LLDP evidence of the VLAN list\)/);
  // The network node maps 324 to its local VLAN 2 (the guide's br-int dump) and hands the frame to qr- untagged.
  const qr = hops[11] as Hop;
  assert.equal(qr.localVlan, 2);
  assert.equal(qr.flows?.at(-1)?.summary, "priority=3,in_port=1,dl_vlan=324 actions=mod_vlan_vid:2,NORMAL");
  assert.equal(qr.flows?.at(-1)?.evidence.line, 6);
  assert.equal(qr.tcpdump, `ip netns exec ${QROUTER} tcpdump -e -n -i qr-e6256f7d-31 'icmp'`);
  assert.match(qr.reason, /flooded \(no FDB\) in VLAN 2/);
  assert.match(qr.notes?.join() ?? "", /also flooded to .*int-br-ex/);
  // The router: default route via qg-, then SNAT to the floating IP (float-snat comes first).
  assert.equal(hops[13]?.rule?.text, "default via 203.0.113.1 dev qg-35916e1f-36");
  assert.match(
    hops[14]?.reason ?? "",
    /SNAT 10\.0\.24\.3 → 203\.0\.113\.11: -A neutron-l3-agent-float-snat -s 10\.0\.24\.3\/32 -j SNAT --to-source 203\.0\.113\.11/,
  );
  assert.deepEqual(
    [hops[14]?.rule?.evidence?.path, hops[14]?.rule?.evidence?.line],
    [`${N}/ns-iptables-save@${QROUTER}.txt`, 21],
  );
  assert.equal(hops[15]?.packet.srcIp, "203.0.113.11");
  assert.equal(hops[17]?.tcpdump, "tcpdump -e -n -i em4 'icmp'");
  assert.equal(r.request.verdict.status, "delivered");
  assert.match(r.request.verdict.where, /ext-net-flat-319 .*via network:em4/);
  // Patch ports cannot be captured: the snooper mirror as an internal port, in one ovs-vsctl transaction.
  const patch = hops[4] as Hop;
  assert.equal(patch.tcpdump, "tcpdump -e -n -i snooper0 'vlan 1 and icmp'");
  assert.equal(patch.mirror?.setup.filter((c) => c.startsWith("ovs-vsctl")).length, 1);
  assert.match(
    patch.mirror?.setup[0] ?? "",
    /^ovs-vsctl add-port br-int snooper0 -- set interface snooper0 type=internal -- .*create Mirror .*select-src-port=@p select-dst-port=@p output-port=@out -- add Bridge br-int mirrors @m$/,
  );
  assert.match(
    patch.mirror?.cleanup.join("\n") ?? "",
    /remove Bridge br-int mirrors @m -- del-port br-int snooper0/,
  );
  assert.equal(patch.mirror?.ovsTcpdump, "ovs-tcpdump -i int-br-em3 -e -n 'vlan 1 and icmp'");
  assert.ok(r.assumptions.some((a) => /ARP is assumed resolved/.test(a)));
  assert.ok(r.assumptions.some((a) => /conntrack/.test(a)));
});

test("the reply comes back: conntrack undoes the SNAT, 324 on the wire again, local VLAN 1 on compute", () => {
  const r = traceRoute(example(), { from: "instance-0000000a", to: "8.8.8.8" });
  const reply = r.reply as TracePath;
  assert.ok(reply, r.replySkipped);
  assert.deepEqual([reply.packet.srcIp, reply.packet.dstIp], ["8.8.8.8", "203.0.113.11"]);
  assert.equal(reply.packet.dstMac, "fa:16:3e:67:ad:20", "to the router's qg- MAC");
  const ct = find(reply, (h) => h.rule?.kind === "conntrack");
  assert.equal(ct.rule?.text, "un-SNAT 203.0.113.11 → 10.0.24.3");
  const em3 = find(reply, (h) => h.node === "network" && h.device === "em3" && h.direction === "out");
  assert.equal(em3.vlan, 324);
  assert.equal(em3.flows?.at(-1)?.summary, "priority=4,in_port=2,dl_vlan=2 actions=mod_vlan_vid:324,NORMAL");
  const qvo = find(reply, (h) => h.device === "qvoff8e411e-6e");
  assert.equal(qvo.localVlan, 1);
  assert.equal(qvo.flows?.at(-1)?.summary, "priority=3,in_port=1,dl_vlan=324 actions=mod_vlan_vid:1,NORMAL");
  assert.equal(reply.verdict.status, "delivered");
  assert.equal(reply.verdict.where, "instance-0000000a on compute (tapff8e411e-6e)");
  assert.equal(r.verdict.status, "delivered");
});

test("VM → VM on the same network on another node: 324 on the wire, local VLAN 3 on the controller", () => {
  const r = traceRoute(example(), { from: "fa:16:3e:a4:56:3d", to: "10.0.24.4" });
  assert.equal(r.to.vm?.domain, "instance-0000000b");
  assert.equal(r.request.packet.dstMac, "fa:16:3e:96:75:e9", "same subnet: straight to the VM, no router");
  assert.ok(!r.request.hops.some((h) => h.componentKind === "namespace"));
  const wire = find(r.request, (h) => h.componentKind === "wire");
  assert.equal(wire.vlan, 324);
  assert.match(wire.device ?? "", /→ controller:em3$/);
  const qvo = find(r.request, (h) => h.node === "controller" && h.device === "qvo625be014-05");
  assert.equal(qvo.localVlan, 3);
  assert.equal(qvo.flows?.at(-1)?.summary, "priority=3,in_port=1,dl_vlan=324 actions=mod_vlan_vid:3,NORMAL");
  const last = r.request.hops.at(-1) as Hop;
  assert.deepEqual([last.node, last.component, last.action], ["controller", "tap625be014-05", "delivered"]);
  assert.equal(last.tcpdump, "tcpdump -e -n -i tap625be014-05 'icmp'");
  assert.equal(r.reply?.verdict.where, "instance-0000000a on compute (tapff8e411e-6e)");
  assert.equal(r.verdict.status, "delivered");
});

test("a VM with two NICs uses the one on the destination's subnet", () => {
  const r = traceRoute(example(), { from: "instance-0000000b", to: "10.0.28.3" });
  assert.equal(r.from.device, "tap6390dbea-72");
  assert.ok(r.assumptions.some((a) => /2 interfaces: using tap6390dbea-72/.test(a)));
  const wire = find(r.request, (h) => h.componentKind === "wire");
  assert.equal(wire.vlan, 328);
  assert.equal(r.request.verdict.where, "instance-00000009 on compute (tap1d40b89c-fe)");
});

test("missing 324 translation on the network node's br-int: stops there on `priority=2,in_port=1 actions=drop`", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${N}/ovs-ofctl-dump-flows@br-int.txt`, (t) =>
      t
        .split("\n")
        .filter((l) => !l.includes("dl_vlan=324"))
        .join("\n"),
    );
    const r = traceRoute(s.model(), { from: "instance-0000000a", to: "8.8.8.8" });
    const v = r.request.verdict;
    assert.equal(v.status, "dropped");
    const hop = r.request.hops[(v.hop as number) - 1] as Hop;
    assert.deepEqual(
      [hop.node, hop.component, hop.device, hop.vlan, hop.action],
      ["network", "br-int", "int-br-em3", 324, "dropped"],
    );
    assert.equal(v.flow?.summary, "priority=2,in_port=1 actions=drop");
    assert.deepEqual(
      [v.flow?.node, v.flow?.bridge, v.flow?.table, v.flow?.priority, v.flow?.nPackets],
      ["network", "br-int", 0, 2, 555],
    );
    assert.match(v.reason, /no VLAN translation for VLAN 324 \(int-net-324\) from int-br-em3/);
    assert.match(v.reason, /priority=3,in_port=1,dl_vlan=324 actions=mod_vlan_vid:2,NORMAL` is missing/);
    assert.equal(r.reply, undefined);
    assert.match(r.replySkipped ?? "", /does not arrive/);
    assert.equal(r.verdict.status, "dropped");
  });
});

test("compute br-em3 tagging 325 instead of 324: lost on the network node's br-int, cause named at compute br-em3", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${C}/ovs-ofctl-dump-flows@br-em3.txt`, (t) =>
      t.replace("dl_vlan=1 actions=mod_vlan_vid:324", "dl_vlan=1 actions=mod_vlan_vid:325"),
    );
    const r = traceRoute(s.model(), { from: "instance-0000000a", to: "8.8.8.8" });
    const wire = find(r.request, (h) => h.componentKind === "wire");
    assert.equal(wire.vlan, 325);
    assert.match(wire.notes?.join() ?? "", /leaves compute:em3 VLAN 325 but int-net-324 is VLAN 324/);
    const v = r.request.verdict;
    assert.equal(v.status, "dropped");
    const hop = r.request.hops[(v.hop as number) - 1] as Hop;
    assert.deepEqual([hop.node, hop.component, hop.device], ["network", "br-int", "int-br-em3"]);
    assert.match(v.reason, /switched in local VLAN 4, qr-e6256f7d-31 is in local VLAN 2/);
    assert.equal(v.flow?.summary, "priority=3,in_port=1,dl_vlan=325 actions=mod_vlan_vid:4,NORMAL");
    assert.equal(v.cause?.flow?.summary, "priority=4,in_port=2,dl_vlan=1 actions=mod_vlan_vid:325,NORMAL");
    assert.deepEqual(
      [v.cause?.flow?.node, v.cause?.flow?.bridge, v.cause?.flow?.evidence.line],
      ["compute", "br-em3", 2],
    );
    const causeHop = r.request.hops[(v.cause?.hop as number) - 1] as Hop;
    assert.deepEqual([causeHop.node, causeHop.component, causeHop.device], ["compute", "br-em3", "em3"]);
  });
});

test("no SNAT rule for the VM's subnet: stops at the qrouter, leaving qg- with a private source", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${N}/ns-iptables-save@${QROUTER}.txt`, (t) =>
      t
        .split("\n")
        .filter((l) => !/-j SNAT/.test(l))
        .join("\n"),
    );
    const r = traceRoute(s.model(), { from: "instance-0000000a", to: "8.8.8.8" });
    const v = r.request.verdict;
    assert.equal(v.status, "dropped");
    const hop = r.request.hops[(v.hop as number) - 1] as Hop;
    assert.deepEqual(
      [hop.node, hop.component, hop.device, hop.componentKind],
      ["network", QROUTER, "qg-35916e1f-36", "namespace"],
    );
    assert.match(v.reason, /no SNAT rule of .* matches source 10\.0\.24\.3 out of qg-35916e1f-36/);
    assert.match(v.reason, /private source 10\.0\.24\.3/);
    // Traffic between tenant subnets needs no SNAT and still gets through.
    const east = traceRoute(s.model(), { from: "instance-0000000a", to: "10.0.28.3" });
    assert.equal(east.request.verdict.status, "delivered");
  });
});

test("a floating IP from outside: DNAT to the VM in the router, the reply un-DNAT-ed by conntrack", () => {
  const r = traceRoute(example(), { from: "8.8.8.8", to: "203.0.113.11" });
  const first = r.request.hops[0] as Hop;
  assert.deepEqual([first.componentKind, first.node, first.direction], ["wire", "network", "in"]);
  assert.match(first.device ?? "", /→ network:em4$/);
  const dnat = find(r.request, (h) => h.rule?.kind === "nat");
  assert.match(
    dnat.reason,
    /PREROUTING DNAT 203\.0\.113\.11 → 10\.0\.24\.3: -A neutron-l3-agent-PREROUTING -d 203\.0\.113\.11\/32 -j DNAT --to-destination 10\.0\.24\.3/,
  );
  assert.equal(r.request.verdict.where, "instance-0000000a on compute (tapff8e411e-6e)");
  const reply = r.reply as TracePath;
  assert.equal(
    find(reply, (h) => h.rule?.kind === "conntrack").rule?.text,
    "un-DNAT 10.0.24.3 → 203.0.113.11",
  );
  assert.equal(reply.verdict.status, "delivered");
  assert.match(reply.verdict.where, /via network:em4/);
  assert.equal(reply.hops.at(-2)?.packet.srcIp, "203.0.113.11");
});

test("from the router namespace, and to the router itself", () => {
  const out = traceRoute(example(), { from: "qrouter-e521f9d0", to: "10.0.24.3" });
  assert.equal(out.request.packet.srcIp, "10.0.24.1", "source address of the route's device");
  assert.equal(out.request.packet.srcMac, "fa:16:3e:16:14:dc");
  assert.equal(out.request.verdict.where, "instance-0000000a on compute (tapff8e411e-6e)");
  const to = traceRoute(example(), { from: "instance-0000000a", to: "router" });
  assert.equal(to.to.ip, "10.0.24.1");
  assert.equal(to.request.verdict.status, "delivered");
  assert.match(
    to.request.verdict.where,
    /^qrouter-e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5 on network \(qr-e6256f7d-31\)$/,
  );
  assert.equal(to.reply?.verdict.status, "delivered");
});

test("an address nobody holds: ARP unanswered at the VM, never a bare 'unreachable'", () => {
  const r = traceRoute(example(), { from: "instance-0000000a", to: "10.0.24.99" });
  assert.equal(r.request.hops.length, 1);
  assert.equal(r.request.verdict.status, "dropped");
  assert.match(
    r.request.verdict.reason,
    /ARP for 10\.0\.24\.99 on int-net-324 \(10\.0\.24\.0\/24\) gets no answer/,
  );
});

test("tcp:22 uses port filters in the captures", () => {
  const r = traceRoute(example(), {
    from: "instance-0000000a",
    to: "10.0.24.4",
    proto: { name: "tcp", port: 22 },
  });
  assert.equal(
    find(r.request, (h) => h.device === "em3").tcpdump,
    "tcpdump -e -n -i em3 'vlan 324 and tcp port 22'",
  );
  assert.equal(r.verdict.status, "delivered");
});

test("a MAC table from the snapshot replaces flooding with the learned port", () => {
  withSnap(exampleCopy(), (s) => {
    s.write(
      `${C}/ovs-fdb@br-int.txt`,
      " port  VLAN  MAC                Age\n    1     1  fa:16:3e:16:14:dc    3\n",
    );
    const snap = readSnapshot(s.root);
    const r = traceRoute(buildModel(snap), {
      from: "instance-0000000a",
      to: "8.8.8.8",
      fdb: readFdbTables(snap),
    });
    const hop = r.request.hops[4] as Hop;
    assert.match(hop.reason, /FDB: destination learned on 1\(int-br-em3\) in VLAN 1/);
    assert.equal(hop.notes, undefined, "nothing else was flooded");
  });
});

test("a switch port whose LLDP VLAN list lacks 324: dropped on the wire, naming the port and the list", () => {
  withSnap(exampleCopy(), (s) => {
    const tlvs = [319, 320, 325, 327, 328]
      .map(
        (v) =>
          `Organization specific TLV (127), length 16: OUI Ethernet bridged (0x0080c2)\n  VLAN name Subtype (3)\n    vlan id (VID): ${v}\n    vlan name: net-${v}\n`,
      )
      .join("");
    s.edit(`${N}/lldp@em3.txt`, (t) =>
      t.replace("   port vlan id (PVID): 1\n", `   port vlan id (PVID): 1\n${tlvs}`),
    );
    const r = traceRoute(s.model(), { from: "instance-0000000a", to: "8.8.8.8" });
    const v = r.request.verdict;
    assert.equal(v.status, "dropped");
    const hop = r.request.hops[(v.hop as number) - 1] as Hop;
    assert.deepEqual([hop.componentKind, hop.vlan], ["wire", 324]);
    assert.match(
      v.reason,
      /GigabitEthernet2\/0\/5 does not carry VLAN 324: LLDP lists VLANs 319,320,325,327,328/,
    );
    assert.equal(v.rule?.path, `${N}/lldp@em3.txt`);
  });
});

test("no flow dump for a bridge on the path: incomplete, not a guess", () => {
  withSnap(exampleCopy(), (s) => {
    s.remove(`${N}/ovs-ofctl-dump-flows@br-em3.txt`);
    s.remove(`${N}/ovs-ofctl-dump-flows@br-em3.meta.json`);
    const r = traceRoute(s.model(), { from: "instance-0000000a", to: "8.8.8.8" });
    assert.equal(r.request.verdict.status, "incomplete");
    assert.match(r.request.verdict.reason, /no `ovs-ofctl dump-flows br-em3` for network/);
    assert.equal(r.verdict.status, "incomplete");
  });
});

test("the VM's qvo parked on the dead VLAN 4095: dropped at the provider bridge, the cause named at the qvo", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${C}/ovs-vsctl-show.txt`, (t) => t.replace(/(Port "qvoff8e411e-6e"\n\s+tag: )1\n/, "$14095\n"));
    const r = traceRoute(s.model(), { from: "instance-0000000a", to: "8.8.8.8" });
    const v = r.request.verdict;
    assert.equal(v.status, "dropped");
    assert.equal(v.flow?.summary, "priority=2,in_port=2 actions=drop");
    assert.match(v.reason, /local VLAN 4095 is Neutron's dead VLAN/);
    assert.equal(v.cause?.hop, 4);
    assert.match(v.cause?.reason ?? "", /qvoff8e411e-6e on compute br-int has tag 4095/);
  });
});
