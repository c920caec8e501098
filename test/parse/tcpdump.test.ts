import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTcpdumpPackets } from "../../src/parse/tcpdump.js";
import { guideFixture, labFixture, realFixture } from "../helpers/fixtures.js";

test("-e -n on an OVS trunk port (lab): VLAN 324 tag, MACs, echo request/reply, counters", () => {
  const { value, issues } = parseTcpdumpPackets(
    labFixture("tcpdump-e-n-ovs-trunk-vlan324-echo-request-reply.txt"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.packets.length, 4);
  assert.deepEqual(value.packets[0], {
    time: "01:46:52.300230",
    iface: "ndtcp-vb",
    srcMac: "fa:16:3e:00:00:77",
    dstMac: "4e:0a:16:6d:fd:82",
    vlans: [324],
    ethertype: "0x0800",
    length: 102,
    src: "10.99.0.7",
    dst: "10.99.0.1",
    proto: "ICMP",
    icmp: { type: "echo request", id: 4242, seq: 1 },
    text: "01:46:52.300230 fa:16:3e:00:00:77 > 4e:0a:16:6d:fd:82, ethertype 802.1Q (0x8100), length 102: vlan 324, p 0, ethertype IPv4 (0x0800), 10.99.0.7 > 10.99.0.1: ICMP echo request, id 4242, seq 1, length 64",
    line: 3,
  });
  assert.deepEqual(
    value.packets.map((p) => [p.srcMac, p.vlans, p.icmp?.type, p.icmp?.seq]),
    [
      ["fa:16:3e:00:00:77", [324], "echo request", 1],
      ["4e:0a:16:6d:fd:82", [324], "echo reply", 1],
      ["fa:16:3e:00:00:77", [324], "echo request", 2],
      ["4e:0a:16:6d:fd:82", [324], "echo reply", 2],
    ],
  );
  assert.deepEqual(
    [value.iface, value.linkType, value.captured, value.received, value.dropped],
    ["ndtcp-vb", "EN10MB", 4, 4, 0],
  );
  assert.deepEqual(value.messages, [
    { line: 1, text: "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode" },
  ]);
});

test("-e -n on the VM's access port (lab): the same exchange arrives untagged", () => {
  const { value, issues } = parseTcpdumpPackets(labFixture("tcpdump-e-n-ovs-access-port-untagged-echo.txt"));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.packets.map((p) => [p.vlans, p.ethertype, p.length, p.src, p.dst]),
    [
      [[], "0x0800", 98, "10.99.0.7", "10.99.0.1"],
      [[], "0x0800", 98, "10.99.0.1", "10.99.0.7"],
      [[], "0x0800", 98, "10.99.0.7", "10.99.0.1"],
      [[], "0x0800", 98, "10.99.0.1", "10.99.0.7"],
    ],
  );
});

test("-e -n on the trunk (lab): tagged ARP broadcast and flooded unicast echo", () => {
  const { value, issues } = parseTcpdumpPackets(
    labFixture("tcpdump-e-n-ovs-trunk-vlan324-arp-and-flooded-echo.txt"),
  );
  assert.deepEqual(issues, []);
  const [arp, echo] = value.packets;
  assert.deepEqual(
    [arp?.dstMac, arp?.vlans, arp?.ethertype, arp?.length, arp?.proto, arp?.arp],
    [
      "ff:ff:ff:ff:ff:ff",
      [324],
      "0x0806",
      46,
      "ARP",
      { op: "request", targetIp: "10.99.0.3", senderIp: "10.99.0.1" },
    ],
  );
  assert.equal(arp?.src, undefined);
  assert.deepEqual([echo?.dstMac, echo?.vlans, echo?.dst], ["fa:16:3e:00:00:99", [324], "10.99.0.9"]);
});

