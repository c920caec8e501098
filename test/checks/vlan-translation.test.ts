import assert from "node:assert/strict";
import { test } from "node:test";
import { runChecks } from "../../src/checks/engine.js";
import { severityRank } from "../../src/checks/types.js";
import { vlanTranslationRules } from "../../src/checks/vlan-translation.js";
import type { CloudModel } from "../../src/model/types.js";
import { exampleCopy, type FixtureNode, fixtureSnapshot, type ScratchSnapshot } from "../helpers/snapshot.js";

const C = "nodes/compute/commands";
const N = "nodes/network/commands";

function check(model: CloudModel, only: string[] = ["vlan.*"]) {
  return runChecks(model, { only });
}

function aboveInfo(model: CloudModel) {
  return check(model).findings.filter((f) => severityRank(f.severity) > severityRank("info"));
}

function withSnap<T>(snap: ScratchSnapshot, fn: (s: ScratchSnapshot) => T): T {
  try {
    return fn(snap);
  } finally {
    snap.dispose();
  }
}

/** Drops the flow lines of a dump that contain `needle` (what `ovs-ofctl del-flows` leaves behind). */
const delFlows = (needle: string) => (t: string) =>
  t
    .split("\n")
    .filter((l) => !l.includes(needle))
    .join("\n");

test("healthy reference cloud: only the drop counters of the trunk, as info", () => {
  withSnap(exampleCopy(), (s) => {
    const f = check(s.model()).findings;
    assert.deepEqual(
      f.map((x) => [x.severity, x.node, x.object]),
      [
        ["info", "compute", "br-int drop flow in_port=int-br-em3"],
        ["info", "controller", "br-int drop flow in_port=int-br-em3"],
        ["info", "network", "br-int drop flow in_port=int-br-em3"],
        ["info", "network", "br-int drop flow in_port=int-br-ex"],
      ],
    );
  });
});

test("the guide's network node: n_packets=555 on both drop flows is read as traffic of VLANs it does not serve (info)", () => {
  withSnap(exampleCopy(), (s) => {
    const [em3, ex] = check(s.model(), ["vlan.drop-counters"]).findings.filter((f) => f.node === "network");
    assert.equal(em3!.severity, "info");
    assert.equal(em3!.title, "br-int dropped 555 frame(s) from int-br-em3 on network");
    assert.match(
      em3!.explanation,
      /^555 frames \(100492 bytes\) came from physnet trunknet through int-br-em3 that no translation accepts .*; br-int on network accepts VLAN 320→5, VLAN 324→2, VLAN 325→4, VLAN 327→3, VLAN 328→1 from it\. Frames of VLANs with no port on this node/,
    );
    assert.deepEqual(em3!.evidence, [
      {
        path: `${N}/ovs-ofctl-dump-flows@br-int.txt`,
        line: 7,
        text: "cookie=0x0, duration=6792.845s, table=0, n_packets=555, n_bytes=100492, idle_age=9, priority=2,in_port=1 actions=drop",
      },
    ]);
    assert.deepEqual(em3!.fix, [
      "ovs-ofctl dump-flows br-int | grep priority=2",
      "tcpdump -e -nn -c 50 -i em3",
    ]);
    assert.match(ex!.explanation, /through int-br-ex .* accepts nothing from it/);
    assert.equal(ex!.fix[1], "tcpdump -e -nn -c 50 -i em4");
  });
});

