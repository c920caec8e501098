import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type IpLink,
  parseIpAddr,
  parseIpJson,
  parseIpNetns,
  parseIpRoute,
  parseIpRule,
} from "../../src/parse/ip.js";
import { allRealFixtures, realFixture } from "../helpers/fixtures.js";

// Guide and lab outputs sit next to the real ones (test/fixtures/guide, test/fixtures/lab).
const guide = (name: string): string => realFixture(`../guide/${name}`);
const lab = (name: string): string => realFixture(`../lab/${name}`);

function link(links: IpLink[], name: string): IpLink {
  const l = links.find((x) => x.name === name);
  assert.ok(l, `link ${name}`);
  return l;
}

const addrs = (l: IpLink): string[] => l.addrs.map((a) => `${a.local}/${a.prefixlen}`);

test("every real ip addr/link fixture parses without issues", () => {
  const files = allRealFixtures().filter(
    (f) => /ip-(d-|s-d-)?(link|addr|address)/.test(f) && !f.includes("iptables"),
  );
  assert.equal(files.length, 12);
  for (const f of files) {
    const { value, issues } = parseIpAddr(realFixture(f));
    assert.deepEqual(issues, [], f);
    assert.ok(value.length > 0, f);
    for (const l of value) assert.ok(l.index !== undefined && l.partial === undefined, `${f}: ${l.name}`);
  }
});

