import assert from "node:assert/strict";
import { test } from "node:test";
import { runChecks } from "../../src/checks/engine.js";
import { ovsChainRules } from "../../src/checks/ovs-chain.js";
import { severityRank } from "../../src/checks/types.js";
import type { CloudModel } from "../../src/model/types.js";
import { exampleCopy, type FixtureNode, fixtureSnapshot, type ScratchSnapshot } from "../helpers/snapshot.js";

const OVS_IDS = ovsChainRules.map((r) => r.id);
const C = "nodes/compute/commands";
const N = "nodes/network/commands";
const COMPUTE_INI = "nodes/compute/files/etc/neutron/plugins/ml2/openvswitch_agent.ini";

function check(model: CloudModel, only: string[] = ["ovs.*"]) {
  return runChecks(model, { only });
}

function aboveInfo(model: CloudModel, only: string[] = ["ovs.*"]) {
  return check(model, only).findings.filter((f) => severityRank(f.severity) > severityRank("info"));
}

/** Runs a scratch snapshot through `fn` and always cleans it up. */
function withSnap<T>(snap: ScratchSnapshot, fn: (s: ScratchSnapshot) => T): T {
  try {
    return fn(snap);
  } finally {
    snap.dispose();
  }
}

/** Edits the JSON body of the example's Neutron port list. */
function editPorts(s: ScratchSnapshot, fn: (ports: Record<string, unknown>[]) => Record<string, unknown>[]) {
  s.edit("cloud/commands/neutron-api-ports.txt", (t) => {
    const body = JSON.parse(t) as { ports: Record<string, unknown>[] };
    return `${JSON.stringify({ ports: fn(body.ports) }, null, 2)}\n`;
  });
}

const COMPUTE_PORTS = [
  "qvoff8e411e-6e",
  "qvo1d40b89c-fe",
  "qvoa6e8c6e3-1c",
  "qvo65fb5ad8-b5",
  "qvof3b63d31-a0",
];

test("healthy reference cloud: no OVS-chain finding at all", () => {
  withSnap(exampleCopy(), (s) => {
    assert.deepEqual(check(s.model()).findings, []);
  });
});

test("F02: compute maps physnet1 instead of trunknet → root cause heads its dead ports", () => {
  withSnap(exampleCopy(), (s) => {
    // The deployment tool re-rendered the agent config with another label; after the agent restart every port
    // on compute failed to bind, was parked on VLAN 4095 and its translation flows were cleaned.
    s.edit(COMPUTE_INI, (t) =>
      t.replace("bridge_mappings = trunknet:br-em3", "bridge_mappings = physnet1:br-em3"),
    );
    s.edit(`${C}/ovs-vsctl-show.txt`, (t) => t.replace(/tag: [1-5]\n/g, "tag: 4095\n"));
    s.edit(`${C}/ovs-ofctl-dump-flows@br-int.txt`, (t) =>
      t
        .split("\n")
        .filter((l) => !l.includes("priority=3"))
        .join("\n"),
    );
    editPorts(s, (ports) =>
      ports.map((p) =>
        p["binding:host_id"] === "compute"
          ? { ...p, "binding:vif_type": "binding_failed", status: "DOWN" }
          : p,
      ),
    );
    const report = check(s.model());
    const root = report.findings.find((f) => f.rule === "ovs.physnet-not-mapped")!;
    assert.equal(root.severity, "critical");
    assert.equal(root.node, "compute");
    assert.equal(root.object, "physnet trunknet");
    assert.equal(root.group, "physnet:compute:trunknet");
    assert.equal(root.root, true);
    assert.equal(
      root.title,
      "physnet trunknet is not in bridge_mappings on compute (maps only physnet1:br-em3)",
    );
    assert.match(root.explanation, /5 port\(s\) binding_failed, 5 port\(s\) on the dead VLAN 4095/);
    assert.match(root.explanation, /physnet1 is used by no network/);
    assert.deepEqual(root.evidence[0], {
      path: COMPUTE_INI,
      line: 6,
      text: "bridge_mappings = physnet1:br-em3",
    });
    assert.ok(root.evidence.some((e) => e.path === `${C}/ovs-vsctl-show.txt` && e.line === 4));
    assert.deepEqual(root.fix.slice(0, 5), [
      "openstack network show int-net-324 -c provider:physical_network -c provider:segmentation_id",
      "openstack network agent list --host compute --agent-type open-vswitch --long",
      "grep -n bridge_mappings /etc/neutron/plugins/ml2/openvswitch_agent.ini",
      "crudini --set /etc/neutron/plugins/ml2/openvswitch_agent.ini ovs bridge_mappings trunknet:br-em3",
      "systemctl restart neutron-openvswitch-agent",
    ]);
    // Every dead port is a consequence listed under the root, and the root ranks first.
    const head = report.groups[0]!;
    assert.equal(head.head, root);
    const dead = head.consequences.filter((f) => f.rule === "ovs.dead-vlan-port");
    assert.deepEqual(dead.map((f) => f.object).sort(), COMPUTE_PORTS.map((p) => `br-int port ${p}`).sort());
    const qvo = dead.find((f) => f.object === "br-int port qvoff8e411e-6e")!;
    assert.match(
      qvo.explanation,
      /binding_failed on host compute, status DOWN, its network int-net-324 is on physnet trunknet, which compute does not map \(F02\)/,
    );
    // Other nodes are untouched.
    assert.ok(report.findings.every((f) => f.node === "compute"));
  });
});