test("-e -n -v on the trunk (lab): IP header fields and the indented address line", () => {
  const { value, issues } = parseTcpdumpPackets(labFixture("tcpdump-e-n-v-ovs-trunk-vlan324-echo.txt"));
  assert.deepEqual(issues, []);
  assert.equal(value.packets.length, 2);
  assert.deepEqual(value.packets[1], {
    time: "01:46:26.918400",
    iface: "ndtcp-vb",
    srcMac: "4e:0a:16:6d:fd:82",
    dstMac: "fa:16:3e:00:00:99",
    vlans: [324],
    ethertype: "0x0800",
    length: 102,
    ipHeader: {
      tos: "0x0",
      ttl: "64",
      id: "21006",
      offset: "0",
      flags: "[DF]",
      proto: "ICMP (1)",
      length: "84",
    },
    src: "10.99.0.1",
    dst: "10.99.0.9",
    proto: "ICMP",
    icmp: { type: "echo request", id: 2459, seq: 2 },
    text: [
      "01:46:26.918400 4e:0a:16:6d:fd:82 > fa:16:3e:00:00:99, ethertype 802.1Q (0x8100), length 102: vlan 324, p 0, ethertype IPv4 (0x0800), (tos 0x0, ttl 64, id 21006, offset 0, flags [DF], proto ICMP (1), length 84)",
      "    10.99.0.1 > 10.99.0.9: ICMP echo request, id 2459, seq 2, length 64",
    ].join("\n"),
    line: 4,
  });
  assert.equal(value.messages.length, 0);
});

test("-e -n across a veth (lab): IPv6 router solicitation, ARP who-has/is-at, echo", () => {
  const { value, issues } = parseTcpdumpPackets(labFixture("tcpdump-e-n-c4-veth-ping-ipv6-rs-arp.txt"));
  assert.deepEqual(issues, []);
  const [rs, req, rep, echo] = value.packets;
  assert.deepEqual(
    [rs?.ethertype, rs?.src, rs?.dst, rs?.proto, rs?.icmp],
    ["0x86dd", "fe80::90c4:3ff:fe04:c198", "ff02::2", "ICMP6", { type: "router solicitation" }],
  );
  assert.deepEqual(req?.arp, { op: "request", targetIp: "10.99.0.2", senderIp: "10.99.0.1" });
  assert.deepEqual(rep?.arp, { op: "reply", senderIp: "10.99.0.2", senderMac: "92:c4:03:04:c1:98" });
  assert.deepEqual([rep?.srcMac, rep?.dstMac], ["92:c4:03:04:c1:98", "76:bc:bd:e4:f0:ea"]);
  assert.deepEqual(echo?.icmp, { type: "echo request", id: 32433, seq: 1 });
  // -c 4 stopped the capture: more packets reached the filter than were printed.
  assert.deepEqual([value.captured, value.received, value.dropped], [4, 7, 0]);
});

test("-e -n -v across a veth (lab): ARP with -v prefix, echo reply continuation", () => {
  const { value, issues } = parseTcpdumpPackets(labFixture("tcpdump-e-n-v-veth-icmp-or-arp-ping.txt"));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.packets.map((p) => [p.line, p.proto, p.arp?.op ?? p.icmp?.type, p.ipHeader?.["flags"]]),
    [
      [2, "ARP", "request", undefined],
      [3, "ARP", "reply", undefined],
      [4, "ICMP", "echo request", "[DF]"],
      [6, "ICMP", "echo reply", "[none]"],
    ],
  );
  assert.deepEqual(value.packets[1]?.arp?.senderMac, "92:c4:03:04:c1:98");
  assert.equal(value.iface, "ndtcp-va");
});

