import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Flow } from "../../src/openflow/flow.js";
import {
  Classifier,
  type ClassifierEntry,
  compileMatch,
  flowMatches,
  matchesWords,
} from "../../src/openflow/match.js";
import { makePacket, type Packet, packetToWords, parsePacket, type Vlan } from "../../src/openflow/packet.js";
import { isFlow, parseFlowLine } from "../../src/parse/ofctl-flows.js";

function flow(text: string, line = 1): Flow {
  const f = parseFlowLine(text, line);
  assert.ok(isFlow(f), text);
  return f;
}

const pkt = (text: string): Packet => parsePacket(text).packet;
const matches = (match: string, packet: string, ports?: ReadonlyMap<string, number>): boolean =>
  flowMatches(flow(`${match} actions=drop`), pkt(packet), ports);

test("VLAN matches: masks on the TCI, dl_vlan never matches untagged, vlan_tci=0/0x1fff only untagged", () => {
  assert.equal(matches("vlan_tci=0x1000/0x1000", "in_port=1,dl_vlan=5"), true);
  assert.equal(matches("vlan_tci=0x1000/0x1000", "in_port=1"), false);
  assert.equal(matches("vlan_tci=0x0000/0x1fff", "in_port=1"), true);
  assert.equal(matches("vlan_tci=0x0000/0x1fff", "in_port=1,dl_vlan=0"), false); // priority tag: present bit set
  assert.equal(matches("dl_vlan=5", "in_port=1,dl_vlan=5,dl_vlan_pcp=3"), true);
  assert.equal(matches("dl_vlan=0", "in_port=1"), false);
  assert.equal(matches("dl_vlan=0xffff", "in_port=1"), true);
  assert.equal(matches("vlan_vid=0x1005", "in_port=1,dl_vlan=5"), true);
  assert.equal(matches("vlan_vid=0", "in_port=1"), true);
  assert.equal(matches("dl_vlan_pcp=3", "in_port=1,dl_vlan=9,dl_vlan_pcp=3"), true);
  assert.equal(matches("dl_vlan_pcp=0", "in_port=1"), false); // a PCP match needs a tag
  // The dead-VLAN drop flow of the Ussuri fixture asks for VID 4095 *without* the "present" bit, so
  // it matches no frame at all (the 2024.1 fixture's dl_vlan=4095 does match VLAN 4095).
  assert.equal(matches("vlan_tci=0x0fff/0x1fff", "in_port=1,dl_vlan=4095"), false);
  assert.equal(matches("dl_vlan=4095", "in_port=1,dl_vlan=4095"), true);
});

test("L2/L3/L4 masks: CIDR, MAC multicast bit, tp_dst=0x0400/0xfc00, ct_state flags, registers", () => {
  assert.equal(matches("ip,nw_src=10.0.0.0/24", "ip,in_port=1,nw_src=10.0.0.77"), true);
  assert.equal(matches("ip,nw_src=10.0.0.0/24", "ip,in_port=1,nw_src=10.0.1.77"), false);
  assert.equal(matches("ip,nw_src=10.0.0.0/24", "arp,in_port=1,arp_spa=10.0.0.77"), false); // not IP
  assert.equal(
    matches("dl_dst=01:00:00:00:00:00/01:00:00:00:00:00", "in_port=1,dl_dst=ff:ff:ff:ff:ff:ff"),
    true,
  );
  assert.equal(
    matches("dl_dst=01:00:00:00:00:00/01:00:00:00:00:00", "in_port=1,dl_dst=fa:16:3e:00:00:01"),
    false,
  );
  for (const [port, hit] of [
    [1023, false],
    [1024, true],
    [2047, true],
    [2048, false],
  ] as const) {
    assert.equal(matches("tcp,tp_dst=0x0400/0xfc00", `tcp,in_port=1,tp_dst=${port}`), hit, String(port));
  }
  assert.equal(matches("udp,tp_dst=0x0400/0xfc00", "tcp,in_port=1,tp_dst=1024"), false);
  assert.equal(matches("ct_state=+trk-est", "ip,in_port=1,ct_state=trk|new"), true);
  assert.equal(matches("ct_state=+trk-est", "ip,in_port=1,ct_state=trk|est"), false);
  assert.equal(matches("ct_state=-trk", "ip,in_port=1"), true);
  assert.equal(matches("ct_state=+est-rel-rpl,ip,reg5=0x9", "ip,in_port=1,reg5=0x9,ct_state=trk|est"), true);
  assert.equal(matches("reg5=0x4/0xc", "in_port=1,reg5=0x7"), true);
  assert.equal(matches("reg5=0x4/0xc", "in_port=1,reg5=0xb"), false);
  assert.equal(matches("metadata=0x2/0x2", "in_port=1,metadata=0x3"), true);
  assert.equal(matches("tun_id=0x4a", "in_port=1,tun_id=0x4a"), true);
  assert.equal(
    matches(
      "icmp6,icmp_type=136,nd_target=fe80::1",
      "icmp6,in_port=1,icmpv6_type=136,icmpv6_code=0,nd_target=fe80::1",
    ),
    true,
  );
});