test("F02/F09: br-ex deleted on the network node → mapped bridge missing, dangling int-br-ex", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${N}/ovs-vsctl-show.txt`, (t) => t.replace(/Bridge br-ex\n(?: {7}.*\n)+/, ""));
    s.remove(`${N}/ovs-ofctl-dump-flows@br-ex.txt`);
    s.remove(`${N}/ovs-ofctl-dump-flows@br-ex.meta.json`);
    s.remove(`${N}/ovs-ofctl-show@br-ex.txt`);
    s.remove(`${N}/ovs-ofctl-show@br-ex.meta.json`);
    const findings = check(s.model()).findings;
    const missing = findings.find((f) => f.rule === "ovs.mapped-bridge-missing")!;
    assert.equal(missing.severity, "critical");
    assert.equal(missing.node, "network");
    assert.equal(missing.object, "bridge br-ex");
    assert.equal(missing.title, "bridge br-ex (physnet external) does not exist on network");
    assert.deepEqual(missing.evidence, [
      {
        path: "nodes/network/files/etc/neutron/plugins/ml2/openvswitch_agent.ini",
        line: 6,
        text: "bridge_mappings = trunknet:br-em3,external:br-ex",
      },
      { path: `${N}/ovs-vsctl-show.txt` },
    ]);
    assert.equal(missing.group, "bridge:network:br-ex");
    assert.equal(missing.root, true);
    assert.deepEqual(missing.fix, [
      "ovs-vsctl list-br",
      "ovs-vsctl add-br br-ex",
      "ovs-vsctl add-port br-ex em4",
      "systemctl restart neutron-openvswitch-agent",
    ]);
    const patch = findings.find((f) => f.rule === "ovs.patch-peer")!;
    assert.equal(patch.object, "br-int port int-br-ex");
    assert.equal(patch.title, "br-int patch port int-br-ex points at phy-br-ex, which does not exist");
    assert.deepEqual(patch.evidence, [{ path: `${N}/ovs-vsctl-show.txt`, line: 18 }]);
  });
});

test("F09: em3 removed from br-em3 on compute → provider bridge without uplink", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${C}/ovs-vsctl-show.txt`, (t) =>
      t.replace('        Port "em3"\n            Interface "em3"\n', ""),
    );
    const f = check(s.model(), ["ovs.provider-bridge-no-uplink"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, "error");
    assert.equal(f[0]!.object, "bridge br-em3");
    assert.equal(f[0]!.title, "br-em3 (physnet trunknet) has no physical NIC on compute");
    assert.deepEqual(f[0]!.evidence[0], { path: `${C}/ovs-vsctl-show.txt`, line: 26 });
    assert.deepEqual(f[0]!.fix, [
      "ovs-vsctl list-ports br-em3",
      "ovs-vsctl add-port br-em3 em3",
      "ip link set em3 up",
    ]);
  });
});