test("-e -n / -n on -i any (lab): cooked header gives interface and direction", () => {
  const withE = parseTcpdumpPackets(labFixture("tcpdump-e-n-i-any-sll2-icmp-or-arp.txt"));
  assert.deepEqual(withE.issues, []);
  assert.deepEqual(withE.value.packets[2], {
    time: "01:44:13.951810",
    iface: "ndtcp-va",
    direction: "Out",
    srcMac: "76:bc:bd:e4:f0:ea",
    vlans: [],
    ethertype: "0x0800",
    length: 104,
    src: "10.99.0.1",
    dst: "10.99.0.2",
    proto: "ICMP",
    icmp: { type: "echo request", id: 1041, seq: 1 },
    text: "01:44:13.951810 ndtcp-va Out ifindex 34 76:bc:bd:e4:f0:ea ethertype IPv4 (0x0800), length 104: 10.99.0.1 > 10.99.0.2: ICMP echo request, id 1041, seq 1, length 64",
    line: 6,
  });
  assert.equal(withE.value.iface, "any");
  assert.equal(withE.value.linkType, "LINUX_SLL2");
  const plain = parseTcpdumpPackets(labFixture("tcpdump-n-i-any-sll2-icmp-or-arp.txt"));
  assert.deepEqual(plain.issues, []);
  assert.deepEqual(
    plain.value.packets.map((p) => [p.iface, p.direction, p.proto, p.srcMac]),
    [
      ["ndtcp-va", "Out", "ARP", undefined],
      ["ndtcp-va", "In", "ARP", undefined],
      ["ndtcp-va", "Out", "ICMP", undefined],
      ["ndtcp-va", "In", "ICMP", undefined],
    ],
  );
});

test("-n TCP and UDP (lab): ports and protocol", () => {
  const { value, issues } = parseTcpdumpPackets(labFixture("tcpdump-n-veth-tcp-or-udp.txt"));
  assert.deepEqual(issues, []);
  assert.equal(value.packets.length, 12);
  assert.deepEqual(
    value.packets.slice(0, 3).map((p) => [p.proto, p.src, p.srcPort, p.dst, p.dstPort]),
    [
      ["UDP", "10.99.0.1", 35379, "10.99.0.2", 5001],
      ["TCP", "10.99.0.1", 41746, "10.99.0.2", 8080],
      ["TCP", "10.99.0.2", 8080, "10.99.0.1", 41746],
    ],
  );
  assert.equal(value.packets[0]?.srcMac, undefined);
  assert.equal(value.captured, 12);
});

test("-e -n -r of a written pcap (lab): 802.1Q, QinQ, VXLAN with inner frames", () => {
  const { value, issues } = parseTcpdumpPackets(labFixture("tcpdump-e-n-r-crafted-pcap-vlan-qinq-vxlan.txt"));
  assert.deepEqual(issues, []);
  assert.equal(value.packets.length, 6);
  assert.deepEqual(value.linkType, "EN10MB");
  assert.equal(value.iface, undefined);
  assert.equal(value.captured, undefined);
  assert.deepEqual(
    value.packets.map((p) => [p.vlans, p.ethertype, p.length]),
    [
      [[324], "0x0800", 102],
      [[324], "0x0800", 102],
      [[324], "0x0806", 46],
      [[100, 324], "0x0800", 106],
      [[], "0x0800", 148],
      [[40], "0x0800", 156],
    ],
  );
  const vx = value.packets[5];
  assert.deepEqual(
    [vx?.src, vx?.srcPort, vx?.dst, vx?.dstPort, vx?.proto, vx?.vni],
    ["10.0.0.128", 40000, "10.0.0.114", 4789, "UDP", 1233],
  );
  assert.deepEqual(vx?.inner, {
    srcMac: "fa:16:3e:11:22:33",
    dstMac: "fa:16:3e:44:55:66",
    vlans: [5],
    ethertype: "0x0800",
    length: 102,
    src: "192.168.3.10",
    dst: "192.168.3.1",
    proto: "ICMP",
    icmp: { type: "echo request", id: 1709, seq: 82 },
    text: "fa:16:3e:11:22:33 > fa:16:3e:44:55:66, ethertype 802.1Q (0x8100), length 102: vlan 5, p 0, ethertype IPv4 (0x0800), 192.168.3.10 > 192.168.3.1: ICMP echo request, id 1709, seq 82, length 64",
    line: 9,
  });
  assert.equal(value.packets[4]?.inner?.line, 7);
});