test("ip -d address (hotsos compute): kinds, slave kinds, veth peers, addresses", () => {
  const { value } = parseIpAddr(realFixture("hotsos-ussuri-dvr/ip-d-address.txt"));
  assert.equal(value.length, 24);
  const lo = link(value, "lo");
  assert.equal(lo.linkType, "loopback");
  assert.deepEqual(lo.addrs[1], {
    family: "inet6",
    local: "::1",
    prefixlen: 128,
    scope: "host",
    validLft: "forever",
    preferredLft: "forever",
    extra: [],
  });
  const ens7 = link(value, "ens7");
  assert.equal(ens7.master, "ovs-system");
  assert.equal(ens7.slaveKind, "openvswitch");
  assert.equal(ens7.kind, undefined);
  const ens3 = link(value, "ens3");
  assert.deepEqual(
    [ens3.master, ens3.slaveKind, ens3.qdisc, ens3.qlen],
    ["br-ens3", "bridge", "fq_codel", 1000],
  );
  const br = link(value, "br-ens3");
  assert.equal(br.kind, "bridge");
  assert.deepEqual(br.addrs[0], {
    family: "inet",
    local: "10.0.0.128",
    prefixlen: 24,
    brd: "10.0.0.255",
    scope: "global",
    label: "br-ens3",
    validLft: "forever",
    preferredLft: "forever",
    extra: [],
  });
  const brInt = link(value, "br-int");
  assert.deepEqual(
    [brInt.index, brInt.up, brInt.lowerUp, brInt.state, brInt.mtu],
    [12, false, false, "DOWN", 1450],
  );
  assert.equal(brInt.kind, "openvswitch");
  const veth = link(value, "veth1883dceb");
  assert.deepEqual(
    [veth.index, veth.peer, veth.peerIfindex, veth.linkNetnsid, veth.kind, veth.slaveKind, veth.master],
    [17, "if16", 16, 0, "veth", "bridge", "br-ens3"],
  );
  const vx = link(value, "vxlan_sys_4789");
  assert.deepEqual([vx.kind, vx.slaveKind, vx.mtu, vx.state], ["vxlan", "openvswitch", 65000, "UNKNOWN"]);
  assert.ok(vx.extra.includes("external"));
  const tap = link(value, "tap0e778df8-ca");
  assert.deepEqual(
    [tap.kind, tap.slaveKind, tap.mtu, tap.mac],
    ["tun", "openvswitch", 1450, "fe:16:3e:a7:45:cb"],
  );
  assert.ok(tap.extra.includes("type tap pi off vnet_hdr on persist off"));
  assert.deepEqual(addrs(tap), ["fe80::fc16:3eff:fea7:45cb/64"]);
  // NO-CARRIER bridge: administratively up, no carrier.
  const lxd = link(value, "lxdbr0");
  assert.deepEqual([lxd.up, lxd.lowerUp, lxd.state], [true, false, "DOWN"]);
  assert.deepEqual(lxd.flags, ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"]);
});

test("ip -s -d link (hotsos): counters per direction", () => {
  const { value, issues } = parseIpAddr(realFixture("hotsos-ussuri-dvr/ip-s-d-link.txt"));
  assert.deepEqual(issues, []);
  assert.equal(value.length, 24);
  assert.deepEqual(link(value, "ens3").stats, {
    rx: { bytes: 23781208158, packets: 25929812, errors: 0, dropped: 0, other: { overrun: 0, mcast: 0 } },
    tx: { bytes: 12454456325, packets: 25565252, errors: 0, dropped: 0, other: { carrier: 0, collsns: 0 } },
  });
  assert.equal(link(value, "br-int").stats?.rx.dropped, 1533);
  assert.equal(link(value, "br-data").stats?.rx.dropped, 5801);
  assert.equal(link(value, "br-ens3").stats?.rx.other.mcast, 37865);
  const tap = link(value, "tap0e778df8-ca");
  assert.deepEqual([tap.stats?.rx.packets, tap.stats?.tx.bytes, tap.mode], [210, 10379, "DEFAULT"]);
});

test("ip -d link show (9506hqwy compute): OVS members and the VM tap", () => {
  const { value } = parseIpAddr(realFixture("9506hqwy-study-notes-2024/compute-ip-d-link-show.txt"));
  assert.deepEqual(
    value.map((l) => l.name),
    [
      "lo",
      "eth0",
      "eth1",
      "eth2",
      "eth3",
      "ovs-system",
      "br-provider",
      "br-mgmt",
      "br-int",
      "tap0ab9a23c-99",
    ],
  );
  const eth2 = link(value, "eth2");
  assert.deepEqual(
    [eth2.master, eth2.slaveKind, eth2.kind, eth2.mac],
    ["ovs-system", "openvswitch", undefined, "00:15:5d:bf:ba:58"],
  );
  // OVS gives the bridge the MAC of its physical port.
  assert.equal(link(value, "br-provider").mac, "00:15:5d:bf:ba:58");
  assert.equal(link(value, "br-provider").kind, "openvswitch");
  const tap = link(value, "tap0ab9a23c-99");
  assert.deepEqual(
    [tap.index, tap.kind, tap.slaveKind, tap.master, tap.state, tap.mtu, tap.mode],
    [12, "tun", "openvswitch", "ovs-system", "UNKNOWN", 1500, "DEFAULT"],
  );
});

test("DVR namespaces (hotsos): rfp-/fpr- veth pair across namespaces, HA backup qg- down", () => {
  const qr = parseIpAddr(realFixture("hotsos-ussuri-dvr/ip-netns-exec-qrouter-ip-address-show.txt")).value;
  const rfp = link(qr, "rfp-984c22fd-6");
  assert.deepEqual(
    [rfp.peer, rfp.peerIfindex, rfp.linkNetns],
    ["if2", 2, "fip-32981f34-497a-4fae-914a-8576055c8d0d"],
  );
  assert.deepEqual(addrs(rfp), ["169.254.88.134/31", "fe80::bc18:38ff:fef7:b652/64"]);
  assert.deepEqual([link(qr, "qr-3a70b31c-3f").index, link(qr, "qr-3a70b31c-3f").mtu], [34, 1450]);
  const fip = parseIpAddr(realFixture("hotsos-ussuri-dvr/ip-netns-exec-fip-ip-address-show.txt")).value;
  assert.equal(link(fip, "fpr-984c22fd-6").linkNetns, "qrouter-984c22fd-64b3-4fa1-8ddd-87090f401ce5");
  assert.deepEqual(link(fip, "fg-c8dcce74-c4").addrs[0]?.brd, "10.100.0.255");
  const snat = parseIpAddr(realFixture("hotsos-ussuri-dvr/ip-netns-exec-snat-ip-address-show.txt")).value;
  const qg = link(snat, "qg-14f81a43-69");
  assert.deepEqual([qg.up, qg.state, qg.qdisc, qg.addrs.length], [false, "DOWN", "noop", 0]);
  assert.deepEqual(addrs(link(snat, "ha-550dc175-c0")), [
    "169.254.194.79/18",
    "fe80::f816:3eff:fead:2590/64",
  ]);
  assert.deepEqual(link(snat, "sg-189f4c40-9d").addrs, []);
});

test("qdhcp/qrouter namespaces (9506hqwy, yeasy): DHCP and router addresses", () => {
  const dhcp = parseIpAddr(
    realFixture("9506hqwy-study-notes-2024/controller-ip-netns-exec-qdhcp-ip-addr-show.txt"),
  ).value;
  assert.deepEqual(addrs(link(dhcp, "tap52b1b85b-8e")), [
    "192.168.100.1/24",
    "169.254.169.254/32",
    "fe80::f816:3eff:fefe:925d/64",
  ]);
  const r = parseIpAddr(
    realFixture("9506hqwy-study-notes-2024/controller-ip-netns-exec-qrouter-ip-addr-show.txt"),
  ).value;
  assert.deepEqual(addrs(link(r, "qg-ca92be94-79"))[0], "172.16.0.188/24");
  assert.equal(link(r, "qr-13e6e8ff-d7").mtu, 1450);
  // Old iproute2 without `lo`, no group, and an address without a lifetime line.
  const ns = parseIpAddr(realFixture("yeasy-understand-neutron/ip-netns-exec-qdhcp-ip-addr.txt")).value;
  assert.equal(ns.length, 1);
  const dev = link(ns, "ns-f14c598d-98");
  assert.deepEqual([dev.index, dev.qdisc, dev.group, dev.qlen], [71, "pfifo_fast", undefined, 1000]);
  assert.equal(dev.addrs[0]?.validLft, undefined);
  assert.equal(dev.addrs[1]?.validLft, "forever");
  const yr = parseIpAddr(realFixture("yeasy-understand-neutron/ip-netns-exec-qrouter-ip-addr.txt")).value;
  const qg = link(yr, "qg-e76de35e-90");
  // Router IP and floating IP on the same qg- device.
  assert.deepEqual(addrs(qg), ["9.186.100.2/24", "9.186.100.129/32", "fe80::f816:3eff:fe70:2492/64"]);
  assert.deepEqual([qg.group, qg.qlen], ["default", undefined]);
});

test("dead tap (osism): DOWN with qdisc noop", () => {
  const { value, issues } = parseIpAddr(
    realFixture("osism-docs-dead-ports/ip-address-show-dead-tap-state-down.txt"),
  );
  assert.deepEqual(issues, []);
  assert.deepEqual(value[0], {
    index: 356,
    name: "tapc0f9a508-89",
    flags: ["BROADCAST", "MULTICAST"],
    up: false,
    lowerUp: false,
    mtu: 1500,
    qdisc: "noop",
    state: "DOWN",
    group: "default",
    qlen: 1000,
    linkType: "ether",
    mac: "2a:fb:4b:a3:45:f2",
    addrs: [],
    extra: ["brd ff:ff:ff:ff:ff:ff"],
    line: 1,
  });
});

test("guide: ip a | grep state on the compute node", () => {
  const { value, issues } = parseIpAddr(guide("ip-a-grep-state-compute.txt"));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.map((l) => [l.index, l.name, l.master, l.state, l.qdisc, l.up, l.lowerUp]),
    [
      [2, "em3", "ovs-system", "UP", "mq", true, true],
      [6, "em1", undefined, "UP", "mq", true, true],
      [37, "br-em3", undefined, "UNKNOWN", "noqueue", true, true],
    ],
  );
});

