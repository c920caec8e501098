import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type LldpNeighbor,
  lldpPortMode,
  parseLldpctlJson,
  parseLldpctlKeyvalue,
  parseLldpctlText,
  parseLldpTcpdump,
} from "../../src/parse/lldp.js";
import { guideFixture, labFixture, realFixture } from "../helpers/fixtures.js";

const TRUNKNET = [319, 320, 321, 322, 323, 324, 325, 326, 327, 328];
const ids = (n: LldpNeighbor): number[] => n.vlans.map((v) => v.id);

// guide lines 36-47 and 51-60 (pasted: tabs lost, NBSP indentation, most TLVs left out)
test("guide tcpdump, access port: System Name, Port Description, PVID 320 on em1", () => {
  const { value, issues } = parseLldpTcpdump(guideFixture("tcpdump-lldp-em1-access-pvid320.txt"));
  assert.deepEqual(issues, []);
  assert.equal(value.length, 1);
  const n = value[0]!;
  assert.equal(n.iface, "em1");
  assert.equal(n.via, "LLDP");
  assert.equal(n.systemName, "stackdr2.GARR");
  assert.equal(n.portDescr, "GigabitEthernet2/0/31");
  assert.equal(n.pvid, 320);
  assert.deepEqual(n.vlans, []);
  const mode = lldpPortMode(n);
  assert.equal(mode.mode, "access");
  assert.match(mode.reason, /PVID 320/);
});

test("guide tcpdump, trunk port: PVID 1 and no VLAN list is unknown, never guessed", () => {
  const { value, issues } = parseLldpTcpdump(guideFixture("tcpdump-lldp-em3-trunk-pvid1.txt"));
  assert.deepEqual(issues, []);
  const n = value[0]!;
  assert.equal(n.iface, "em3");
  assert.equal(n.systemName, "stackdr2.GARR");
  assert.equal(n.portDescr, "GigabitEthernet2/0/3");
  assert.equal(n.pvid, 1);
  const mode = lldpPortMode(n, TRUNKNET);
  assert.equal(mode.mode, "unknown");
  assert.match(mode.reason, /trunk or untagged/);
  assert.match(mode.reason, /cannot confirm the expected VLANs 319-328/);
  assert.equal(mode.missing, undefined);
});

test("lab tcpdump -vvv: every TLV, VLAN names 319-328, hex dump skipped", () => {
  const { value, issues } = parseLldpTcpdump(labFixture("tcpdump-vvv-lldp-n1-em3-trunk.txt"));
  assert.deepEqual(issues, []);
  assert.equal(value.length, 1);
  const n = value[0]!;
  assert.equal(n.iface, "em3");
  assert.equal(n.chassisId, "1a:1c:ac:ba:e6:bd");
  assert.equal(n.chassisIdType, "MAC address");
  assert.equal(n.portId, "swp1");
  assert.equal(n.portIdType, "Interface Name");
  assert.equal(n.ttl, 20);
  assert.equal(n.systemName, "tor-sw1");
  assert.equal(n.systemDescr, "ovs-lab tor-sw1");
  assert.deepEqual(n.mgmtAddrs, ["fe80::181c:acff:feba:e6bd"]);
  assert.equal(n.pvid, 1);
  assert.deepEqual(ids(n), TRUNKNET);
  assert.deepEqual(n.vlans[5], { id: 324, name: "trunknet-324" });
  assert.deepEqual(
    n.capabilities?.filter((c) => c.enabled).map((c) => c.type),
    ["Bridge"],
  );
  assert.equal(n.extra["frame.src"], "1a:1c:ac:ba:e6:bd");
  assert.match(n.extra["MAC/PHY configuration/status Subtype (1)"] ?? "", /MAU type unknown/);
  const mode = lldpPortMode(n, TRUNKNET);
  assert.equal(mode.mode, "trunk");
  assert.deepEqual(mode.missing, []);
});

test("tcpdump test suite -e -v: LLDP and CDP neighbours, repeated frames collapsed", () => {
  const { value, issues } = parseLldpTcpdump(
    realFixture("tcpdump-tests/tcpdump-e-v-lldp-and-cdp-cisco-c3560-pvid.txt"),
  );
  assert.deepEqual(issues, []);
  // 8 frames: S1 and S2, each twice by CDP and twice by LLDP
  assert.equal(value.length, 4);
  const cdpS1 = value.find((n) => n.via === "CDPv2" && n.systemName === "S1")!;
  assert.equal(cdpS1.portId, "FastEthernet0/13");
  assert.equal(cdpS1.pvid, 1);
  assert.equal(cdpS1.ttl, 180);
  assert.equal(cdpS1.extra["Platform"], "cisco WS-C3560-24TS");
  assert.deepEqual(cdpS1.mgmtAddrs, ["0.0.0.0"]);
  assert.match(cdpS1.systemDescr ?? "", /^Cisco IOS Software, C3560.*\nCopyright \(c\) 1986-2008/);
  const lldpS2 = value.find((n) => n.via === "LLDP" && n.systemName === "S2.cisco.com")!;
  assert.equal(lldpS2.chassisId, "00:19:2f:a7:b2:8d");
  assert.equal(lldpS2.portId, "Uplink to S1");
  assert.equal(lldpS2.portDescr, "GigabitEthernet0/13");
  assert.equal(lldpS2.ttl, 120);
  assert.equal(lldpS2.pvid, 1);
  // tcpdump's ^J escapes become newlines again
  assert.equal(lldpS2.systemDescr?.split("\n").length, 3);
  assert.deepEqual(lldpS2.capabilities, [
    { type: "Bridge", enabled: true },
    { type: "Router", enabled: false },
  ]);
});