test("F37: br-int re-created without fail_mode secure", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${C}/ovs-vsctl-show.txt`, (t) => t.replace("        fail_mode: secure\n", ""));
    const f = check(s.model(), ["ovs.fail-mode"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, "error");
    assert.equal(f[0]!.object, "bridge br-int");
    assert.equal(f[0]!.title, "br-int fail_mode is standalone (unset) on compute");
    assert.deepEqual(f[0]!.evidence, [{ path: `${C}/ovs-vsctl-show.txt`, line: 2 }]);
    assert.deepEqual(f[0]!.fix, [
      "ovs-vsctl get-fail-mode br-int",
      "ovs-vsctl set-fail-mode br-int secure",
      "systemctl restart neutron-openvswitch-agent",
    ]);
  });
});

const W = "9506hqwy-study-notes-2024/";
const INI_9506 = { text: "[ovs]\nbridge_mappings = provider:br-provider,mgmt:br-mgmt\n" };

function compute9506(show: string | { text: string }): FixtureNode {
  return {
    name: "compute",
    roles: ["compute"],
    evidence: {
      "ovs-vsctl-show": show,
      "ovs-ofctl-dump-flows@br-int": `${W}compute-ovs-ofctl-dump-flows-br-int-ovsfw-vlan100.txt`,
      "ovs-ofctl-dump-flows@br-provider": `${W}compute-ovs-ofctl-dump-flows-br-provider-vlan100.txt`,
      "ovs-ofctl-dump-flows@br-mgmt": `${W}compute-ovs-ofctl-dump-flows-br-mgmt.txt`,
    },
    files: { "/etc/neutron/plugins/ml2/openvswitch_agent.ini": INI_9506 },
  };
}

test("F37 on a 2024.1 node: br-provider reset to standalone while the agent sets mapped bridges secure", () => {
  const show = fixtureSnapshot([compute9506(`${W}compute-ovs-vsctl-show-stale-tap-error.txt`)]).read(
    "nodes/compute/commands/ovs-vsctl-show.txt",
  );
  const broken = show.replace(/(Bridge br-provider\n(?:.*\n){2}) {8}fail_mode: secure\n/, "$1");
  assert.notEqual(broken, show);
  withSnap(fixtureSnapshot([compute9506({ text: broken })]), (s) => {
    const f = check(s.model(), ["ovs.fail-mode"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, "warning");
    assert.equal(f[0]!.object, "bridge br-provider");
    assert.deepEqual(f[0]!.evidence, [{ path: "nodes/compute/commands/ovs-vsctl-show.txt", line: 39 }]);
  });
});

test("F36: int-br-em3 left with the agent's placeholder peer on the network node", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${N}/ovs-vsctl-show.txt`, (t) =>
      t.replace(
        '       Port "int-br-em3"\n           Interface "int-br-em3"\n               type: patch\n               options: {peer="phy-br-em3"}\n',
        '       Port "int-br-em3"\n           Interface "int-br-em3"\n               type: patch\n               options: {peer=nonexistent-peer}\n               error: "No usable peer \'nonexistent-peer\' exists in \'system\' datapath."\n',
      ),
    );
    const report = check(s.model(), ["ovs.patch-peer"]);
    assert.equal(report.findings.length, 1);
    const f = report.findings[0]!;
    assert.equal(f.severity, "error");
    assert.equal(f.node, "network");
    assert.equal(f.object, "br-int port int-br-em3");
    assert.equal(
      f.title,
      "br-int patch port int-br-em3 has peer nonexistent-peer (No usable peer 'nonexistent-peer' exists in 'system' datapath.)",
    );
    assert.equal(f.group, "patch:network:br-em3");
    assert.equal(f.root, true);
    // Both ends quoted: int-br-em3 and phy-br-em3, which still points at it.
    assert.deepEqual(f.evidence, [
      { path: `${N}/ovs-vsctl-show.txt`, line: 33 },
      { path: `${N}/ovs-vsctl-show.txt`, line: 5 },
    ]);
    assert.deepEqual(f.fix, [
      "ovs-vsctl get Interface int-br-em3 options:peer",
      "ovs-vsctl get Interface phy-br-em3 options:peer",
      "ovs-vsctl set Interface int-br-em3 options:peer=phy-br-em3",
      "ovs-vsctl set Interface phy-br-em3 options:peer=int-br-em3",
      "systemctl restart neutron-openvswitch-agent",
    ]);
  });
});