test("guide: qrouter `ip a|grep state` with `\\`-wrapped lines and NBSP indentation", () => {
  const { value, issues } = parseIpAddr(guide("ip-netns-exec-qrouter-ip-a-grep-state.txt"));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.map((l) => [l.line, l.index, l.name, l.mtu, l.qdisc, l.state, l.qlen]),
    [
      [1, 10, "qr-e6256f7d-31", 1500, "noqueue", "UNKNOWN", undefined],
      [3, 11, "qg-35916e1f-36", 1500, "pfifo_fast", "UNKNOWN", 500],
      [5, 28, "lo", 16436, "noqueue", "UNKNOWN", undefined],
    ],
  );
  assert.deepEqual(value[0]?.extra, []);
});

test("guide: qdhcp `ip a` whose IPv4 addresses the blog lost: warnings, links kept", () => {
  const { value, issues } = parseIpAddr(guide("ip-netns-exec-qdhcp-ip-a.txt"));
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity, i.text]),
    [
      [3, "warning", "inet scope host lo"],
      [9, "warning", "inet brd scope global tapd9762af3-4b"],
    ],
  );
  assert.deepEqual(
    value.map((l) => l.name),
    ["lo", "tapd9762af3-4b"],
  );
  const tap = link(value, "tapd9762af3-4b");
  assert.deepEqual([tap.index, tap.mac, tap.state], [61, "fa:16:3e:b8:2e:0c", "UNKNOWN"]);
  assert.deepEqual(addrs(tap), ["fe80::f816:3eff:feb8:2e0c/64"]);
  assert.ok(tap.extra.includes("inet brd scope global tapd9762af3-4b"));
});