test("tcpdump: stray text outside frames is an issue with its line; other frames are skipped quietly", () => {
  const text = [
    "(wait for a packet and then CTRL-c)",
    "12:00:00.000001 IP 10.0.0.1 > 10.0.0.2: ICMP echo request",
    "\tsome decode of that frame",
    "12:00:01.000001 LLDP, length 20",
    "System Name TLV (5), length 3: sw1",
  ].join("\n");
  const { value, issues } = parseLldpTcpdump(text);
  assert.equal(value.length, 1);
  assert.equal(value[0]!.systemName, "sw1");
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.line, 1);
});

test("lldpctl -f json, lab n1: one interface as an object, 10 named VLANs plus PVID 1", () => {
  const { value, issues } = parseLldpctlJson(labFixture("lldpctl-f-json-n1-em3-trunk.json"));
  assert.deepEqual(issues, []);
  assert.equal(value.length, 1);
  const n = value[0]!;
  assert.equal(n.iface, "em3");
  assert.equal(n.via, "LLDP");
  assert.equal(n.systemName, "tor-sw1");
  assert.equal(n.chassisId, "1a:1c:ac:ba:e6:bd");
  assert.equal(n.portId, "swp1");
  assert.equal(n.portIdType, "ifname");
  assert.equal(n.ttl, 20);
  assert.equal(n.pvid, 1);
  // lldpctl's nameless `VLAN 1, pvid` entry only carries the PVID
  assert.deepEqual(ids(n), TRUNKNET);
  assert.deepEqual(n.vlans[0], { id: 319, name: "trunknet-319" });
  assert.equal(
    n.extra["port.auto-negotiation.current"],
    "10GbaseT - Four-pair Category 6A or better, full duplex mode only",
  );
  assert.equal(n.extra["age"], "0 day, 00:00:40");
  assert.equal(lldpPortMode(n, TRUNKNET).mode, "trunk");
});

test("lldpctl -f json, lab ToR: interfaces as an array, mgmt-ip as a list", () => {
  const { value, issues } = parseLldpctlJson(labFixture("lldpctl-f-json-tor-two-ports.json"));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.map((n) => [n.iface, n.systemName, n.portId]),
    [
      ["swp1", "n1", "em3"],
      ["swp2", "n2", "em3"],
    ],
  );
  assert.deepEqual(value[0]!.mgmtAddrs, ["172.24.4.2", "fe80::9050:9cff:fe33:1080"]);
  assert.equal(value[0]!.extra["chassis.mgmt-iface"], "9\n2");
  assert.equal(lldpPortMode(value[0]!).mode, "unknown");
});

test("lldpctl -f json, generated access port: vlan as an object, with and without a VLAN Name TLV", () => {
  const named = parseLldpctlJson(labFixture("lldpctl-f-json-access-vlan320-named.json"));
  assert.deepEqual(named.issues, []);
  const n = named.value[0]!;
  assert.equal(n.iface, "ndtest-em1");
  assert.equal(n.systemName, "ndtest-sw");
  assert.equal(n.portId, "ndtest-swp1");
  assert.equal(n.pvid, 320);
  assert.deepEqual(n.vlans, [{ id: 320, name: "int-net-320", pvid: true }]);
  const mode = lldpPortMode(n, TRUNKNET);
  assert.equal(mode.mode, "access");
  assert.match(mode.reason, /only VLAN 320, and it is the PVID/);
  assert.deepEqual(mode.missing, [319, 321, 322, 323, 324, 325, 326, 327, 328]);

  const bare = parseLldpctlJson(labFixture("lldpctl-f-json-access-pvid320-only.json")).value[0]!;
  assert.equal(bare.pvid, 320);
  assert.deepEqual(bare.vlans, []);
  assert.equal(lldpPortMode(bare).mode, "access");

  const both = parseLldpctlJson(labFixture("lldpctl-f-json-two-ports-access.json")).value;
  assert.deepEqual(
    both.map((x) => x.iface),
    ["ndtest-em1", "ndtest-em2"],
  );
});