test("in_port by number, reserved name or port name (--names dumps); an unknown name never matches", () => {
  const ports = new Map([
    ["int-br-provider", 1],
    ["tap0ab9a23c-99", 5],
  ]);
  assert.equal(matches('in_port="tap0ab9a23c-99"', "in_port=5", ports), true);
  assert.equal(matches("in_port=int-br-provider", "in_port=1", ports), true);
  assert.equal(matches("in_port=5", "in_port=5"), true);
  assert.equal(matches("in_port=LOCAL", "in_port=65534"), true);
  const m = compileMatch(flow('in_port="tap635485ff-6c" actions=drop').match, ports);
  assert.match(m.never ?? "", /not a port/);
  assert.equal(matchesWords(m, packetToWords(makePacket({ in_port: 3 }))), false);
});

test("OVS aliases: nw_src on ARP is arp_spa, tp_dst on ICMP is the ICMP code", () => {
  assert.equal(matches("arp,nw_src=10.0.0.1", "arp,in_port=1,arp_spa=10.0.0.1"), true);
  assert.equal(matches("arp,nw_proto=2", "arp,in_port=1,arp_op=2"), true);
  assert.equal(matches("icmp,tp_dst=3", "icmp,in_port=1,icmp_type=3,icmp_code=3"), true);
  assert.equal(matches("icmp,tp_dst=3", "icmp,in_port=1,icmp_type=3,icmp_code=1"), false);
});

test("a field without its prerequisites is dropped from the match, as ovs-ofctl's normalisation does", () => {
  // `ovs-ofctl add-flow br tp_dst=80,actions=…` installs a flow matching every packet (OVS 3.1 logs
  // "normalization changed ofp_match"); the agreement test checks this against a real switch.
  const m = compileMatch(flow("tp_dst=80 actions=drop").match);
  assert.deepEqual(m.normalized, ["tp_dst"]);
  assert.equal(m.words.length, 0);
  assert.equal(matches("tp_dst=80", "arp,in_port=1"), true);
  assert.deepEqual(compileMatch(flow("ip,tp_dst=80 actions=drop").match).normalized, ["tp_dst"]);
  assert.deepEqual(compileMatch(flow("nw_src=10.0.0.1,in_port=1 actions=drop").match).normalized, ["nw_src"]);
  assert.deepEqual(compileMatch(flow("tcp,tp_dst=80 actions=drop").match).normalized, []);
  // ND fields need type 135/136; a wildcarded ICMP code counts as 0 (OVS accepts this Neutron flow).
  assert.deepEqual(
    compileMatch(flow("icmp6,icmp_type=136,nd_target=fe80::1 actions=drop").match).normalized,
    [],
  );
  assert.deepEqual(
    compileMatch(flow("icmp6,icmp_type=130,nd_target=fe80::1 actions=drop").match).normalized,
    ["nd_target"],
  );
  // Fields the simulator does not model become wildcards and are reported.
  assert.deepEqual(compileMatch(flow("ip,tun_flags=+oam actions=drop").match).ignored, ["tun_flags=+oam"]);
});