test("lab: hybrid plug qbr/qvb/qvo and veths into other namespaces", () => {
  const n2 = parseIpAddr(lab("ip_addr.n2.txt")).value;
  const qvb = link(n2, "qvba1b2c3d4-e5");
  assert.deepEqual([qvb.peer, qvb.peerIfindex, qvb.master], ["qvoa1b2c3d4-e5", undefined, "qbra1b2c3d4-e5"]);
  const tap = link(n2, "tapa1b2c3d4-e5");
  assert.deepEqual(
    [tap.peer, tap.peerIfindex, tap.linkNetns, tap.master],
    ["if2", 2, "lab-vm2", "qbra1b2c3d4-e5"],
  );
  const qvo = parseIpAddr(lab("ip_-d_link_show_qvo.n2.txt")).value[0];
  assert.deepEqual(
    [qvo?.name, qvo?.peer, qvo?.kind, qvo?.flags.includes("PROMISC")],
    ["qvoa1b2c3d4-e5", "qvba1b2c3d4-e5", "veth", true],
  );
  const n1 = parseIpAddr(lab("ip_addr.n1.txt")).value;
  assert.deepEqual(addrs(link(n1, "br-ex")), ["172.24.4.2/24", "fe80::406a:a3ff:fe20:7546/64"]);
  assert.equal(link(n1, "tapd4c3b2a1-0f").linkNetns, "qdhcp-3f2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d");
  const dhcp = parseIpAddr(lab("ip_netns_exec_qdhcp_ip_addr.n1.txt")).value;
  assert.deepEqual(addrs(link(dhcp, "eth0"))[0], "10.32.4.2/24");
});

test("lab: ip -o addr and ip -o link (one line per record, `\\` for newlines)", () => {
  const o = parseIpAddr(lab("ip-o-addr-netns-hybrid-veth.txt"));
  assert.deepEqual(o.issues, []);
  assert.deepEqual(
    o.value.map((l) => [l.index, l.name, l.partial]),
    [
      [1, "lo", true],
      [2, "qbr1a2b3c4d-5e", true],
      [3, "qvb1a2b3c4d-5e", true],
      [4, "qvo1a2b3c4d-5e", true],
    ],
  );
  const qvo = link(o.value, "qvo1a2b3c4d-5e");
  assert.deepEqual(addrs(qvo), ["10.99.0.2/24", "fd99::2/64", "fe80::5480:3fff:fe48:9353/64"]);
  assert.deepEqual(
    [qvo.addrs[0]?.label, qvo.addrs[0]?.validLft, qvo.addrs[1]?.extra],
    ["qvo1a2b3c4d-5e", "forever", ["nodad"]],
  );
  const ol = parseIpAddr(lab("ip-o-link-netns-hybrid-veth.txt"));
  assert.deepEqual(ol.issues, []);
  const qvb = link(ol.value, "qvb1a2b3c4d-5e");
  assert.deepEqual(
    [qvb.master, qvb.mac, qvb.linkType, qvb.peer],
    ["qbr1a2b3c4d-5e", "a2:7c:7b:ec:15:eb", "ether", "qvo1a2b3c4d-5e"],
  );
});

test("lab: ip -s -d link with the iproute2 6.x counter header", () => {
  const { value, issues } = parseIpAddr(lab("ip-s-d-link-netns-hybrid-veth.txt"));
  assert.deepEqual(issues, []);
  assert.deepEqual(link(value, "qvb1a2b3c4d-5e").stats, {
    rx: { bytes: 666, packets: 7, errors: 0, dropped: 0, other: { missed: 0, mcast: 0 } },
    tx: { bytes: 1360, packets: 16, errors: 0, dropped: 0, other: { carrier: 0, collsns: 0 } },
  });
});

