import assert from "node:assert/strict";
import { test } from "node:test";
import { runChecks } from "../../src/checks/engine.js";
import { switchRules } from "../../src/checks/switch.js";
import { type Finding, severityRank } from "../../src/checks/types.js";
import type { CloudModel, LldpView } from "../../src/model/types.js";
import {
  type LldpNeighbor,
  lldpPortMode,
  parseLldpctlKeyvalue,
  parseLldpctlText,
} from "../../src/parse/lldp.js";
import { realFixture } from "../helpers/fixtures.js";
import { exampleCopy, fixtureSnapshot, type ScratchSnapshot, withSnapshot } from "../helpers/snapshot.js";

const C = "nodes/compute/commands";
const ML2 = "nodes/controller/files/etc/neutron/plugins/ml2/ml2_conf.ini";
const NETWORKS = "cloud/commands/neutron-api-networks.txt";
const RANGES = { path: ML2, line: 10, text: "network_vlan_ranges = trunknet:319:328" };
const QFX = "netbox-agent-lldp/lldpctl-f-keyvalue-juniper-qfx-vlan-pvid.txt";
const C2960 = "github-homework-lldpctl/lldpctl-cisco-c2960-access-vlan123-pvid.txt";

function switchFindings(model: CloudModel): Finding[] {
  return runChecks(model, { rules: switchRules }).findings;
}

const aboveInfo = (fs: Finding[]) => fs.filter((f) => severityRank(f.severity) > severityRank("info"));

/** 802.1 VLAN Name TLVs as `tcpdump -vvv` prints them, with Cisco's default VLAN names. */
function vlanNameTlvs(ids: number[]): string {
  return ids
    .map((id) => {
      const name = `VLAN${String(id).padStart(4, "0")}`;
      return (
        `Organization specific TLV (127), length ${7 + name.length}: OUI Ethernet bridged (0x0080c2)\n` +
        `  VLAN name Subtype (3)\n    vlan id (VID): ${id}\n    vlan name: ${name}\n`
      );
    })
    .join("");
}