test("lldpctl -f json: broken or foreign JSON gives issues, not exceptions", () => {
  const bad = parseLldpctlJson('{\n  "lldp": {\n    "interface": [\n');
  assert.deepEqual(bad.value, []);
  assert.equal(bad.issues.length, 1);
  assert.match(bad.issues[0]!.message, /not valid JSON/);
  assert.equal(parseLldpctlJson('{"lldp-json0": []}').issues.length, 1);
  // no neighbours: lldpctl prints an empty lldp object
  assert.deepEqual(parseLldpctlJson('{"lldp": {}}'), { value: [], issues: [] });
});

test("lldpctl -f keyvalue, netbox dedibox2: multi-line chassis.descr, PVID 140 only", () => {
  const { value, issues } = parseLldpctlKeyvalue(
    realFixture("netbox-agent-lldp/lldpctl-f-keyvalue-dedibox2.txt"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.length, 1);
  const n = value[0]!;
  assert.equal(n.iface, "eno1");
  assert.equal(n.chassisId, "38:20:56:67:90:80");
  assert.equal(n.systemName, "s35-b12.dc3");
  assert.equal(n.systemDescr?.split("\n").length, 4);
  assert.equal(n.systemDescr?.split("\n")[1], "Technical Support: http://www.cisco.com/techsupport");
  assert.deepEqual(n.mgmtAddrs, ["10.43.31.35"]);
  assert.equal(n.portId, "Gi1/0/29");
  assert.equal(n.portDescr, "GigabitEthernet1/0/29");
  assert.equal(n.pvid, 140);
  assert.deepEqual(n.vlans, []);
  assert.equal(n.extra["port.auto-negotiation.1000Base-T.fd"], "yes");
});

test("lldpctl -f keyvalue, Juniper QFX: two neighbours, named VLAN 296 as PVID, unknown TLV kept", () => {
  const { value, issues } = parseLldpctlKeyvalue(
    realFixture("netbox-agent-lldp/lldpctl-f-keyvalue-juniper-qfx-vlan-pvid.txt"),
  );
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.map((n) => [n.iface, n.systemName, n.portIdType, n.portId, n.portDescr]),
    [
      ["eth0", "sw-filer-f06.dc42", "local", "512", "xe-0/0/1"],
      ["eth1", "sw-filer-f05.dc42", "local", "512", "xe-0/0/1"],
    ],
  );
  assert.deepEqual(value[0]!.vlans, [{ id: 296, name: "vlan-296", pvid: true }]);
  assert.equal(value[0]!.extra["unknown-tlvs.unknown-tlv.oui"], "00,90,69");
  const mode = lldpPortMode(value[0]!);
  assert.equal(mode.mode, "access");
});

test("lldpctl -f keyvalue, lab n1 trunk and generated access ports", () => {
  const trunk = parseLldpctlKeyvalue(labFixture("lldpctl-f-keyvalue-n1-em3-trunk.txt"));
  assert.deepEqual(trunk.issues, []);
  assert.equal(trunk.value[0]!.pvid, 1);
  assert.deepEqual(ids(trunk.value[0]!), TRUNKNET);
  const access = parseLldpctlKeyvalue(labFixture("lldpctl-f-keyvalue-two-ports-access.txt")).value;
  assert.deepEqual(
    access.map((n) => [n.iface, n.pvid, n.vlans.length]),
    [
      ["ndtest-em1", 320, 1],
      ["ndtest-em2", 320, 0],
    ],
  );
});

test("lldpctl -f keyvalue: dotted interface names, orphan continuation", () => {
  const text =
    "stray line\nlldp.eth0.100.via=LLDP\nlldp.eth0.100.chassis.name=sw9\nlldp.eth0.100.port.ifname=Gi1/0/1\n";
  const { value, issues } = parseLldpctlKeyvalue(text);
  assert.equal(value[0]!.iface, "eth0.100");
  assert.equal(value[0]!.systemName, "sw9");
  assert.deepEqual(
    issues.map((i) => i.line),
    [1],
  );
});