test("F11: a VM port booted while binding failed sits on VLAN 4095 with its drop flow", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${C}/ovs-vsctl-show.txt`, (t) =>
      t.replace('Port "qvo1d40b89c-fe"\n            tag: 5', 'Port "qvo1d40b89c-fe"\n            tag: 4095'),
    );
    s.edit(`${C}/ovs-ofctl-dump-flows@br-int.txt`, (t) =>
      t.replace(
        " cookie=0x0, duration=105041.336s",
        " cookie=0x0, duration=312.118s, table=0, n_packets=41, n_bytes=3690, idle_age=2, priority=2,in_port=5 actions=drop\n cookie=0x0, duration=105041.336s",
      ),
    );
    editPorts(s, (ports) =>
      ports.map((p) =>
        p.id === "1d40b89c-fea1-4817-a1e4-5c22f69a32e6"
          ? { ...p, "binding:vif_type": "binding_failed", status: "DOWN" }
          : p,
      ),
    );
    const f = check(s.model(), ["ovs.dead-vlan-port"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, "error");
    assert.equal(f[0]!.object, "br-int port qvo1d40b89c-fe");
    assert.equal(f[0]!.group, undefined);
    assert.match(
      f[0]!.explanation,
      /Neutron port 1d40b89c-fea1-4817-a1e4-5c22f69a32e6 is binding_failed on host compute, status DOWN\.$/,
    );
    assert.deepEqual(f[0]!.evidence, [
      { path: `${C}/ovs-vsctl-show.txt`, line: 7 },
      {
        path: `${C}/ovs-ofctl-dump-flows@br-int.txt`,
        line: 7,
        text: " cookie=0x0, duration=312.118s, table=0, n_packets=41, n_bytes=3690, idle_age=2, priority=2,in_port=5 actions=drop",
      },
      { path: "cloud/commands/neutron-api-ports.txt" },
    ]);
    assert.deepEqual(f[0]!.fix, [
      "ovs-vsctl get Port qvo1d40b89c-fe tag",
      "openstack port show 1d40b89c-fea1-4817-a1e4-5c22f69a32e6 -c status -c admin_state_up -c binding_vif_type -c binding_host_id",
      "grep 1d40b89c-fea1-4817-a1e4-5c22f69a32e6 /var/log/neutron/neutron-openvswitch-agent.log | tail",
      "systemctl restart neutron-openvswitch-agent",
    ]);
  });
});

test("F11 on the real OSISM excerpt: DHCP tap on tag 4095 (bridge line cut)", () => {
  withSnap(
    fixtureSnapshot([
      {
        name: "ctl",
        evidence: { "ovs-vsctl-show": "osism-docs-dead-ports/ovs-vsctl-show-excerpt-tag-4095-dead-port.txt" },
      },
    ]),
    (s) => {
      const f = check(s.model()).findings;
      assert.equal(f.length, 1);
      assert.equal(f[0]!.rule, "ovs.dead-vlan-port");
      assert.equal(f[0]!.object, "port tapc0f9a508-89 (bridge not shown in the excerpt)");
      assert.deepEqual(f[0]!.evidence, [{ path: "nodes/ctl/commands/ovs-vsctl-show.txt", line: 2 }]);
      assert.match(f[0]!.explanation, /The Neutron port is unknown \(no port list in the snapshot\)\./);
    },
  );
});

test("F38: qvo port that lost its tag, and the OSISM orphans without tags", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${C}/ovs-vsctl-show.txt`, (t) =>
      t.replace('Port "qvo65fb5ad8-b5"\n            tag: 3\n', 'Port "qvo65fb5ad8-b5"\n'),
    );
    const f = check(s.model(), ["ovs.untagged-agent-port"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, "error");
    assert.equal(f[0]!.object, "br-int port qvo65fb5ad8-b5");
    assert.equal(f[0]!.title, "qvo65fb5ad8-b5 has no VLAN tag on br-int (compute)");
    assert.deepEqual(f[0]!.evidence, [
      { path: `${C}/ovs-vsctl-show.txt`, line: 16 },
      { path: "cloud/commands/neutron-api-ports.txt" },
    ]);
    assert.deepEqual(f[0]!.fix, [
      "ovs-vsctl get Port qvo65fb5ad8-b5 tag",
      "openstack port show 65fb5ad8-b59a-4c9a-861d-4d92d572e7a6 -c status -c binding_vif_type -c binding_host_id",
      "systemctl restart neutron-openvswitch-agent",
    ]);
  });
  withSnap(
    fixtureSnapshot([
      {
        name: "c",
        evidence: {
          "ovs-vsctl-show": "osism-docs-dead-ports/ovs-vsctl-show-excerpt-orphan-ports-no-tag.txt",
        },
      },
    ]),
    (s) => {
      const f = check(s.model()).findings;
      assert.deepEqual(
        f.map((x) => [x.rule, x.object, x.evidence[0]!.line]),
        [
          ["ovs.untagged-agent-port", "port tap7f14056f-61 (bridge not shown in the excerpt)", 2],
          ["ovs.untagged-agent-port", "port tap646cf885-cf (bridge not shown in the excerpt)", 5],
        ],
      );
    },
  );
});