/** The switch now also advertises these VLANs on the port (frames captured after the change). */
function advertise(s: ScratchSnapshot, rel: string, ids: number[]): void {
  s.edit(rel, (t) => t.replace("1 packet captured", `${vlanNameTlvs(ids)}1 packet captured`));
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** The guide's own anomaly (README "The guide's own anomalies, kept"): em1's access VLAN 320 is enea-net's. */
const GUIDE_EM1 = {
  rule: "switch.access-vlan-is-segment",
  severity: "warning",
  node: "compute",
  object: "NIC em1",
  title: "em1 (mgmt) is in VLAN 320 on stackdr2.GARR GigabitEthernet2/0/31, the segment of enea-net",
  explanation:
    "stackdr2.GARR GigabitEthernet2/0/31 is an access port of VLAN 320, and enea-net uses VLAN 320 on physnet trunknet, " +
    "trunked on the same switch (stackdr2.GARR GigabitEthernet2/0/3, em3 on compute): if the switch carries VLAN 320 " +
    "on that trunk, enea-net's VMs and em1's host network share one broadcast domain.",
  evidence: [{ path: `${C}/lldp@em1.txt` }, { path: NETWORKS }, { path: `${C}/lldp@em3.txt` }],
  fix: [
    "stackdr2.GARR# show vlan id 320   # lists every port in VLAN 320: the trunk must not carry it for the host network",
    "tcpdump -e -nn -c 20 -i em3 vlan 320   # on compute: host traffic here means a shared segment",
    "# move em1's port to a VLAN no network uses, or move enea-net off VLAN 320 and drop 320 from network_vlan_ranges",
  ],
};

test("reference cloud: the LLDP table, NICs without LLDP, and only the guide's own VLAN 320 anomaly", () => {
  withSnapshot(exampleCopy(), (s) => {
    const found = switchFindings(s.model());
    assert.deepEqual(
      found.map((f) => [f.rule, f.severity, f.node, f.object]),
      [
        ["switch.port", "info", "compute", "NIC em1"],
        ["switch.port", "info", "compute", "NIC em3"],
        ["switch.port", "info", "controller", "NIC em3"],
        ["switch.port", "info", "network", "NIC em3"],
        ["switch.lldp-missing", "info", "controller", "NIC em1"],
        ["switch.lldp-missing", "info", "network", "NIC em1"],
        ["switch.lldp-missing", "info", "network", "NIC em4"],
        ["switch.access-vlan-is-segment", "warning", "compute", "NIC em1"],
      ],
    );
    assert.deepEqual(aboveInfo(found), [GUIDE_EM1]);
    // The guide's trunk: PVID 1 without a VLAN list stays unknown (its NB), and says what it cannot confirm.
    assert.deepEqual(found[1], {
      rule: "switch.port",
      severity: "info",
      node: "compute",
      object: "NIC em3",
      title:
        "em3 (provider, physnet trunknet) → stackdr2.GARR GigabitEthernet2/0/3: unknown, PVID 1, no VLAN list",
      explanation:
        "LLDP: PVID 1 and no VLAN list: a trunk port looks the same as a port without VLAN settings (trunk or " +
        "untagged); cannot confirm the expected VLANs 319-328.",
      evidence: [{ path: `${C}/lldp@em3.txt` }],
      fix: ["tcpdump -vvv -s 1500 -c 1 ether proto 0x88cc -i em3", "lldpctl em3"],
    });
    assert.equal(
      found[0]!.title,
      "em1 (mgmt) → stackdr2.GARR GigabitEthernet2/0/31: access, PVID 320, no VLAN list",
    );
    assert.deepEqual(found[6], {
      rule: "switch.lldp-missing",
      severity: "info",
      node: "network",
      object: "NIC em4",
      title: "No LLDP neighbour seen on em4 (external NIC of physnet external) on network",
      explanation:
        "The snapshot holds no LLDP frame for this NIC (no capture, lldpd not running, the switch not sending LLDP, " +
        "or no link): its switch port, access/trunk mode and VLANs are unknown, not healthy.",
      evidence: [{ path: "nodes/network/commands/ip-addr.txt", line: 19 }],
      fix: ["tcpdump -vvv -s 1500 -c 1 ether proto 0x88cc -i em4", "lldpctl em4"],
      group: "nic:network:em4",
    });
  });
});

test("F08: compute's em3 cabled to an access port in VLAN 320 (the network team was asked for 'VLAN 320')", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${C}/lldp@em3.txt`, (t) => t.replace("port vlan id (PVID): 1", "port vlan id (PVID): 320"));
    const model = s.model();
    const access = {
      rule: "switch.access-port-on-provider-nic",
      severity: "error",
      node: "compute",
      object: "NIC em3",
      title:
        "em3 (physnet trunknet) faces an access port: stackdr2.GARR GigabitEthernet2/0/3, VLAN 320 on compute",
      explanation:
        "LLDP: only PVID 320, no VLAN list: access port in VLAN 320 as in the guide's example (the switch sends no " +
        "VLAN list that would show tagged VLANs). An access port drops 802.1Q-tagged frames, so int-net-324 (324), " +
        "inaf-net (325), ingv-net (327) and int-net-328 (328) reach nothing beyond compute (no DHCP, no router, no " +
        "other node) while VMs on compute still reach each other; only VLAN 320 arrives, untagged, which br-int drops " +
        "too. LLDP alone cannot rule out a trunk that advertises only its native VLAN: confirm with a tagged capture.",
      evidence: [{ path: `${C}/lldp@em3.txt` }, { path: `${C}/ip-addr.txt`, line: 7 }, RANGES],
      fix: [
        "tcpdump -e -nn -c 20 -i em3 vlan   # tagged frames leave, none come back on an access port",
        "stackdr2.GARR(config)# interface GigabitEthernet2/0/3",
        "stackdr2.GARR(config-if)# switchport mode trunk",
        "stackdr2.GARR(config-if)# switchport trunk allowed vlan 319-328",
        "tcpdump -vvv -s 1500 -c 1 ether proto 0x88cc -i em3",
      ],
      group: "nic:compute:em3",
      root: true,
    };
    assert.deepEqual(aboveInfo(switchFindings(model)), [access, GUIDE_EM1]);
    const report = runChecks(model, { only: ["switch.*"] });
    assert.deepEqual(report.groups[0]!.head, access);
    // An access port is not also reported as a trunk lacking VLANs, nor as a native-VLAN clash.
    assert.deepEqual(
      runChecks(model, { only: ["switch.trunk-missing-vlans", "switch.native-vlan-is-segment"] }).findings,
      [],
    );
  });
});

test("F04: the trunk advertises VLANs 319-323 only; in-use VLANs are an error, range-only ones a warning", () => {
  withSnapshot(exampleCopy(), (s) => {
    advertise(s, `${C}/lldp@em3.txt`, range(319, 323));
    // The controller's trunk lacks only 326, which no network uses yet.
    advertise(s, "nodes/controller/commands/lldp@em3.txt", [...range(319, 325), 327, 328]);
    const found = switchFindings(s.model());
    const missing = found.filter((f) => f.rule === "switch.trunk-missing-vlans");
    assert.deepEqual(missing[0], {
      rule: "switch.trunk-missing-vlans",
      severity: "error",
      node: "compute",
      object: "NIC em3",
      title:
        "Trunk stackdr2.GARR GigabitEthernet2/0/3 does not carry VLANs 324-325, 327-328 used on compute (em3)",
      explanation:
        "The switch advertises VLANs 319-323, native VLAN 1 on the port em3 faces. int-net-324 (324), inaf-net (325), " +
        "ingv-net (327) and int-net-328 (328) have ports on compute: their frames leave em3 tagged and the switch drops " +
        "them, so they reach nothing beyond the node while other VLANs work. network_vlan_ranges (trunknet:319:328) " +
        "also hands out 326, which the port lacks: the next network given one of them fails the same way. An LLDP " +
        "frame lists only the VLANs that fit in it: confirm on the switch.",
      evidence: [{ path: `${C}/lldp@em3.txt` }, { path: NETWORKS }, RANGES],
      fix: [
        "tcpdump -e -nn -c 20 -i em3 vlan 324   # requests leave, no reply comes back",
        "tcpdump -e -nn -c 20 -i em3 vlan 325   # requests leave, no reply comes back",
        "tcpdump -e -nn -c 20 -i em3 vlan 327   # requests leave, no reply comes back",
        "tcpdump -e -nn -c 20 -i em3 vlan 328   # requests leave, no reply comes back",
        "stackdr2.GARR(config)# interface GigabitEthernet2/0/3",
        "stackdr2.GARR(config-if)# switchport trunk allowed vlan add 324-328",
        "tcpdump -vvv -s 1500 -c 1 ether proto 0x88cc -i em3",
      ],
      group: "nic:compute:em3",
      root: true,
    });
    assert.deepEqual(
      missing.slice(1).map((f) => [f.severity, f.node, f.title, f.evidence, f.fix.slice(-2, -1)]),
      [
        [
          "warning",
          "controller",
          "Trunk stackdr2.GARR GigabitEthernet2/0/4 does not carry VLAN 326 of network_vlan_ranges (em3 on controller)",
          [{ path: "nodes/controller/commands/lldp@em3.txt" }, RANGES],
          ["stackdr2.GARR(config-if)# switchport trunk allowed vlan add 326"],
        ],
      ],
    );
    // The compute trunk now advertises VLAN 320 too: em1's access VLAN is confirmed shared with enea-net.
    const shared = found.find((f) => f.rule === "switch.access-vlan-is-segment")!;
    assert.match(
      shared.explanation,
      /that trunk advertises VLAN 320, so enea-net's VMs and em1's host network share/,
    );
    // The port table now calls both trunks trunks.
    assert.equal(
      found.find((f) => f.rule === "switch.port" && f.node === "controller")!.title,
      "em3 (provider, physnet trunknet) → stackdr2.GARR GigabitEthernet2/0/4: trunk, PVID 1, VLANs 319-325, 327-328",
    );
  });
});

test("F39: the network node's trunk carries 319-328 with native VLAN 324, int-net-324's segment", () => {
  withSnapshot(exampleCopy(), (s) => {
    const lldp = "nodes/network/commands/lldp@em3.txt";
    s.edit(lldp, (t) => t.replace("port vlan id (PVID): 1", "port vlan id (PVID): 324"));
    advertise(s, lldp, range(319, 328));
    const model = s.model();
    const native = {
      rule: "switch.native-vlan-is-segment",
      severity: "error",
      node: "network",
      object: "NIC em3",
      title:
        "Native VLAN (PVID) 324 of stackdr2.GARR GigabitEthernet2/0/5 is the segment of int-net-324 (em3 on network)",
      explanation:
        "The switch sends VLAN 324 untagged on this trunk, while br-int on network accepts int-net-324's frames only " +
        "tagged 324: replies reach em3 untagged and are dropped, so int-net-324 fails on network while the other VLANs work.",
      evidence: [{ path: lldp }, { path: NETWORKS }],
      fix: [
        "tcpdump -e -nn -c 20 -i em3 not vlan   # int-net-324's traffic arriving untagged",
        "stackdr2.GARR(config)# interface GigabitEthernet2/0/5",
        "stackdr2.GARR(config-if)# switchport trunk native vlan <a VLAN id no network uses>",
        "tcpdump -vvv -s 1500 -c 1 ether proto 0x88cc -i em3",
      ],
      group: "nic:network:em3",
      root: true,
    };
    assert.deepEqual(aboveInfo(switchFindings(model)), [native, GUIDE_EM1]);
    assert.deepEqual(runChecks(model, { only: ["switch.*"] }).groups[0]!.head, native);
  });
});

test("segment outside network_vlan_ranges: the range narrowed to 320-328 leaves ext-net-flat-319-bis's 319 out", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(ML2, (t) => t.replace("trunknet:319:328", "trunknet:320:328"));
    const outside = switchFindings(s.model()).filter((f) => f.rule === "switch.segment-outside-vlan-ranges");
    assert.deepEqual(outside, [
      {
        rule: "switch.segment-outside-vlan-ranges",
        severity: "warning",
        object: "network ext-net-flat-319-bis",
        title: "ext-net-flat-319-bis uses VLAN 319, outside network_vlan_ranges trunknet:320:328",
        explanation:
          "network_vlan_ranges gives physnet trunknet 320-328; ext-net-flat-319-bis was created with VLAN 319 (a provider " +
          "network set by an admin). Switch trunks are usually configured from the agreed range, so VLAN 319 may not be " +
          "allowed on them: then ext-net-flat-319-bis's traffic never crosses the switch (no DHCP, no gateway beyond the node).",
        evidence: [{ path: NETWORKS }, { ...RANGES, text: "network_vlan_ranges = trunknet:320:328" }],
        fix: [
          "openstack network show ext-net-flat-319-bis -c provider:physical_network -c provider:segmentation_id",
          "tcpdump -e -nn -c 20 -i em3 vlan 319   # on a node with a port of ext-net-flat-319-bis: replies must come back",
          "# on every trunk of physnet trunknet: switchport trunk allowed vlan add 319",
          "# or record it: network_vlan_ranges = trunknet:320:328,trunknet:319:319 in /etc/neutron/plugins/ml2/ml2_conf.ini",
        ],
      },
    ]);
  });
});

test("real LLDP (tcpdump test suite, Cisco C3560, PVID 1) on a provider NIC: only the port table, mode unknown", () => {
  withSnapshot(
    fixtureSnapshot([
      {
        name: "lab",
        roles: ["compute"],
        nics: [{ name: "eth0", role: "provider" }],
        evidence: { "lldp@eth0": "tcpdump-tests/tcpdump-e-v-lldp-and-cdp-cisco-c3560-pvid.txt" },
      },
    ]),
    (s) => {
      assert.deepEqual(switchFindings(s.model()), [
        {
          rule: "switch.port",
          severity: "info",
          node: "lab",
          object: "NIC eth0",
          title: "eth0 (provider) → S2.cisco.com GigabitEthernet0/13: unknown, PVID 1, no VLAN list",
          explanation:
            "LLDP: PVID 1 and no VLAN list: a trunk port looks the same as a port without VLAN settings (trunk or untagged).",
          evidence: [{ path: "nodes/lab/commands/lldp@eth0.txt" }],
          fix: ["tcpdump -vvv -s 1500 -c 1 ether proto 0x88cc -i eth0", "lldpctl eth0"],
        },
      ]);
    },
  );
});

/** The LldpView the model builds from a neighbour (model/nics.ts), for outputs the model does not read yet. */
function viewOf(n: LldpNeighbor, path: string): LldpView {
  const mode = lldpPortMode(n);
  return {
    ...(n.systemName !== undefined ? { systemName: n.systemName } : {}),
    ...(n.portId !== undefined ? { portId: n.portId } : {}),
    ...(n.portDescr !== undefined ? { portDescr: n.portDescr } : {}),
    ...(n.pvid !== undefined ? { pvid: n.pvid } : {}),
    vlans: n.vlans.map((v) => v.id),
    mode: mode.mode,
    modeReason: mode.reason,
    evidence: { path },
  };
}

/** A node whose `nic` is declared a provider NIC, with the real lldpctl neighbour put on it. */
function providerFacing(
  nic: string,
  n: LldpNeighbor,
  path: string,
): { s: ScratchSnapshot; model: CloudModel } {
  const s = fixtureSnapshot([{ name: "lab", roles: ["compute"], nics: [{ name: nic, role: "provider" }] }]);
  const model = s.model();
  model.nodes[0]!.nics[0]!.lldp = viewOf(n, path);
  return { s, model };
}

test("real lldpctl: the Juniper QFX access port (VLAN 296, pvid yes) facing a provider NIC is reported (Junos fix)", () => {
  const eth0 = parseLldpctlKeyvalue(realFixture(QFX)).value.find((n) => n.iface === "eth0")!;
  const { s, model } = providerFacing("eth0", eth0, `test/fixtures/real/${QFX}`);
  withSnapshot(s, () => {
    assert.deepEqual(aboveInfo(switchFindings(model)), [
      {
        rule: "switch.access-port-on-provider-nic",
        severity: "error",
        node: "lab",
        object: "NIC eth0",
        title: "eth0 faces an access port: sw-filer-f06.dc42 xe-0/0/1, VLAN 296 on lab",
        explanation:
          "LLDP: switch advertises only VLAN 296, and it is the PVID. An access port drops 802.1Q-tagged frames, so the " +
          "tagged VLAN networks of eth0 reach nothing beyond lab (no DHCP, no router, no other node) while VMs on lab " +
          "still reach each other. LLDP alone cannot rule out a trunk that advertises only its native VLAN: confirm " +
          "with a tagged capture.",
        evidence: [{ path: `test/fixtures/real/${QFX}` }],
        fix: [
          "tcpdump -e -nn -c 20 -i eth0 vlan   # tagged frames leave, none come back on an access port",
          "sw-filer-f06.dc42# set interfaces xe-0/0/1 unit 0 family ethernet-switching interface-mode trunk",
          "sw-filer-f06.dc42# set interfaces xe-0/0/1 unit 0 family ethernet-switching vlan members [ <provider VLAN ids> ]",
          "sw-filer-f06.dc42# commit",
          "tcpdump -vvv -s 1500 -c 1 ether proto 0x88cc -i eth0",
        ],
        group: "nic:lab:eth0",
        root: true,
      },
    ]);
  });
});

test("real lldpctl: the Cisco C2960 access port (VLAN 123, pvid yes) facing a provider NIC is reported", () => {
  const [n] = parseLldpctlText(realFixture(C2960)).value;
  const { s, model } = providerFacing("enp4s0", n!, `test/fixtures/real/${C2960}`);
  withSnapshot(s, () => {
    const found = aboveInfo(switchFindings(model));
    assert.deepEqual(
      found.map((f) => [f.rule, f.severity, f.object, f.title]),
      [
        [
          "switch.access-port-on-provider-nic",
          "error",
          "NIC enp4s0",
          "enp4s0 faces an access port: abc.def.ghi GigabitEthernet0/1, VLAN 123 on lab",
        ],
      ],
    );
    assert.deepEqual(found[0]!.fix.slice(1, 4), [
      "abc.def.ghi(config)# interface GigabitEthernet0/1",
      "abc.def.ghi(config-if)# switchport mode trunk",
      "abc.def.ghi(config-if)# switchport trunk allowed vlan <provider VLAN ids>",
    ]);
  });
});

// The model reads `lldp@<nic>` as a tcpdump capture and `lldpctl-json` as JSON only: lldpctl's keyvalue and
// plain outputs (and sosreport's lldpcli_show_neighbors_details, which is plain text) give no neighbour yet.

for (const [label, nic, fixture, title] of [
  [
    "Juniper QFX keyvalue",
    "eth0",
    QFX,
    "eth0 faces an access port: sw-filer-f06.dc42 xe-0/0/1, VLAN 296 on lab",
  ],
  [
    "Cisco C2960 plain",
    "enp4s0",
    C2960,
    "enp4s0 faces an access port: abc.def.ghi GigabitEthernet0/1, VLAN 123 on lab",
  ],
] as const) {
  test(`snapshot with the real ${label} lldpctl output on a provider NIC: access port reported`, () => {
    withSnapshot(
      fixtureSnapshot([
        {
          name: "lab",
          roles: ["compute"],
          nics: [{ name: nic, role: "provider" }],
          evidence: { [`lldp@${nic}`]: fixture },
        },
      ]),
      (s) => {
        assert.deepEqual(
          aboveInfo(switchFindings(s.model())).map((f) => [f.rule, f.title]),
          [["switch.access-port-on-provider-nic", title]],
        );
      },
    );
  });
}