test("ip -d -j addr (this machine): same model from JSON", () => {
  const { value, issues } = parseIpJson(lab("ip-d-j-addr.json"));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.map((l) => [l.index, l.name, l.kind]),
    [
      [1, "lo", undefined],
      [2, "ifb0", "ifb"],
      [3, "ifb1", "ifb"],
      [4, "eth0", undefined],
    ],
  );
  const eth0 = link(value, "eth0");
  assert.deepEqual(
    [eth0.mtu, eth0.state, eth0.qdisc, eth0.mac, eth0.up, eth0.lowerUp],
    [1400, "UP", "pfifo_fast", "02:fc:00:00:00:01", true, true],
  );
  assert.deepEqual(eth0.addrs[0], {
    family: "inet",
    local: "192.0.2.2",
    prefixlen: 24,
    brd: "192.0.2.255",
    scope: "global",
    label: "eth0",
    validLft: "forever",
    preferredLft: "forever",
    extra: [],
  });
  assert.deepEqual(eth0.addrs[1]?.extra, ["nodad=true"]);
  assert.ok(eth0.extra.includes('parentbus="virtio"'));
  assert.deepEqual([link(value, "ifb0").up, link(value, "ifb0").state], [false, "DOWN"]);
});

/** The fields both renderings carry (text extra holds raw text, JSON extra holds key=value). */
function comparable(l: IpLink): unknown {
  const { extra: _e, line: _l, ...rest } = l;
  return { ...rest, addrs: l.addrs.map(({ extra: _x, ...a }) => a) };
}

test("text and JSON of the same namespace give the same links", () => {
  const text = parseIpAddr(lab("ip-d-addr-netns-hybrid-veth.txt"));
  const json = parseIpJson(lab("ip-d-j-addr-netns-hybrid-veth.json"));
  assert.deepEqual(text.issues, []);
  assert.deepEqual(json.issues, []);
  assert.deepEqual(text.value.map(comparable), json.value.map(comparable));
  const qvb = link(json.value, "qvb1a2b3c4d-5e");
  assert.deepEqual(
    [qvb.kind, qvb.slaveKind, qvb.master, qvb.peer],
    ["veth", "bridge", "qbr1a2b3c4d-5e", "qvo1a2b3c4d-5e"],
  );
  // Counters: the text and JSON captures of `ip -s -d link` were taken back to back.
  const st = parseIpAddr(lab("ip-s-d-link-netns-hybrid-veth.txt")).value;
  const sj = parseIpJson(lab("ip-s-d-j-link-netns-hybrid-veth.json")).value;
  const main = (l: IpLink) => [
    l.name,
    l.stats?.rx.bytes,
    l.stats?.rx.packets,
    l.stats?.tx.bytes,
    l.stats?.tx.packets,
  ];
  assert.deepEqual(st.map(main), sj.map(main));
  assert.deepEqual(link(sj, "qbr1a2b3c4d-5e").stats?.rx.other, { over_errors: 0, multicast: 7 });
});