test("F16: del-flows removed VLAN 325's ingress flow on the network node → root, the counting drop flow under it", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${N}/ovs-ofctl-dump-flows@br-int.txt`, delFlows("dl_vlan=325"));
    const report = check(s.model());
    const missing = report.findings.filter((f) => f.rule === "vlan.translation-missing");
    assert.equal(missing.length, 1);
    const f = missing[0]!;
    assert.equal(f.severity, "error");
    assert.equal(f.node, "network");
    assert.equal(f.object, "network inaf-net");
    assert.equal(
      f.title,
      "inaf-net (VLAN 325) has ports on network but br-int has no VLAN 325 → local flow from int-br-em3",
    );
    assert.equal(
      f.explanation,
      "inaf-net (VLAN 325, physnet trunknet) has 1 port(s) on network (tap0a56d6da-39 tag 4), but br-int has no VLAN 325 → local flow from int-br-em3: frames from the wire for it are dropped at br-int (DHCP replies never reach its ports).",
    );
    assert.equal(f.group, "vlan:network:trunknet");
    assert.equal(f.root, true);
    assert.deepEqual(f.evidence, [
      { path: `${N}/ovs-vsctl-show.txt`, line: 45 },
      { path: "cloud/commands/neutron-api-networks.txt" },
      {
        path: `${N}/ovs-ofctl-dump-flows@br-int.txt`,
        line: 6,
        text: "cookie=0x0, duration=6792.845s, table=0, n_packets=555, n_bytes=100492, idle_age=9, priority=2,in_port=1 actions=drop",
      },
    ]);
    assert.deepEqual(f.fix, [
      "ovs-ofctl dump-flows br-int | grep dl_vlan=325",
      "ovs-ofctl dump-flows br-em3 | grep -E 'mod_vlan_vid:325|set_field:4421->vlan_vid'",
      "ovs-vsctl get Port tap0a56d6da-39 tag",
      "ovs-appctl ofproto/trace br-em3 in_port=em3,dl_vlan=325,dl_dst=fa:16:3e:db:17:9d",
      "systemctl restart neutron-openvswitch-agent",
    ]);
    // The root ranks first; the drop flow it explains is raised to warning and listed under it.
    const g = report.groups[0]!;
    assert.equal(g.head, f);
    assert.deepEqual(
      g.consequences.map((c) => [c.rule, c.severity, c.object]),
      [["vlan.drop-counters", "warning", "br-int drop flow in_port=int-br-em3"]],
    );
    assert.match(
      g.consequences[0]!.explanation,
      /inaf-net \(VLAN 325, physnet trunknet\) has ports here but no translation/,
    );
  });
});

test("F16: egress flow local 2 → 320 missing on compute's br-em3", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${C}/ovs-ofctl-dump-flows@br-em3.txt`, delFlows("mod_vlan_vid:320"));
    const f = check(s.model(), ["vlan.translation-missing"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.object, "network enea-net");
    assert.equal(
      f[0]!.title,
      "enea-net (VLAN 320) has ports on compute but br-em3 has no local → VLAN 320 flow",
    );
    assert.match(
      f[0]!.explanation,
      /\(qvof3b63d31-a0 tag 2\), but br-em3 has no local → VLAN 320 flow: its frames never leave the host\.$/,
    );
    assert.deepEqual(f[0]!.evidence.at(-1), { path: `${C}/ovs-ofctl-dump-flows@br-em3.txt` });
  });
});

test("F02 consequence: with physnet1 mapped on compute, the missing translations join the physnet root's group", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit("nodes/compute/files/etc/neutron/plugins/ml2/openvswitch_agent.ini", (t) =>
      t.replace("trunknet:br-em3", "physnet1:br-em3"),
    );
    s.edit(`${C}/ovs-ofctl-dump-flows@br-int.txt`, delFlows("priority=3"));
    s.edit(`${C}/ovs-ofctl-dump-flows@br-em3.txt`, delFlows("priority=4"));
    const report = runChecks(s.model(), { only: ["ovs.physnet-not-mapped", "vlan.*"] });
    const g = report.groups[0]!;
    assert.equal(g.head.rule, "ovs.physnet-not-mapped");
    const missing = g.consequences.filter((f) => f.rule === "vlan.translation-missing");
    assert.equal(missing.length, 5);
    assert.ok(missing.every((f) => f.group === "physnet:compute:trunknet" && f.root === undefined));
    const f324 = missing.find((f) => f.object === "network int-net-324")!;
    assert.equal(f324.title, "int-net-324 (VLAN 324) has ports on compute but no translation exists");
    assert.equal(
      f324.explanation,
      "int-net-324 (VLAN 324, physnet trunknet) has 1 port(s) on compute (qvoff8e411e-6e tag 1), but no translation exists: physnet trunknet is not in bridge_mappings on compute (F02), so none can be installed and the network cannot reach the wire here.",
    );
    // br-em3 now carries a label no network uses: its drop flow eats trunknet's frames, under the same root.
    const drop = g.consequences.find((f) => f.rule === "vlan.drop-counters")!;
    assert.equal(drop.severity, "warning");
    assert.equal(drop.object, "br-int drop flow in_port=int-br-em3");
    assert.match(
      drop.explanation,
      /have ports here but no translation, and no network uses physnet physnet1/,
    );
  });
});