test("-e -n -v -r of the same pcap (lab): inner frame's own header and continuation", () => {
  const { value, issues } = parseTcpdumpPackets(
    labFixture("tcpdump-e-n-v-r-crafted-pcap-vlan-qinq-vxlan.txt"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.packets.length, 6);
  const vx = value.packets[4];
  assert.deepEqual([vx?.line, vx?.vni, vx?.ipHeader?.["proto"], vx?.dstPort], [9, 1001, "UDP (17)", 4789]);
  assert.deepEqual(
    [vx?.inner?.line, vx?.inner?.src, vx?.inner?.icmp?.seq, vx?.inner?.ipHeader?.["id"]],
    [11, "192.168.3.10", 81, "1549"],
  );
  assert.equal(vx?.text.split("\n").length, 2);
  assert.equal(vx?.inner?.text.split("\n").length, 2);
  assert.deepEqual(value.packets[3]?.vlans, [100, 324]);
});

test("-n -r without -e (lab): no link header, VXLAN inner still attached", () => {
  const { value, issues } = parseTcpdumpPackets(labFixture("tcpdump-n-r-crafted-pcap-vlan-qinq-vxlan.txt"));
  assert.deepEqual(issues, []);
  assert.equal(value.packets.length, 6);
  assert.deepEqual(
    value.packets.map((p) => [p.vlans, p.ethertype, p.proto, p.inner?.icmp?.seq]),
    [
      [[], undefined, "ICMP", undefined],
      [[], undefined, "ICMP", undefined],
      [[], undefined, "ARP", undefined],
      [[], undefined, "ICMP", undefined],
      [[], undefined, "UDP", 81],
      [[], undefined, "UDP", 82],
    ],
  );
});

test("VXLAN on the underlay NIC (9506hqwy, real): outer with named port, inner ICMP", () => {
  const { value, issues } = parseTcpdumpPackets(
    realFixture("9506hqwy-study-notes-2024/compute-tcpdump-n-e-i-eth0-vxlan-encap.txt"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.packets.length, 1);
  const { inner, ...outer } = value.packets[0] ?? { vlans: [], text: "", line: 0 };
  assert.deepEqual(outer, {
    time: "00:53:23.602142",
    srcMac: "00:15:5d:bf:ba:50",
    dstMac: "00:15:5d:bf:ba:4f",
    vlans: [],
    ethertype: "0x0800",
    length: 148,
    src: "172.16.0.31",
    srcPort: 44874,
    dst: "172.16.0.11",
    dstPort: "vxlan",
    proto: "UDP",
    vni: 239,
    text: "00:53:23.602142 00:15:5d:bf:ba:50 > 00:15:5d:bf:ba:4f, ethertype IPv4 (0x0800), length 148: 172.16.0.31.44874 > 172.16.0.11.vxlan: VXLAN, flags [I] (0x08), vni 239",
    line: 1,
  });
  assert.deepEqual(
    [
      inner?.srcMac,
      inner?.dstMac,
      inner?.length,
      inner?.src,
      inner?.dst,
      inner?.icmp,
      inner?.line,
      inner?.time,
    ],
    [
      "fa:16:3e:61:21:c6",
      "fa:16:3e:e9:26:5b",
      98,
      "192.168.101.85",
      "192.168.101.1",
      { type: "echo request", id: 7692, seq: 1 },
      2,
      undefined,
    ],
  );
});

test("decapsulated frame on vxlan_sys_4789 (9506hqwy, real)", () => {
  const { value, issues } = parseTcpdumpPackets(
    realFixture("9506hqwy-study-notes-2024/compute-tcpdump-n-e-i-vxlan_sys_4789.txt"),
  );
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.packets.map((p) => [p.srcMac, p.vlans, p.src, p.dst, p.icmp?.id]),
    [["fa:16:3e:61:21:c6", [], "192.168.101.85", "192.168.101.1", 24285]],
  );
});

test("guide: -v ICMP lines whose addresses the blog lost are kept, with a warning", () => {
  const { value, issues } = parseTcpdumpPackets(guideFixture("tcpdump-i-em1-n-v-icmp-compute.txt"));
  assert.equal(value.packets.length, 1);
  assert.deepEqual(value.packets[0], {
    time: "10:37:49.099383",
    iface: "em1",
    vlans: [],
    ipHeader: {
      tos: "0x0",
      ttl: "64",
      id: "1547",
      offset: "0",
      flags: "[DF]",
      proto: "ICMP (1)",
      length: "84",
    },
    proto: "ICMP",
    addressesUnknown: true,
    icmp: { type: "echo request", id: 1709, seq: 79 },
    text: "10:37:49.099383 IP (tos 0x0, ttl 64, id 1547, offset 0, flags [DF], proto ICMP (1), length 84) > ICMP echo request, id 1709, seq 79, length 64",
    line: 3,
  });
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity]),
    [[3, "warning"]],
  );
  assert.deepEqual(value.messages, [{ line: 1, text: "tcpdump: WARNING: em1: no IPv4 address assigned" }]);
  // Along the hybrid-plug path the same ping (id 1709) shows up on every hop.
  const hops = ["tap", "qbr", "qvb", "em1"].map(
    (dev) => parseTcpdumpPackets(guideFixture(`tcpdump-i-${dev}-n-v-icmp-compute.txt`)).value.packets[0],
  );
  assert.deepEqual(
    hops.map((p) => [p?.iface?.slice(0, 3), p?.icmp?.id, p?.icmp?.seq]),
    [
      ["tap", 1709, 1],
      ["qbr", 1709, 29],
      ["qvb", 1709, 48],
      ["em1", 1709, 79],
    ],
  );
  const any = parseTcpdumpPackets(guideFixture("tcpdump-i-any-n-v-icmp-external-server.txt")).value;
  assert.deepEqual(
    [any.iface, any.linkType, any.packets[0]?.iface, any.packets[0]?.icmp?.type],
    ["any", "LINUX_SLL", undefined, "echo reply"],
  );
});

