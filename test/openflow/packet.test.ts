import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  fieldByName,
  fieldFor,
  formatIpv6,
  formatPacket,
  makePacket,
  type Packet,
  PROTOCOLS,
  packetToWords,
  parseFieldValue,
  parseIpv6,
  parsePacket,
  prereqOk,
  resolvePortNumber,
  W_REGS,
  W_VLAN0,
  wordsToPacket,
  writeField,
} from "../../src/openflow/packet.js";
import { parseFlowDump } from "../../src/parse/ofctl-flows.js";
import { allRealFixtures, realFixture } from "../helpers/fixtures.js";

test("every spelling of a field names the same slot, with the field's width", () => {
  const same = (names: string[], bits: number): void => {
    const defs = names.map((n) => fieldByName(n));
    for (const [i, d] of defs.entries()) assert.ok(d, `${names[i]} is known`);
    for (const d of defs) assert.equal(d, defs[0], names.join(" = "));
    assert.equal(defs[0]?.bits, bits, names[0]);
  };
  same(["vlan_tci", "NXM_OF_VLAN_TCI"], 16);
  same(["vlan_vid", "OXM_OF_VLAN_VID"], 13);
  same(["dl_vlan_pcp", "vlan_pcp", "OXM_OF_VLAN_PCP"], 3);
  same(["reg5", "NXM_NX_REG5", "nxm_nx_reg5"], 32);
  same(["in_port", "NXM_OF_IN_PORT", "OXM_OF_IN_PORT"], 16);
  same(["nw_src", "ip_src", "NXM_OF_IP_SRC", "OXM_OF_IPV4_SRC"], 32);
  same(["dl_dst", "eth_dst", "NXM_OF_ETH_DST"], 48);
  same(["tun_id", "tunnel_id", "NXM_NX_TUN_ID"], 64);
  same(["metadata", "OXM_OF_METADATA"], 64);
  same(["ct_state", "NXM_NX_CT_STATE"], 8);
  same(["ct_mark", "NXM_NX_CT_MARK"], 32);
  // Views of one TCI: dl_vlan is its 12 VID bits, vlan_vid adds the "present" bit, PCP the top 3.
  const tci = fieldByName("vlan_tci");
  for (const n of ["dl_vlan", "vlan_vid", "dl_vlan_pcp"]) assert.equal(fieldByName(n)?.word, tci?.word, n);
  assert.equal(fieldByName("dl_vlan")?.bits, 12);
  assert.equal(fieldByName("dl_vlan_pcp")?.shift, 13);
  // xreg0 is reg0 (high half) and reg1; OVS keeps ARP addresses where IPv4 ones go.
  assert.deepEqual([fieldByName("xreg0")?.word, fieldByName("xreg0")?.words], [W_REGS, 2]);
  assert.equal(fieldByName("arp_spa")?.word, fieldByName("nw_src")?.word);
  assert.equal(fieldByName("icmp_type")?.word, fieldByName("tp_src")?.word);
  assert.equal(fieldFor("nw_src", 0x0806)?.name, "arp_spa");
  assert.equal(fieldFor("nw_src", 0x0800)?.name, "nw_src");
});

test("every match field and written field in the real ovs-ofctl dumps is modelled", () => {
  const unknown = new Set<string>();
  // Not bridge/dump-flows: it adds OVS's hidden table-254 flows (recirc_id), which no trace reaches.
  for (const path of allRealFixtures().filter((p) => /ovs-ofctl.*dump-flows/.test(p))) {
    for (const f of parseFlowDump(realFixture(path)).value.flows) {
      for (const m of f.match) {
        if (m.value === undefined ? !PROTOCOLS.has(m.name) : fieldByName(m.name) === undefined)
          unknown.add(`${path}: ${m.name}`);
      }
      for (const a of f.actions) {
        const written =
          a.kind === "set_field"
            ? a.field
            : a.kind === "load"
              ? a.dst.field
              : a.kind === "move"
                ? a.dst.field
                : undefined;
        if (written !== undefined && fieldByName(written) === undefined) unknown.add(`${path}: ${written}`);
      }
    }
  }
  assert.deepEqual([...unknown], []);
});