test("F16 inconsistency: after a partial resync qvoff8e411e-6e has tag 6 while br-int maps 324 to 1", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${C}/ovs-vsctl-show.txt`, (t) =>
      t.replace('Port "qvoff8e411e-6e"\n            tag: 1', 'Port "qvoff8e411e-6e"\n            tag: 6'),
    );
    const f = check(s.model(), ["vlan.*"]).findings.filter((x) => x.severity !== "info");
    assert.equal(f.length, 1);
    assert.equal(f[0]!.rule, "vlan.local-vlan-mismatch");
    assert.equal(f[0]!.severity, "error");
    assert.equal(f[0]!.object, "network int-net-324");
    assert.equal(
      f[0]!.title,
      "int-net-324: local VLAN disagrees on compute (port tag 6 is not the local VLAN 1 of the translation flows)",
    );
    assert.deepEqual(f[0]!.evidence, [
      { path: `${C}/ovs-vsctl-show.txt`, line: 4 },
      {
        path: `${C}/ovs-ofctl-dump-flows@br-int.txt`,
        line: 2,
        text: " cookie=0x0, duration=105039.122s, table=0, n_packets=5963, n_bytes=482203, idle_age=1104, hard_age=65534, priority=3,in_port=1,dl_vlan=324 actions=mod_vlan_vid:1,NORMAL",
      },
      {
        path: `${C}/ovs-ofctl-dump-flows@br-em3.txt`,
        line: 2,
        text: " cookie=0x0, duration=105402.89s, table=0, n_packets=7374, n_bytes=905197, idle_age=1468, hard_age=65534, priority=4,in_port=2,dl_vlan=1 actions=mod_vlan_vid:324,NORMAL",
      },
    ]);
    assert.deepEqual(f[0]!.fix, [
      "ovs-vsctl get Port qvoff8e411e-6e tag",
      "ovs-ofctl dump-flows br-int | grep dl_vlan=324",
      "systemctl restart neutron-openvswitch-agent",
    ]);
  });
});

test("F16: two networks on one local VLAN (325 translated to 2 like 320) on compute", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${C}/ovs-ofctl-dump-flows@br-int.txt`, (t) =>
      t.replace("dl_vlan=325 actions=mod_vlan_vid:3", "dl_vlan=325 actions=mod_vlan_vid:2"),
    );
    const f = check(s.model(), ["vlan.local-vlan-shared"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, "error");
    assert.equal(f[0]!.object, "local VLAN 2");
    assert.equal(f[0]!.title, "local VLAN 2 on compute serves VLAN 320 (trunknet) and VLAN 325 (trunknet)");
    assert.deepEqual(
      f[0]!.evidence.map((e) => [e.path, e.line]),
      [
        [`${C}/ovs-ofctl-dump-flows@br-int.txt`, 3],
        [`${C}/ovs-ofctl-dump-flows@br-int.txt`, 4],
      ],
    );
    assert.deepEqual(f[0]!.fix, [
      "ovs-ofctl dump-flows br-int | grep mod_vlan_vid:2",
      "ovs-vsctl --columns=name,tag find Port tag=2",
      "systemctl restart neutron-openvswitch-agent",
    ]);
    // The same edit breaks inaf-net's agreement with its port tag and egress flow.
    assert.equal(check(s.model(), ["vlan.local-vlan-mismatch"]).findings[0]!.object, "network inaf-net");
  });
});