// ---------------------------------------------------------------------------------------------
// Classifier

function entries(lines: readonly string[]): ClassifierEntry<Flow>[] {
  return lines.map((text, i) => {
    const f = flow(text, i + 1);
    const conj = f.actions.flatMap((a) =>
      a.kind === "conjunction" ? [{ id: a.id, clause: a.clause, nClauses: a.nClauses }] : [],
    );
    return { priority: f.priority, match: compileMatch(f.match), conj, order: i, item: f };
  });
}

const lookupLine = (c: Classifier<Flow>, packet: string): number | undefined =>
  c.lookup(packetToWords(pkt(packet))).entry?.item.line;

test("highest priority wins across subtables; equal priorities are reported as a tie", () => {
  const c = new Classifier(
    entries([
      "priority=10,in_port=1 actions=drop",
      "priority=20,ip actions=drop",
      "priority=20,dl_vlan=5 actions=drop",
      "priority=0 actions=drop",
    ]),
  );
  assert.equal(lookupLine(c, "in_port=1"), 1);
  assert.equal(lookupLine(c, "ip,in_port=1"), 2);
  assert.equal(lookupLine(c, "in_port=2"), 4);
  const tie = c.lookup(packetToWords(pkt("ip,in_port=1,dl_vlan=5")));
  assert.equal(tie.entry?.item.line, 2);
  assert.deepEqual(
    tie.tied.map((e) => e.item.line),
    [3],
  );
});

test("conjunctions: all clauses must match at one priority, then the conj_id flow runs", () => {
  // The Neutron firewall shape: clause 1 = remote address, clause 2 = port's own rule.
  const c = new Classifier(
    entries([
      "priority=70,ip,nw_src=10.0.0.1 actions=conjunction(16,1/2)",
      "priority=70,ip,nw_src=10.0.0.2 actions=conjunction(16,1/2),conjunction(17,1/2)",
      "priority=70,tcp,tp_dst=22 actions=conjunction(16,2/2)",
      "priority=70,tcp,tp_dst=80 actions=conjunction(17,2/2)",
      "priority=70,conj_id=16,ip actions=output:1",
      "priority=70,conj_id=17,ip actions=output:2",
      "priority=50,ip actions=drop",
      "priority=60,udp actions=drop",
    ]),
  );
  const r = c.lookup(packetToWords(pkt("tcp,in_port=9,nw_src=10.0.0.1,tp_dst=22")));
  assert.equal(r.entry?.item.line, 5);
  assert.equal(r.conjunction?.id, 16);
  assert.deepEqual(r.conjunction?.clauses.map((e) => e.item.line).sort(), [1, 3]);
  assert.equal(lookupLine(c, "tcp,in_port=9,nw_src=10.0.0.2,tp_dst=80"), 6); // one flow, two conjunctions
  assert.equal(lookupLine(c, "tcp,in_port=9,nw_src=10.0.0.1,tp_dst=80"), 7); // clause 2 of 16 missing
  assert.equal(lookupLine(c, "tcp,in_port=9,nw_src=10.0.0.9,tp_dst=22"), 7); // clause 1 missing
  // A conj_id flow never matches a packet by itself.
  assert.equal(lookupLine(c, "ip,in_port=9,nw_src=10.0.0.3"), 7);
});