test("LLDP -vvv (lab) and the tcpdump test suite's numbered -e -v output: packets with continuation text", () => {
  const lldp = parseTcpdumpPackets(labFixture("tcpdump-vvv-lldp-n1-em3-trunk.txt"));
  assert.deepEqual(lldp.issues, []);
  assert.deepEqual(
    lldp.value.packets.map((p) => [p.proto, p.ethertype, p.dstMac, p.length]),
    [["LLDP", "0x88cc", "01:80:c2:00:00:0e", 340]],
  );
  assert.ok((lldp.value.packets[0]?.text.split("\n").length ?? 0) > 10);
  const suite = parseTcpdumpPackets(
    realFixture("tcpdump-tests/tcpdump-e-v-lldp-and-cdp-cisco-c3560-pvid.txt"),
  );
  assert.deepEqual(suite.issues, []);
  assert.equal(suite.value.packets.length, 12);
  assert.deepEqual(
    [suite.value.packets[0]?.time, suite.value.packets[0]?.proto, suite.value.packets[0]?.length],
    ["2010-10-02 03:00:34.141848", "LLC", 374],
  );
  assert.equal(suite.value.packets[2]?.proto, "LLDP");
});

test("pasted output: -t, lost indentation, ^C counters, prompts, CRLF, older VLAN format", () => {
  const text = [
    "# tcpdump -e -n -t -i eth1",
    "tcpdump: listening on eth1, link-type EN10MB (Ethernet), capture size 262144 bytes",
    "fa:16:3e:11:22:33 > fa:16:3e:44:55:66, ethertype 802.1Q (0x8100), length 102: vlan 324, p 0, ethertype IPv4, 192.168.3.10 > 192.168.3.1: ICMP echo request, id 7, seq 1, length 64",
    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto ICMP (1), length 84)",
    "192.168.3.1 > 192.168.3.10: ICMP echo reply, id 7, seq 1, length 64",
    "ARP, Request who-has 192.168.3.1 (ff:ff:ff:ff:ff:ff) tell 192.168.3.10, length 28",
    "some unexplained text",
    "^C3 packets captured",
    "3 packets received by filter",
    "0 packets dropped by kernel",
  ].join("\r\n");
  const { value, issues } = parseTcpdumpPackets(text);
  assert.deepEqual(
    value.packets.map((p) => [p.line, p.time, p.vlans, p.ethertype, p.src, p.dst, p.icmp?.type ?? p.arp?.op]),
    [
      [3, undefined, [324], "0x0800", "192.168.3.10", "192.168.3.1", "echo request"],
      [4, undefined, [], undefined, "192.168.3.1", "192.168.3.10", "echo reply"],
      [6, undefined, [], undefined, undefined, undefined, "request"],
    ],
  );
  assert.equal(value.packets[2]?.arp?.targetMac, "ff:ff:ff:ff:ff:ff");
  assert.equal(
    value.packets[2]?.text,
    [
      "ARP, Request who-has 192.168.3.1 (ff:ff:ff:ff:ff:ff) tell 192.168.3.10, length 28",
      "some unexplained text",
    ].join("\n"),
  );
  assert.deepEqual([value.captured, value.received, value.dropped, value.iface], [3, 3, 0, "eth1"]);
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity]),
    [[7, "warning"]],
  );
});