test("stale translation: VLAN 326 of a deleted network still mapped on the network node", () => {
  const stale =
    "cookie=0x0, duration=6721.004s, table=0, n_packets=17, n_bytes=1020, idle_age=88, priority=3,in_port=1,dl_vlan=326 actions=mod_vlan_vid:6,NORMAL\n";
  withSnap(exampleCopy(), (s) => {
    s.edit(`${N}/ovs-ofctl-dump-flows@br-int.txt`, (t) =>
      t.replace("NXST_FLOW reply (xid=0x4):\n", `NXST_FLOW reply (xid=0x4):\n${stale}`),
    );
    const f = check(s.model(), ["vlan.stale-translation"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, "info");
    assert.equal(f[0]!.object, "VLAN 326");
    assert.equal(f[0]!.title, "network still translates VLAN 326 (local 6), which no network has");
    assert.deepEqual(f[0]!.evidence, [
      { path: `${N}/ovs-ofctl-dump-flows@br-int.txt`, line: 2, text: stale.trim() },
    ]);
    assert.equal(f[0]!.fix[0], "openstack network list --provider-segment 326 --long");
  });
  // Its local VLAN now belongs to inaf-net's DHCP port: frames tagged 326 on the wire reach inaf-net.
  withSnap(exampleCopy(), (s) => {
    s.edit(`${N}/ovs-ofctl-dump-flows@br-int.txt`, (t) =>
      t.replace(
        "NXST_FLOW reply (xid=0x4):\n",
        `NXST_FLOW reply (xid=0x4):\n${stale.replace("mod_vlan_vid:6", "mod_vlan_vid:4")}`,
      ),
    );
    const f = check(s.model(), ["vlan.stale-translation"]).findings;
    assert.equal(f[0]!.severity, "warning");
    assert.match(
      f[0]!.explanation,
      /tap0a56d6da-39 now uses that local VLAN: frames tagged 326 on the wire are delivered into their network/,
    );
    assert.deepEqual(f[0]!.evidence[1], { path: `${N}/ovs-vsctl-show.txt`, line: 45 });
  });
});

test("without Neutron data: a port tag that no ingress or tunnel flow sets", () => {
  withSnap(exampleCopy(), (s) => {
    s.remove("cloud/commands/neutron-api-ports.txt");
    s.remove("cloud/commands/neutron-api-ports.meta.json");
    s.edit(`${N}/ovs-ofctl-dump-flows@br-int.txt`, delFlows("dl_vlan=325"));
    const f = check(s.model(), ["vlan.port-tag-unwired"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, "warning");
    assert.equal(f[0]!.node, "network");
    assert.equal(f[0]!.object, "local VLAN 4");
    assert.equal(
      f[0]!.title,
      "local VLAN 4 of tap0a56d6da-39 is not translated to any physnet or tunnel on network",
    );
    assert.deepEqual(f[0]!.evidence, [
      { path: `${N}/ovs-vsctl-show.txt`, line: 45 },
      { path: `${N}/ovs-ofctl-dump-flows@br-int.txt` },
    ]);
  });
});

const H = "hotsos-ussuri-dvr/";
const W = "9506hqwy-study-notes-2024/";
const INI_9506 = { text: "[ovs]\nbridge_mappings = provider:br-provider,mgmt:br-mgmt\n" };

test("real healthy pairs: 9506hqwy VLAN 100 → local 2 on compute and controller, hotsos flat physnet1 on br-data", () => {
  const w9506 = (node: "compute" | "controller", show: string, brInt: string): FixtureNode => ({
    name: node,
    evidence: {
      "ovs-vsctl-show": `${W}${show}`,
      "ovs-ofctl-dump-flows@br-int": `${W}${brInt}`,
      "ovs-ofctl-dump-flows@br-provider": `${W}${node}-ovs-ofctl-dump-flows-br-provider-vlan100.txt`,
    },
    files: { "/etc/neutron/plugins/ml2/openvswitch_agent.ini": INI_9506 },
  });
  withSnap(
    fixtureSnapshot(
      [
        w9506(
          "compute",
          "compute-ovs-vsctl-show-stale-tap-error.txt",
          "compute-ovs-ofctl-dump-flows-br-int-ovsfw-vlan100.txt",
        ),
        w9506(
          "controller",
          "controller-ovs-vsctl-show-vlan-flat.txt",
          "controller-ovs-ofctl-dump-flows-br-int-vlan100.txt",
        ),
      ],
      { "openstack-network-list": `${W}openstack-network-create-vlan-provider-100.txt` },
    ),
    (s) => {
      const model = s.model();
      const compute = model.nodes.find((n) => n.name === "compute")!;
      assert.deepEqual(
        compute.vlanTranslations
          .filter((t) => t.segmentationId === 100)
          .map((t) => [t.direction, t.localVlan]),
        [
          ["ingress", 2],
          ["egress", 2],
        ],
      );
      assert.deepEqual(aboveInfo(model), []);
    },
  );
  for (const dump of ["ovs-ofctl-dump-flows", "ovs-ofctl-O-OpenFlow13-dump-flows"])
    withSnap(
      fixtureSnapshot([
        {
          name: "compute4",
          evidence: {
            "ovs-vsctl-show": `${H}ovs-vsctl-show.txt`,
            "ovsdb-interface": `${H}ovs-vsctl-list-interface.txt`,
            "ovs-ofctl-show@br-int": `${H}ovs-ofctl-show-br-int.txt`,
            "ovs-ofctl-show@br-data": `${H}ovs-ofctl-show-br-data.txt`,
            "ovs-ofctl-dump-flows@br-int": `${H}${dump}-br-int.txt`,
            "ovs-ofctl-dump-flows@br-data": `${H}${dump}-br-data.txt`,
            "ovs-ofctl-dump-flows@br-tun": `${H}${dump}-br-tun.txt`,
          },
          files: { "/etc/neutron/plugins/ml2/openvswitch_agent.ini": `${H}openvswitch_agent.ini` },
        },
      ]),
      (s) => {
        const f = check(s.model()).findings;
        // The only finding: br-int's drop counter from int-br-data, read as info.
        assert.deepEqual(
          f.map((x) => [x.rule, x.severity, x.object]),
          [["vlan.drop-counters", "info", "br-int drop flow in_port=int-br-data"]],
        );
        assert.match(
          f[0]!.explanation,
          /^5696 frames .* br-int on compute4 accepts untagged \(flat\)→2 from it\./,
        );
      },
    );
});

test("every VLAN rule has an id, a fault and its documentation", () => {
  for (const r of vlanTranslationRules) {
    assert.match(r.id, /^vlan\.[a-z-]+$/);
    assert.ok(r.faults.length > 0 && r.doc.checks && r.doc.why && r.doc.fix, r.id);
  }
});