test("values: numbers with masks, CIDR and dotted masks, MAC masks, ports by name, ct_state flags", () => {
  const v = (name: string, value: string, mask?: string) => {
    const f = fieldByName(name);
    assert.ok(f, name);
    return parseFieldValue(f, value, mask, new Map([["tap0ab9a23c-99", 5]]));
  };
  assert.deepEqual(v("vlan_tci", "0x1000", "0x1000"), { value: 0x1000n, mask: 0x1000n });
  assert.deepEqual(v("tp_dst", "0x0400", "0xfc00"), { value: 0x400n, mask: 0xfc00n });
  assert.deepEqual(v("nw_src", "10.0.0.0", "24"), { value: 0x0a000000n, mask: 0xffffff00n });
  assert.deepEqual(v("nw_src", "10.0.1.7", "255.255.254.0"), { value: 0x0a000000n, mask: 0xfffffe00n });
  assert.deepEqual(v("dl_dst", "01:00:00:00:00:00", "01:00:00:00:00:00"), {
    value: 0x010000000000n,
    mask: 0x010000000000n,
  });
  assert.deepEqual(v("ipv6_src", "fe80::", "64"), {
    value: 0xfe80n << 112n,
    mask: ((1n << 64n) - 1n) << 64n,
  });
  assert.deepEqual(v("in_port", "tap0ab9a23c-99"), { value: 5n, mask: 0xffffn });
  assert.deepEqual(v("in_port", "LOCAL"), { value: 0xfffen, mask: 0xffffn });
  assert.equal(v("in_port", "no-such-port"), undefined);
  // +trk-est: trk (0x20) must be set, est (0x02) clear; `est|trk` is an exact value as flows print it.
  assert.deepEqual(v("ct_state", "+trk-est"), { value: 0x20n, mask: 0x22n });
  assert.deepEqual(v("ct_state", "est|trk"), { value: 0x22n, mask: 0xffn });
  assert.deepEqual(v("ct_state", "+est-rel-rpl"), { value: 0x02n, mask: 0x0en });
  assert.equal(v("ct_state", "+bogus"), undefined);
  assert.deepEqual(v("nw_frag", "later"), { value: 3n, mask: 3n });
  assert.equal(resolvePortNumber("IN_PORT"), 0xfff8);
});

test("prerequisites: L4 ports need TCP/UDP/SCTP (or ICMP for the shared slot), ND needs type 135/136 code 0", () => {
  assert.equal(prereqOk("tcp", 0x0800, 6), true);
  assert.equal(prereqOk("tcp", 0x86dd, 6), true);
  assert.equal(prereqOk("tcp", 0x0800, 17), false);
  assert.equal(prereqOk("tcp", undefined, undefined), false);
  assert.equal(prereqOk("l4_or_icmp", 0x0800, 1), true);
  assert.equal(prereqOk("ip_any", 0x0806, undefined), false);
  assert.equal(prereqOk("arp", 0x8035, undefined), true);
  assert.equal(prereqOk("nd", 0x86dd, 58, 136, 0), true);
  assert.equal(prereqOk("nd", 0x86dd, 58, 136, 1), false);
  assert.equal(prereqOk("nd_ns", 0x86dd, 58, 136, 0), false);
});

test("dl_vlan writes set the 'present' bit; dl_vlan=0xffff removes the tag; nw_tos keeps ECN", () => {
  const w = packetToWords(
    makePacket({ in_port: 1, vlans: [{ vid: 7, pcp: 5 }], dl_type: 0x0800, nw_tos: 0, nw_ecn: 2 }),
  );
  writeField(w, fieldByName("dl_vlan") as NonNullable<ReturnType<typeof fieldByName>>, 9n);
  assert.deepEqual(wordsToPacket(w).vlans, [{ vid: 9, pcp: 5 }]);
  writeField(w, fieldByName("dl_vlan") as NonNullable<ReturnType<typeof fieldByName>>, 0xffffn);
  assert.equal(w[W_VLAN0], 0);
  writeField(w, fieldByName("nw_tos") as NonNullable<ReturnType<typeof fieldByName>>, 0xb8n);
  const p = wordsToPacket(w);
  assert.deepEqual([p.nw_tos, p.nw_ecn], [0xb8, 2]);
});