test("robustness: CRLF, garbage lines, grep'd inet lines, vlan kind, @NONE", () => {
  const crlf = realFixture("hotsos-ussuri-dvr/ip-netns-exec-qrouter-ip-address-show.txt").replace(
    /\n/g,
    "\r\n",
  );
  assert.deepEqual(
    parseIpAddr(crlf),
    parseIpAddr(realFixture("hotsos-ussuri-dvr/ip-netns-exec-qrouter-ip-address-show.txt")),
  );

  const mixed = [
    "# ip a",
    "5: eth1.100@eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000",
    "    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff promiscuity 0",
    "    vlan protocol 802.1Q id 100 <REORDER_HDR> addrgenmode eui64",
    "6: gre0@NONE: <NOARP> mtu 1476 qdisc noop state DOWN group default qlen 1000",
    "    link/gre 0.0.0.0 brd 0.0.0.0",
  ].join("\n");
  const m = parseIpAddr(mixed);
  assert.deepEqual(m.issues, [
    { line: 1, message: "not an ip link/addr line", text: "# ip a", severity: "error" },
  ]);
  const vlan = link(m.value, "eth1.100");
  assert.deepEqual([vlan.kind, vlan.vlanId, vlan.peer], ["vlan", 100, "eth1"]);
  assert.deepEqual([link(m.value, "gre0").peer, link(m.value, "gre0").linkType], ["NONE", "gre"]);

  const grepped = parseIpAddr("    inet 10.0.0.1/24 brd 10.0.0.255 scope global qr-694450d6-f6\n");
  assert.deepEqual(grepped.issues, []);
  assert.deepEqual(
    [grepped.value[0]?.name, grepped.value[0]?.partial, addrs(grepped.value[0]!)],
    ["qr-694450d6-f6", true, ["10.0.0.1/24"]],
  );

  assert.equal(parseIpJson("not json").issues[0]?.message, "no JSON array found");
  assert.match(parseIpJson(`[{"ifname": ]`).issues[0]?.message ?? "", /^invalid JSON/);
  const filtered = parseIpJson('[{},{"ifindex":3,"ifname":"qg-1","flags":[],"link":null},7]');
  assert.deepEqual(
    filtered.value.map((l) => [l.name, l.peer]),
    [["qg-1", "NONE"]],
  );
  assert.deepEqual(
    filtered.issues.map((i) => i.text),
    ["7"],
  );
});

test("ip netns with and without (id: N)", () => {
  assert.deepEqual(parseIpNetns(realFixture("hotsos-ussuri-dvr/ip-netns.txt")), {
    value: [
      { name: "fip-32981f34-497a-4fae-914a-8576055c8d0d", id: 9 },
      { name: "qrouter-984c22fd-64b3-4fa1-8ddd-87090f401ce5", id: 10 },
      { name: "snat-984c22fd-64b3-4fa1-8ddd-87090f401ce5", id: 8 },
    ],
    issues: [],
  });
  assert.deepEqual(parseIpNetns(realFixture("9506hqwy-study-notes-2024/controller-ip-netns.txt")).value, [
    { name: "qdhcp-d46c9e95-3ec9-4066-a5f4-6fb6aa96d386", id: 1 },
  ]);
  assert.deepEqual(parseIpNetns(realFixture("yeasy-understand-neutron/ip-netns.txt")).value, [
    { name: "qdhcp-ea3928dc-b1fd-4a1a-940e-82b8c55214e6" },
    { name: "qrouter-40fff075-d3a2-477b-942c-6b1adb42e35e" },
  ]);
  const labNs = parseIpNetns(lab("ip_netns.txt"));
  assert.equal(labNs.value.length, 9);
  assert.equal(labNs.value[8]?.name, "qdhcp-3f2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d");
  const bad = parseIpNetns("qrouter-1 (id: 3)\r\nnot a namespace\r\n");
  assert.deepEqual(bad.value, [{ name: "qrouter-1", id: 3 }]);
  assert.deepEqual(bad.issues, [
    { line: 2, message: "not a namespace line", text: "not a namespace", severity: "error" },
  ]);
});

test("ip route: new and old iproute2 formats, table all", () => {
  const r = parseIpRoute(
    realFixture("9506hqwy-study-notes-2024/controller-ip-netns-exec-qrouter-ip-route-show.txt"),
  );
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.value[0], {
    line: 1,
    dst: "default",
    via: "172.16.0.254",
    dev: "qg-ca92be94-79",
    proto: "static",
    extra: [],
  });
  // Old iproute2 pads with two spaces.
  const old = parseIpRoute(realFixture("yeasy-understand-neutron/ip-netns-exec-qrouter-ip-route.txt"));
  assert.deepEqual(old.value[1], {
    line: 2,
    dst: "9.186.100.0/24",
    dev: "qg-e76de35e-90",
    proto: "kernel",
    scope: "link",
    src: "9.186.100.2",
    extra: [],
  });
  const all = parseIpRoute(
    realFixture("hotsos-ussuri-dvr/ip-netns-exec-qrouter-ip-route-show-table-all.txt"),
  );
  assert.deepEqual(all.issues, []);
  assert.equal(all.value.length, 19);
  // DVR: the floating IP's policy table 16 routes to the fip- namespace.
  assert.deepEqual(
    all.value.filter((x) => x.dst === "default").map((x) => [x.table, x.via, x.dev]),
    [
      ["3232240897", "192.168.21.109", "qr-3a70b31c-3f"],
      ["16", "169.254.88.135", "rfp-984c22fd-6"],
    ],
  );
  assert.deepEqual(all.value[4], {
    line: 5,
    type: "broadcast",
    dst: "127.0.0.0",
    dev: "lo",
    table: "local",
    proto: "kernel",
    scope: "link",
    src: "127.0.0.1",
    extra: [],
  });
  assert.deepEqual(all.value[17], {
    line: 18,
    type: "multicast",
    dst: "ff00::/8",
    dev: "rfp-984c22fd-6",
    table: "local",
    proto: "kernel",
    metric: 256,
    extra: ["pref medium"],
  });
  const labAll = parseIpRoute(lab("ip-route-show-table-all-netns.txt"));
  assert.deepEqual(labAll.issues, []);
  assert.deepEqual([labAll.value[0]?.table, labAll.value[0]?.via], ["16", "10.99.0.254"]);
});