test("several captures in one text: per-banner interface, counters summed; numbered -# lines", () => {
  const text = [
    "listening on tap1, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
    "    1  10:00:00.000001 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64",
    "1 packet captured",
    "1 packet received by filter",
    "0 packets dropped by kernel",
    "0 packets dropped by interface",
    "tcpdump: listening on qvo1, link-type EN10MB (Ethernet), capture size 65535 bytes",
    "10:00:00.000002 IP6 2001:db8::1.546 > 2001:db8::2.547: UDP, length 10",
    "10:00:00.000003 IP host-a.example.com > host-b.example.com: ICMP host 10.0.0.9 unreachable, length 36",
    "2 packets captured",
    "4 packets received by filter",
    "1 packet dropped by kernel",
  ].join("\n");
  const { value, issues } = parseTcpdumpPackets(text);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.packets.map((p) => [p.iface, p.time, p.src, p.srcPort, p.dst, p.dstPort, p.proto, p.icmp?.type]),
    [
      ["tap1", "10:00:00.000001", "10.0.0.1", undefined, "10.0.0.2", undefined, "ICMP", "echo request"],
      ["qvo1", "10:00:00.000002", "2001:db8::1", 546, "2001:db8::2", 547, "UDP", undefined],
      [
        "qvo1",
        "10:00:00.000003",
        "host-a.example.com",
        undefined,
        "host-b.example.com",
        undefined,
        "ICMP",
        "host 10.0.0.9 unreachable",
      ],
    ],
  );
  assert.deepEqual(
    [value.iface, value.captured, value.received, value.dropped, value.droppedByInterface],
    ["qvo1", 3, 5, 1, 0],
  );
});

test("malformed lines: an issue each, parsing goes on", () => {
  const text = [
    "    indented before any packet",
    "garbage before any packet",
    "10:00:00.000001 fa:16:3e:11:22:33 > fa:16:3e:44:55:66 ethertype IPv4 length 98",
    "10:00:00.000002 IP 10.0.0.1 10.0.0.2 ICMP",
    "10:00:00.000003 fa:16:3e:11:22:33 > fa:16:3e:44:55:66, ethertype IPv4 (0x0800), length 98: 10.0.0.1 > 10.0.0.2: ICMP echo reply, id 9, seq 3, length 64",
  ].join("\n");
  const { value, issues } = parseTcpdumpPackets(text);
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity]),
    [
      [1, "error"],
      [2, "error"],
      [3, "error"],
      [4, "warning"],
    ],
  );
  // The IP line without `src > dst:` is still a packet (tcpdump prints truncated ones so); the bad -e line is not.
  assert.deepEqual(
    value.packets.map((p) => [p.line, p.src, p.icmp?.seq]),
    [
      [4, undefined, undefined],
      [5, "10.0.0.1", 3],
    ],
  );
});