test("OVS flow syntax: a packet survives formatPacket → parsePacket (property)", () => {
  const mac = fc.tuple(fc.nat(0xffff), fc.nat(0xffffffff)).map(([h, l]) => {
    const hex = ((BigInt(h) << 32n) | BigInt(l)).toString(16).padStart(12, "0");
    return hex.replace(/(..)(?!$)/g, "$1:");
  });
  const ip = fc.nat(0xffffffff).map((n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join("."));
  const ip6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map(formatIpv6);
  const vlan = fc.record({ vid: fc.nat(4095), pcp: fc.nat(7) });
  const base = fc.record({
    in_port: fc.nat(0xfffe),
    dl_src: mac,
    dl_dst: mac,
    vlans: fc.array(vlan, { maxLength: 1 }),
    regs: fc.array(fc.nat(0xffffffff), { minLength: 16, maxLength: 16 }),
    ct_state: fc.nat(0xff),
    ct_mark: fc.nat(0xffffffff),
  });
  const l3 = fc.oneof(
    fc.record({
      dl_type: fc.constant(0x0800),
      nw_src: ip,
      nw_dst: ip,
      nw_proto: fc.constantFrom(6, 17, 132),
      nw_ttl: fc.nat(255),
      tp_src: fc.nat(0xffff),
      tp_dst: fc.nat(0xffff),
    }),
    fc.record({
      dl_type: fc.constant(0x0800),
      nw_src: ip,
      nw_dst: ip,
      nw_proto: fc.constant(1),
      nw_ttl: fc.nat(255),
      icmp_type: fc.nat(255),
      icmp_code: fc.nat(255),
    }),
    fc.record({
      dl_type: fc.constant(0x86dd),
      ipv6_src: ip6,
      ipv6_dst: ip6,
      nw_proto: fc.constant(58),
      nw_ttl: fc.nat(255),
      icmp_type: fc.constant(135),
      icmp_code: fc.constant(0),
      nd_target: ip6,
      nd_sll: mac,
    }),
    fc.record({
      dl_type: fc.constant(0x0806),
      arp_op: fc.nat(255),
      arp_spa: ip,
      arp_tpa: ip,
      arp_sha: mac,
      arp_tha: mac,
    }),
    fc.record({ dl_type: fc.constantFrom(0x88cc, 0x8847) }),
  );
  fc.assert(
    fc.property(base, l3, (b, l) => {
      const packet = wordsToPacket(packetToWords({ ...b, ...l } as Packet));
      assert.deepEqual(parsePacket(formatPacket(packet)).packet, packet);
    }),
    { numRuns: 300 },
  );
});

test("IPv6 text: RFC 5952 compression and embedded IPv4 (property: parse ∘ format = id)", () => {
  assert.equal(
    formatIpv6(parseIpv6("fe80:0:0:0:f816:3eff:fea7:45cb") as bigint),
    "fe80::f816:3eff:fea7:45cb",
  );
  assert.equal(formatIpv6(parseIpv6("2001:db8:0:1:0:0:0:1") as bigint), "2001:db8:0:1::1");
  assert.equal(formatIpv6(0n), "::");
  assert.equal(parseIpv6("::ffff:10.0.0.1"), 0xffff0a000001n);
  assert.equal(parseIpv6("1::2::3"), undefined);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (v) => parseIpv6(formatIpv6(v)) === v),
    { numRuns: 500 },
  );
});

test("parsePacket reports what it does not model and rejects bad values", () => {
  const { packet, ignored } = parsePacket("recirc_id=0x1,eth,ip,in_port=3,nw_src=10.0.0.1,dp_hash=0x5");
  assert.equal(packet.nw_src, "10.0.0.1");
  assert.deepEqual(ignored.sort(), ["dp_hash", "eth", "recirc_id"]);
  assert.throws(() => parsePacket("ip,nw_src=10.0.0.300"), /bad nw_src value/);
  // `nw_src` on an ARP packet is its sender address, as in OVS.
  assert.equal(parsePacket("arp,nw_src=10.0.0.1,in_port=1").packet.arp_spa, "10.0.0.1");
});