test("ip route: multipath, unreachable, via inet6, bad lines", () => {
  const text = [
    "default proto static metric 100",
    "\tnexthop via 10.0.0.1 dev eth0 weight 1",
    "\tnexthop via 10.0.1.1 dev eth1 weight 2 onlink",
    "unreachable 10.9.0.0/16 metric 1024",
    "10.8.0.0/16 via inet6 fe80::1 dev eth0 mtu lock 1400",
    "nonsense here",
  ].join("\n");
  const { value, issues } = parseIpRoute(text);
  assert.deepEqual(value[0]?.nexthops, [
    { via: "10.0.0.1", dev: "eth0", weight: 1, extra: [] },
    { via: "10.0.1.1", dev: "eth1", weight: 2, extra: ["onlink"] },
  ]);
  assert.deepEqual([value[1]?.type, value[1]?.dst, value[1]?.metric], ["unreachable", "10.9.0.0/16", 1024]);
  assert.deepEqual([value[2]?.via, value[2]?.extra], ["fe80::1", ["mtu lock 1400"]]);
  assert.deepEqual(issues, [
    { line: 6, message: "not a route line", text: "nonsense here", severity: "error" },
  ]);
});

test("ip rule list (hotsos DVR qrouter, lab) and rule variants", () => {
  const { value, issues } = parseIpRule(
    realFixture("hotsos-ussuri-dvr/ip-netns-exec-qrouter-ip-rule-list.txt"),
  );
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.map((r) => [r.priority, r.from, r.table]),
    [
      [0, "all", "local"],
      [32766, "all", "main"],
      [32767, "all", "default"],
      [71743, "192.168.21.18", "16"],
      [3232240897, "192.168.21.1/24", "3232240897"],
    ],
  );
  assert.deepEqual(parseIpRule(lab("ip-rule-list-netns.txt")).value[1], {
    line: 2,
    priority: 1000,
    from: "10.99.0.2",
    table: "16",
    extra: [],
  });
  const v = parseIpRule(
    "100:\tnot from all fwmark 0x1/0xff lookup 200 proto boot\n200: from all iif lo [detached] unreachable\nbad\n",
  );
  assert.deepEqual(v.value[0], {
    line: 1,
    priority: 100,
    not: true,
    from: "all",
    fwmark: "0x1/0xff",
    table: "200",
    proto: "boot",
    extra: [],
  });
  assert.deepEqual(v.value[1], {
    line: 2,
    priority: 200,
    from: "all",
    iif: "lo",
    action: "unreachable",
    extra: ["[detached]"],
  });
  assert.deepEqual(v.issues, [{ line: 3, message: "not a rule line", text: "bad", severity: "error" }]);
});

test("never throws on arbitrary or mangled input; issue lines stay in range", () => {
  const sample = guide("ip-netns-exec-qrouter-ip-a-grep-state.txt")
    .concat(realFixture("hotsos-ussuri-dvr/ip-s-d-link.txt"))
    .split("\n");
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constantFrom(...sample), fc.string())), (lines) => {
      const text = lines.join("\n");
      const max = text.split("\n").length;
      for (const parse of [parseIpAddr, parseIpJson, parseIpNetns, parseIpRoute, parseIpRule]) {
        for (const i of parse(text).issues) assert.ok(i.line >= 0 && i.line <= max, i.message);
      }
    }),
  );
});