test("plain lldpctl, homework: two neighbours on eno1 (switch VLAN 12 PVID + IP phone with LLDP-MED)", () => {
  const { value, issues } = parseLldpctlText(
    realFixture("github-homework-lldpctl/lldpctl-cisco-c2960-vlan12-pvid-plus-ip-phone.txt"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.length, 2);
  const [sw, phone] = value as [LldpNeighbor, LldpNeighbor];
  assert.equal(sw.iface, "eno1");
  assert.equal(sw.systemName, "cabinetIT4.7.cisco.com");
  assert.equal(sw.chassisId, "00:1c:b0:49:c8:08");
  assert.equal(sw.portIdType, "local");
  assert.equal(sw.portId, "Fa0/8");
  assert.equal(sw.portDescr, "FastEthernet0/8");
  assert.equal(sw.ttl, 120);
  assert.equal(sw.pvid, 12);
  assert.equal(sw.systemDescr?.split("\n").length, 3);
  assert.equal(phone.iface, "eno1");
  assert.equal(phone.extra["rid"], "2");
  assert.equal(phone.systemName, "US102N/DS102N");
  assert.deepEqual(phone.mgmtAddrs, ["10.1.5.25"]);
  assert.equal(phone.pvid, undefined);
  assert.equal(phone.extra["LLDP-MED.Device Type"], "Communication Device Endpoint (Class III)");
  assert.equal(lldpPortMode(phone).mode, "unknown");
});

test("plain lldpctl, homework access port: SysDescr continuation lines that contain ':'", () => {
  const { value, issues } = parseLldpctlText(
    realFixture("github-homework-lldpctl/lldpctl-cisco-c2960-access-vlan123-pvid.txt"),
  );
  assert.deepEqual(issues, []);
  const n = value[0]!;
  assert.equal(n.iface, "enp4s0");
  assert.equal(n.systemDescr?.split("\n")[1], "Technical Support: http://www.cisco.com/techsupport");
  assert.equal(n.portId, "Gi0/1");
  assert.equal(n.pvid, 123);
  assert.match(n.extra["Port.PMD autoneg.Adv"] ?? "", /^10Base-T, HD: yes, FD: yes\n/);
});

test("the three lldpctl formats of the same lab neighbour agree on the key fields", () => {
  const key = (n: LldpNeighbor) => ({
    iface: n.iface,
    chassisId: n.chassisId,
    systemName: n.systemName,
    portId: n.portId,
    portDescr: n.portDescr,
    ttl: n.ttl,
    pvid: n.pvid,
    vlans: n.vlans,
    mgmtAddrs: n.mgmtAddrs,
    capabilities: n.capabilities,
  });
  const json = parseLldpctlJson(labFixture("lldpctl-f-json-n1-em3-trunk.json")).value.map(key);
  const kv = parseLldpctlKeyvalue(labFixture("lldpctl-f-keyvalue-n1-em3-trunk.txt")).value.map(key);
  const txt = parseLldpctlText(labFixture("lldpctl-n1-em3-trunk.txt")).value.map(key);
  assert.deepEqual(kv, json);
  assert.deepEqual(txt, json);
  const access = parseLldpctlJson(labFixture("lldpctl-f-json-two-ports-access.json")).value.map(key);
  assert.deepEqual(parseLldpctlText(labFixture("lldpctl-two-ports-access.txt")).value.map(key), access);
});

test("lldpPortMode: the cases the guide's NB allows, and no more", () => {
  const n = (pvid: number | undefined, vlans: LldpNeighbor["vlans"]): LldpNeighbor => ({
    pvid,
    vlans,
    mgmtAddrs: [],
    extra: {},
  });
  assert.equal(lldpPortMode(n(undefined, [])).mode, "unknown");
  assert.equal(lldpPortMode(n(1, [])).mode, "unknown");
  assert.equal(lldpPortMode(n(undefined, [{ id: 324 }])).mode, "unknown");
  assert.equal(lldpPortMode(n(1, [{ id: 324 }])).mode, "trunk");
  assert.equal(lldpPortMode(n(undefined, [{ id: 324, pvid: true }])).mode, "access");
  const trunk = lldpPortMode(n(1, [{ id: 319 }, { id: 320 }, { id: 330 }]), [319, 320, 324]);
  assert.equal(trunk.mode, "trunk");
  assert.deepEqual(trunk.missing, [324]);
  assert.match(trunk.reason, /expected VLANs not on the port: 324/);
});

test("tcpdump -t (no timestamps): frames found by their decode; a named PVID VLAN gets the pvid flag", () => {
  const text = [
    "LLDP, length 40",
    "\tSystem Name TLV (5), length 3: sw1",
    "\tOrganization specific TLV (127), length 6: OUI Ethernet bridged (0x0080c2)",
    "\t  Port VLAN Id Subtype (1)",
    "\t    port vlan id (PVID): 320",
    "\tOrganization specific TLV (127), length 16: OUI Ethernet bridged (0x0080c2)",
    "\t  VLAN name Subtype (3)",
    "\t    vlan id (VID): 320",
    "\t    vlan name: int-net-320",
  ].join("\n");
  const { value, issues } = parseLldpTcpdump(text);
  assert.deepEqual(issues, []);
  assert.deepEqual(value[0]?.vlans, [{ id: 320, name: "int-net-320", pvid: true }]);
  assert.equal(lldpPortMode(value[0]!).mode, "access");
});