test("F31: a deleted VM's qvo stays in OVS with 'No such device'", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${C}/ovs-vsctl-show.txt`, (t) =>
      t.replace(
        '            Interface "qvof3b63d31-a0"\n',
        '            Interface "qvof3b63d31-a0"\n                error: "could not open network device qvof3b63d31-a0 (No such device)"\n',
      ),
    );
    editPorts(s, (ports) => ports.filter((p) => p.id !== "f3b63d31-a039-49c2-ada8-e98ee7d9390b"));
    const f = check(s.model(), ["ovs.interface-error"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, "warning");
    assert.equal(f[0]!.object, "br-int port qvof3b63d31-a0");
    assert.equal(
      f[0]!.title,
      "qvof3b63d31-a0: could not open network device qvof3b63d31-a0 (No such device) (compute)",
    );
    assert.deepEqual(f[0]!.evidence, [{ path: `${C}/ovs-vsctl-show.txt`, line: 19 }]);
    assert.deepEqual(f[0]!.fix, [
      "ovs-vsctl get Interface qvof3b63d31-a0 ofport error",
      "ip link show qvof3b63d31-a0",
      "openstack port show f3b63d31-a039-49c2-ada8-e98ee7d9390b -c status -c binding_host_id -c device_id",
      "ovs-vsctl del-port br-int qvof3b63d31-a0",
    ]);
  });
});

test("F31 on the real 2024.1 compute node: the stale tap635485ff-6c, nothing else above info", () => {
  withSnap(fixtureSnapshot([compute9506(`${W}compute-ovs-vsctl-show-stale-tap-error.txt`)]), (s) => {
    const f = aboveInfo(s.model());
    assert.equal(f.length, 1);
    assert.equal(f[0]!.rule, "ovs.interface-error");
    assert.equal(f[0]!.severity, "warning");
    assert.equal(f[0]!.object, "br-int port tap635485ff-6c");
    assert.deepEqual(f[0]!.evidence, [{ path: "nodes/compute/commands/ovs-vsctl-show.txt", line: 31 }]);
    assert.equal(f[0]!.fix.at(-1), "ovs-vsctl del-port br-int tap635485ff-6c");
  });
  withSnap(
    fixtureSnapshot([
      { name: "compute", evidence: { "ovs-vsctl-show": `${W}compute-ovs-vsctl-show-vxlan.txt` } },
    ]),
    (s) => {
      assert.deepEqual(
        aboveInfo(s.model()).map((f) => [f.rule, f.object]),
        [
          ["ovs.interface-error", "br-int port tap0ab9a23c-99"],
          ["ovs.interface-error", "br-int port tap635485ff-6c"],
        ],
      );
    },
  );
});

test("F19: ovs-vswitchd restarted after the agent, br-int empty → root cause heads the lost translations", () => {
  withSnap(exampleCopy(), (s) => {
    s.write(`${C}/ovs-ofctl-dump-flows@br-int.txt`, "NXST_FLOW reply (xid=0x4):\n");
    s.write(
      `${C}/ps.txt`,
      "  PID ELAPSED COMMAND\n    1 9123456 /sbin/init\n 1877  264811 /usr/bin/python /usr/bin/neutron-openvswitch-agent --config-file=/etc/neutron/neutron.conf --config-file=/etc/neutron/plugins/ml2/openvswitch_agent.ini\n 4012     388 ovsdb-server /etc/openvswitch/conf.db -vconsole:emer -vsyslog:err -vfile:info --remote=punix:/var/run/openvswitch/db.sock\n 4023     387 ovs-vswitchd unix:/var/run/openvswitch/db.sock -vconsole:emer -vsyslog:err -vfile:info --mlockall\n",
    );
    s.write(
      `${C}/ps.meta.json`,
      JSON.stringify({
        id: "ps",
        command: "ps -eo pid,etimes,args",
        exitCode: 0,
        stderr: "",
        origin: "test",
      }),
    );
    const report = runChecks(s.model(), { only: ["ovs.*", "vlan.*"] });
    const root = report.groups[0]!.head;
    assert.equal(root.rule, "ovs.flows-missing");
    assert.equal(root.severity, "critical");
    assert.equal(root.node, "compute");
    assert.equal(root.object, "bridge br-int");
    assert.equal(root.group, "flows-lost:compute");
    assert.equal(root.title, "br-int is secure and has 0 flow(s), no canary table 23 (compute)");
    assert.match(
      root.explanation,
      /ovs-vswitchd started 387 s ago, after neutron-openvswitch-agent \(264811 s\)\./,
    );
    assert.deepEqual(root.evidence, [
      { path: `${C}/ovs-vsctl-show.txt`, line: 2 },
      { path: `${C}/ovs-ofctl-dump-flows@br-int.txt` },
      {
        path: `${C}/ps.txt`,
        line: 5,
        text: "ovs-vswitchd unix:/var/run/openvswitch/db.sock -vconsole:emer -vsyslog:err -vfile:info --mlockall",
      },
      {
        path: `${C}/ps.txt`,
        line: 3,
        text: "/usr/bin/python /usr/bin/neutron-openvswitch-agent --config-file=/etc/neutron/neutron.conf --config-file=/etc/neutron/plugins/ml2/openvswitch_agent.ini",
      },
    ]);
    assert.equal(root.fix.at(-1), "systemctl restart neutron-openvswitch-agent");
    // The five networks of compute lost their ingress translation: consequences of the same root.
    assert.deepEqual(
      report.groups[0]!.consequences.map((f) => [f.rule, f.object]).sort(),
      ["enea-net", "inaf-net", "ingv-net", "int-net-324", "int-net-328"].map((n) => [
        "vlan.translation-missing",
        `network ${n}`,
      ]),
    );
  });
});

test("F20: agent restarted under a new cookie, the drop flow still carries the old one", () => {
  withSnap(exampleCopy(), (s) => {
    s.edit(`${C}/ovs-ofctl-dump-flows@br-int.txt`, (t) =>
      t
        .split("\n")
        .map((l) =>
          l.includes("actions=drop") && l.includes("priority=2")
            ? l.replace("cookie=0x0", "cookie=0x4e1d9b0c77a2f310")
            : l
                .replace("cookie=0x0", "cookie=0x9a6f3c21d8e4b507")
                .replace(/duration=\d+\.\d+s/, "duration=41.207s"),
        )
        .join("\n"),
    );
    const f = check(s.model(), ["ovs.stale-cookies"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, "warning");
    assert.equal(f[0]!.object, "bridge br-int");
    assert.equal(
      f[0]!.title,
      "1 flow(s) on br-int carry cookie 0x4e1d9b0c77a2f310, older than the agent's 0x9a6f3c21d8e4b507 (compute)",
    );
    assert.deepEqual(
      f[0]!.evidence.map((e) => e.line),
      [2, 7],
    );
    assert.equal(f[0]!.fix[0], "ovs-ofctl dump-flows br-int | awk '{print $1}' | sort | uniq -c");
  });
});

test("F21: VXLAN enabled on compute and network, but br-tun has no tunnel port", () => {
  withSnap(exampleCopy(), (s) => {
    for (const node of ["compute", "network"]) {
      s.edit(`nodes/${node}/files/etc/neutron/plugins/ml2/openvswitch_agent.ini`, (t) =>
        t
          .replace(
            "enable_tunneling = False",
            `enable_tunneling = True\nlocal_ip = 10.10.10.${node === "compute" ? 31 : 33}`,
          )
          .replace("[agent]\n", "[agent]\ntunnel_types = vxlan\n"),
      );
      s.edit(`nodes/${node}/commands/ovs-vsctl-show.txt`, (t) =>
        t.replace(
          /( *)ovs_version/,
          "$1Bridge br-tun\n$1    fail_mode: secure\n$1    Port br-tun\n$1        Interface br-tun\n$1            type: internal\n$1    Port patch-int\n$1        Interface patch-int\n$1            type: patch\n$1            options: {peer=patch-tun}\n$1ovs_version",
        ),
      );
    }
    // br-int's side of the tunnel patch, so the pair is complete and only the missing tunnel remains.
    s.edit(`${C}/ovs-vsctl-show.txt`, (t) =>
      t.replace(
        "        Port br-int\n",
        "        Port patch-tun\n            Interface patch-tun\n                type: patch\n                options: {peer=patch-int}\n        Port br-int\n",
      ),
    );
    const f = check(s.model(), ["ovs.tunnel-ports-missing"]).findings;
    assert.deepEqual(
      f.map((x) => [x.node, x.severity, x.object]),
      [
        ["compute", "error", "bridge br-tun"],
        ["network", "error", "bridge br-tun"],
      ],
    );
    assert.match(
      f[0]!.explanation,
      /^network, controller also run OVS agents, but compute has no tunnel to any of them/,
    );
    assert.deepEqual(f[0]!.evidence.slice(1), [
      { path: COMPUTE_INI, line: 10, text: "tunnel_types = vxlan" },
      { path: COMPUTE_INI, line: 6, text: "local_ip = 10.10.10.31" },
    ]);
    assert.ok(f[0]!.fix.includes("ip -o addr | grep 10.10.10.31"));
  });
});

test("F21 on the real Newton all-in-one: expected on one node (info), a fault on two", () => {
  const aio = (name: string): FixtureNode => ({
    name,
    evidence: {
      "ovs-vsctl-show": "github-notes-newton-aio-hybrid/ovs-vsctl-show-aio-hybrid-ovs2.5.txt",
      "ovs-ofctl-dump-flows@br-tun":
        "github-notes-newton-aio-hybrid/ovs-ofctl-dump-flows-br-tun-no-tunnel-ports.txt",
    },
    files: {
      "/etc/neutron/plugins/ml2/openvswitch_agent.ini": {
        text: "[ovs]\nbridge_mappings = external:br-ex\nlocal_ip = 10.0.0.10\n[agent]\ntunnel_types = vxlan\n",
      },
    },
  });
  withSnap(fixtureSnapshot([aio("aio")]), (s) => {
    const f = check(s.model(), ["ovs.tunnel-ports-missing"]).findings;
    assert.deepEqual(
      f.map((x) => x.severity),
      ["info"],
    );
    assert.deepEqual(aboveInfo(s.model()), []);
  });
  withSnap(fixtureSnapshot([aio("node1"), aio("node2")]), (s) => {
    const f = check(s.model(), ["ovs.tunnel-ports-missing"]).findings;
    assert.deepEqual(
      f.map((x) => [x.node, x.severity]),
      [
        ["node1", "error"],
        ["node2", "error"],
      ],
    );
    // The flood table's drop is quoted from the real dump.
    assert.equal(f[0]!.evidence.at(-1)!.path, "nodes/node1/commands/ovs-ofctl-dump-flows@br-tun.txt");
    assert.match(f[0]!.evidence.at(-1)!.text!, /table=22/);
  });
});

test("F35: ovsdb-server down: ovs-vsctl failed with 'database connection failed'", () => {
  withSnap(exampleCopy(), (s) => {
    s.write(`${C}/ovs-vsctl-show.txt`, "");
    s.write(
      `${C}/ovs-vsctl-show.meta.json`,
      JSON.stringify({
        id: "ovs-vsctl-show",
        command: "ovs-vsctl show",
        exitCode: 1,
        stderr:
          "ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)\n",
        origin: "live",
      }),
    );
    const report = check(s.model());
    const f = report.findings.filter((x) => x.rule === "ovs.daemons-down");
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, "critical");
    assert.equal(f[0]!.object, "ovsdb-server");
    assert.equal(f[0]!.title, "ovsdb-server does not answer on compute");
    assert.match(f[0]!.explanation, /database connection failed \(No such file or directory\)/);
    assert.deepEqual(f[0]!.evidence, [{ path: `${C}/ovs-vsctl-show.txt` }]);
    assert.equal(report.groups[0]!.head, f[0]);
  });
});

test("F35: ovs-vswitchd down while OVSDB still lists br-int: ovs-ofctl cannot reach the bridge", () => {
  withSnap(exampleCopy(), (s) => {
    s.write(`${N}/ovs-ofctl-dump-flows@br-int.txt`, "");
    s.write(
      `${N}/ovs-ofctl-dump-flows@br-int.meta.json`,
      JSON.stringify({
        id: "ovs-ofctl-dump-flows",
        param: "br-int",
        command: "ovs-ofctl dump-flows br-int",
        exitCode: 1,
        stderr: "ovs-ofctl: br-int is not a bridge or a socket\n",
        origin: "live",
      }),
    );
    const f = check(s.model(), ["ovs.daemons-down"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.node, "network");
    assert.equal(f[0]!.object, "ovs-vswitchd");
    assert.equal(f[0]!.title, "ovs-vswitchd does not answer on network");
    assert.deepEqual(f[0]!.evidence, [{ path: `${N}/ovs-ofctl-dump-flows@br-int.txt` }]);
  });
});

test("F35: the process list has no ovs-vswitchd", () => {
  withSnap(exampleCopy(), (s) => {
    s.write(
      `${C}/ps.txt`,
      "  PID ELAPSED COMMAND\n    1 9123456 /sbin/init\n 1877  264811 /usr/bin/python /usr/bin/neutron-openvswitch-agent --config-file=/etc/neutron/neutron.conf\n 4012  264900 ovsdb-server /etc/openvswitch/conf.db -vconsole:emer --remote=punix:/var/run/openvswitch/db.sock\n",
    );
    s.write(
      `${C}/ps.meta.json`,
      JSON.stringify({
        id: "ps",
        command: "ps -eo pid,etimes,args",
        exitCode: 0,
        stderr: "",
        origin: "test",
      }),
    );
    const f = check(s.model(), ["ovs.daemons-down"]).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.object, "ovs-vswitchd");
    assert.equal(f[0]!.title, "ovs-vswitchd not running on compute");
    assert.deepEqual(f[0]!.evidence, [{ path: `${C}/ps.txt` }]);
  });
});

const H = "hotsos-ussuri-dvr/";

test("healthy real data: hotsos Ussuri DVR sosreport (OF1.0 and OF1.3 dumps), 9506hqwy 2024.1 nodes", () => {
  const hotsos = (flows: (br: string) => string): FixtureNode => ({
    name: "compute4",
    roles: ["compute"],
    evidence: {
      "ovs-vsctl-show": `${H}ovs-vsctl-show.txt`,
      "ovsdb-interface": `${H}ovs-vsctl-list-interface.txt`,
      "ovsdb-bridge": `${H}ovs-vsctl-list-bridge.txt`,
      "ovs-ofctl-show@br-int": `${H}ovs-ofctl-show-br-int.txt`,
      "ovs-ofctl-show@br-data": `${H}ovs-ofctl-show-br-data.txt`,
      "ovs-ofctl-show@br-tun": `${H}ovs-ofctl-show-br-tun.txt`,
      "ovs-ofctl-dump-flows@br-int": flows("br-int"),
      "ovs-ofctl-dump-flows@br-data": flows("br-data"),
      "ovs-ofctl-dump-flows@br-tun": flows("br-tun"),
      "ip-addr": `${H}ip-d-address.txt`,
    },
    files: { "/etc/neutron/plugins/ml2/openvswitch_agent.ini": `${H}openvswitch_agent.ini` },
  });
  for (const node of [
    hotsos((br) => `${H}ovs-ofctl-dump-flows-${br}.txt`),
    hotsos((br) => `${H}ovs-ofctl-O-OpenFlow13-dump-flows-${br}.txt`),
  ])
    withSnap(fixtureSnapshot([node]), (s) => assert.deepEqual(aboveInfo(s.model()), []));
  withSnap(
    fixtureSnapshot(
      [
        {
          name: "controller",
          roles: ["controller", "network"],
          evidence: {
            "ovs-vsctl-show": `${W}controller-ovs-vsctl-show-with-router-vxlan.txt`,
            "ovs-ofctl-dump-flows@br-int": `${W}controller-ovs-ofctl-dump-flows-br-int-router.txt`,
            "ovs-ofctl-dump-flows@br-tun": `${W}controller-ovs-ofctl-dump-flows-br-tun.txt`,
          },
          files: {
            "/etc/neutron/plugins/ml2/openvswitch_agent.ini": {
              text: "[ovs]\nbridge_mappings = provider:br-provider,mgmt:br-mgmt\nlocal_ip = 172.16.0.11\n[agent]\ntunnel_types = vxlan\n",
            },
          },
        },
      ],
      { "openstack-network-agent-list": `${W}openstack-network-agent-list.txt` },
    ),
    (s) => assert.deepEqual(aboveInfo(s.model()), []),
  );
  withSnap(
    fixtureSnapshot([
      {
        name: "controller",
        evidence: {
          "ovs-vsctl-show": `${W}controller-ovs-vsctl-show-vlan-flat.txt`,
          "ovs-ofctl-dump-flows@br-int": `${W}controller-ovs-ofctl-dump-flows-br-int-vlan100.txt`,
          "ovs-ofctl-dump-flows@br-provider": `${W}controller-ovs-ofctl-dump-flows-br-provider-vlan100.txt`,
        },
        files: { "/etc/neutron/plugins/ml2/openvswitch_agent.ini": INI_9506 },
      },
      {
        name: "c32",
        evidence: { "ovs-vsctl-show": "osism-docs-dead-ports/ovs-vsctl-show-excerpt-normal-tag-32.txt" },
      },
      {
        name: "rhosp",
        evidence: { "ovs-vsctl-show": "insights-core-tests/ovs-vsctl-show-network-node-l3ha-ovs2.3.2.txt" },
      },
    ]),
    (s) => assert.deepEqual(aboveInfo(s.model()), []),
  );
});

test("every OVS-chain rule has an id, a fault and its documentation", () => {
  for (const r of ovsChainRules) {
    assert.match(r.id, /^ovs\.[a-z-]+$/);
    assert.ok(r.faults.length > 0 && r.doc.checks && r.doc.why && r.doc.fix, r.id);
  }
  assert.equal(new Set(OVS_IDS).size, OVS_IDS.length);
});