test("conjunctions lose to a higher-priority ordinary flow, and fall back to a lower flow with the same match", () => {
  const c = new Classifier(
    entries([
      "priority=70,ip,nw_src=10.0.0.1 actions=conjunction(5,1/2)",
      "priority=70,tcp,tp_dst=22 actions=conjunction(5,2/2)",
      "priority=70,conj_id=5,ip actions=output:1",
      "priority=80,tcp,tp_dst=22,nw_dst=10.9.9.9 actions=drop",
      "priority=65,ip,nw_src=10.0.0.1 actions=output:3",
    ]),
  );
  assert.equal(lookupLine(c, "tcp,in_port=1,nw_src=10.0.0.1,nw_dst=10.9.9.9,tp_dst=22"), 4);
  assert.equal(lookupLine(c, "tcp,in_port=1,nw_src=10.0.0.1,nw_dst=10.1.1.1,tp_dst=22"), 3);
  // Clause 2 missing: the lower-priority flow with the same match as clause 1 runs.
  assert.equal(lookupLine(c, "tcp,in_port=1,nw_src=10.0.0.1,nw_dst=10.1.1.1,tp_dst=80"), 5);
});

test("classifier = brute force (highest priority among matching flows) on random tables (property)", () => {
  const matchPart = fc.oneof(
    fc.constant(""),
    fc.nat(4).map((p) => `in_port=${p}`),
    fc.nat(3).map((v) => `dl_vlan=${v + 1}`),
    fc.constantFrom("vlan_tci=0x1000/0x1000", "vlan_tci=0x0000/0x1fff"),
    fc.constantFrom("ip", "tcp,tp_dst=22", "tcp,tp_dst=0x0010/0xfff0", "udp", "arp,arp_op=1"),
    fc.constantFrom("ip,nw_src=10.0.0.0/30", "ip,nw_dst=10.0.0.2"),
    fc.nat(3).map((r) => `reg0=${r}/0x3`),
    fc.constantFrom("dl_dst=01:00:00:00:00:00/01:00:00:00:00:00", "dl_src=fa:16:3e:00:00:01"),
  );
  const table = fc.uniqueArray(
    fc.record({ priority: fc.nat(60), parts: fc.array(matchPart, { maxLength: 3 }) }),
    { minLength: 1, maxLength: 25, selector: (f) => f.priority },
  );
  const packet = fc.record({
    in_port: fc.nat(4),
    vlans: fc.constantFrom<Vlan[]>([], [{ vid: 1, pcp: 0 }], [{ vid: 3, pcp: 2 }]),
    proto: fc.constantFrom("tcp", "udp", "arp", "other"),
    tp_dst: fc.constantFrom(22, 17, 80),
    nw: fc.constantFrom("10.0.0.1", "10.0.0.2", "10.0.0.9"),
    reg0: fc.nat(7),
    dst: fc.constantFrom("ff:ff:ff:ff:ff:ff", "fa:16:3e:00:00:01"),
  });
  fc.assert(
    fc.property(table, fc.array(packet, { minLength: 1, maxLength: 10 }), (flows, packets) => {
      const lines = flows.map(
        (f) =>
          `priority=${f.priority}${f.parts
            .filter((p) => p !== "")
            .map((p) => "," + p)
            .join("")} actions=drop`,
      );
      const es = entries(lines);
      const c = new Classifier(es);
      for (const p of packets) {
        const l3 =
          p.proto === "tcp" || p.proto === "udp"
            ? {
                dl_type: 0x0800,
                nw_proto: p.proto === "tcp" ? 6 : 17,
                nw_src: p.nw,
                nw_dst: p.nw,
                tp_dst: p.tp_dst,
              }
            : p.proto === "arp"
              ? { dl_type: 0x0806, arp_op: 1, arp_spa: p.nw }
              : { dl_type: 0x88cc };
        const w = packetToWords(
          makePacket({
            in_port: p.in_port,
            vlans: p.vlans,
            dl_dst: p.dst,
            dl_src: p.dst,
            regs: [p.reg0],
            ...l3,
          }),
        );
        const best = es.filter((e) => matchesWords(e.match, w)).sort((a, b) => b.priority - a.priority)[0];
        assert.equal(c.lookup(w).entry?.item.line, best?.item.line);
      }
    }),
    { numRuns: 300 },
  );
});
