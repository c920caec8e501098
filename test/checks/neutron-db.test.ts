import assert from "node:assert/strict";
import { test } from "node:test";
import { runChecks } from "../../src/checks/engine.js";
import { neutronDbRules } from "../../src/checks/neutron-db.js";
import type { Finding } from "../../src/checks/types.js";
import type { CloudModel } from "../../src/model/types.js";
import { exampleCopy, fixtureSnapshot, type ScratchSnapshot, withSnapshot } from "../helpers/snapshot.js";

const ALLOC = "cloud/commands/mysql-ml2-vlan-allocations.txt";
const ML2 = "nodes/controller/files/etc/neutron/plugins/ml2/ml2_conf.ini";
const OVS_INI = (n: string) => `nodes/${n}/files/etc/neutron/plugins/ml2/openvswitch_agent.ini`;
const CHI = "chi-in-a-box/mysql-ml2_vlan_allocations-join-networksegments.txt";
const RANGES_REF = { path: ML2, line: 10, text: "network_vlan_ranges = trunknet:319:328" };
const TABLE_REF = { path: ALLOC };
const NETS_REF = { path: "cloud/commands/neutron-api-networks.txt" };

function db(model: CloudModel, id?: string): Finding[] {
  return runChecks(model, { rules: neutronDbRules, ...(id ? { only: [id] } : {}) }).findings;
}

/** The guide's table with the flags a healthy Neutron keeps: allocated=1 for the six VLANs networks use. */
function fixFlags(s: ScratchSnapshot): void {
  s.edit(ALLOC, (t) => t.replace(/\| (319|320|324|325|327|328) \| {6}0 \|/g, "| $1 |      1 |"));
}

test("healthy reference cloud: only the guide's own anomaly — six VLANs in use marked allocated=0 (F41)", () => {
  withSnapshot(exampleCopy(), (s) => {
    const found = db(s.model());
    assert.deepEqual(found, [
      {
        rule: "neutron.vlan-in-use-not-allocated",
        severity: "error",
        object: "ml2_vlan_allocations physnet trunknet",
        title: "VLANs 319, 320, 324, 325, 327, 328 in use but marked free (allocated=0)",
        explanation:
          "Networks ext-net-flat-319-bis (319), enea-net (320), int-net-324 (324), inaf-net (325), ingv-net (327), " +
          "int-net-328 (328) use these VLANs, but their rows say allocated=0: the next tenant network can be given " +
          "one of them and share its broadcast domain with an existing network.",
        evidence: [TABLE_REF, NETS_REF],
        fix: [
          `mysql neutron -e "select * from ml2_vlan_allocations where physical_network='trunknet' and vlan_id in (319,320,324,325,327,328)"`,
          `mysql neutron -e "select network_id, physical_network, segmentation_id from networksegments where network_type='vlan'" # ml2_network_segments before Newton`,
          "mysqldump neutron ml2_vlan_allocations > ml2_vlan_allocations.backup.sql",
          `mysql neutron -e "update ml2_vlan_allocations set allocated=1 where physical_network='trunknet' and vlan_id in (319,320,324,325,327,328)"`,
        ],
      },
    ]);
  });
});

test("the guide's table with the flags corrected: no finding at all", () => {
  withSnapshot(exampleCopy(), (s) => {
    fixFlags(s);
    assert.deepEqual(db(s.model()), []);
  });
});

test("neutron.physnet-unmapped: agents rendered with physnet1 while ML2 offers trunknet — root of every network on it (F02)", () => {
  withSnapshot(exampleCopy(), (s) => {
    fixFlags(s);
    // A deployment tool that renders the agents' label differently from ml2_conf.ini (crowbar bsc#969877).
    for (const n of ["compute", "controller", "network"])
      s.edit(OVS_INI(n), (t) =>
        t.replace("bridge_mappings = trunknet:br-em3", "bridge_mappings = physnet1:br-em3"),
      );
    const report = runChecks(s.model(), { rules: neutronDbRules, only: ["neutron.physnet-unmapped"] });
    assert.equal(report.groups.length, 1);
    const { head, consequences } = report.groups[0]!;
    assert.deepEqual(head, {
      rule: "neutron.physnet-unmapped",
      severity: "error",
      node: "controller",
      object: "physnet trunknet",
      title: "physnet trunknet is offered by ML2 but no host maps it in bridge_mappings",
      explanation:
        "ML2 offers VLANs 319-328 on trunknet, but none of compute, controller, network has a bridge for it: every " +
        'port of a network on trunknet fails to bind (binding_failed) and boots end in "No valid host was found".',
      evidence: [
        RANGES_REF,
        { path: OVS_INI("compute"), line: 6, text: "bridge_mappings = physnet1:br-em3" },
        { path: OVS_INI("controller"), line: 6, text: "bridge_mappings = physnet1:br-em3" },
        { path: OVS_INI("network"), line: 6, text: "bridge_mappings = physnet1:br-em3,external:br-ex" },
      ],
      fix: [
        "openstack network agent list --agent-type open-vswitch -c ID -c Host -c Alive",
        // br-em3 can carry one label only: physnet1 is replaced, external:br-ex stays.
        "ssh compute crudini --set /etc/neutron/plugins/ml2/openvswitch_agent.ini ovs bridge_mappings trunknet:br-em3 && ssh compute systemctl restart neutron-openvswitch-agent",
        "ssh controller crudini --set /etc/neutron/plugins/ml2/openvswitch_agent.ini ovs bridge_mappings trunknet:br-em3 && ssh controller systemctl restart neutron-openvswitch-agent",
        "ssh network crudini --set /etc/neutron/plugins/ml2/openvswitch_agent.ini ovs bridge_mappings external:br-ex,trunknet:br-em3 && ssh network systemctl restart neutron-openvswitch-agent",
      ],
      group: "physnet-unmapped:trunknet",
      root: true,
    });
    assert.deepEqual(
      consequences.map((c) => [c.object, c.severity, c.group]),
      [
        ["network int-net-324", "warning", "physnet-unmapped:trunknet"],
        ["network inaf-net", "warning", "physnet-unmapped:trunknet"],
        ["network ext-net-flat-319-bis", "warning", "physnet-unmapped:trunknet"],
        ["network int-net-328", "warning", "physnet-unmapped:trunknet"],
        ["network ingv-net", "warning", "physnet-unmapped:trunknet"],
        ["network enea-net", "warning", "physnet-unmapped:trunknet"],
      ],
    );
    assert.deepEqual(consequences[0], {
      rule: "neutron.physnet-unmapped",
      severity: "warning",
      object: "network int-net-324",
      title: "network int-net-324 cannot be bound on any host (physnet trunknet unmapped)",
      explanation: "int-net-324 is vlan 324 on trunknet: no agent can plug its ports.",
      evidence: [NETS_REF],
      fix: [
        "openstack network show 13c334c1-ad39-4c51-b396-953430059b22 -c provider:physical_network -c provider:segmentation_id",
        "openstack port list --network 13c334c1-ad39-4c51-b396-953430059b22 --long -c ID -c Status",
      ],
      group: "physnet-unmapped:trunknet",
    });
  });
});

test("neutron.physnet-unmapped: an agent host missing from the snapshot makes it a warning that says unknown", () => {
  withSnapshot(exampleCopy(), (s) => {
    fixFlags(s);
    s.edit(ML2, (t) =>
      t.replace(
        "network_vlan_ranges = trunknet:319:328",
        "network_vlan_ranges = trunknet:319:328,storage:400:409",
      ),
    );
    s.edit("cloud/commands/openstack-network-agent-list.txt", (t) =>
      t.replace(
        "[\n",
        '[\n  {\n    "ID": "5b7f3c1e-2d4a-4e8b-9c6f-1a2b3c4d5e6f",\n    "Agent Type": "Open vSwitch agent",\n    "Host": "storage01",\n    "Availability Zone": null,\n    "Alive": true,\n    "State": true,\n    "Binary": "neutron-openvswitch-agent"\n  },\n',
      ),
    );
    const [f, ...rest] = db(s.model(), "neutron.physnet-unmapped");
    assert.deepEqual(rest, []);
    assert.equal(f!.severity, "warning");
    assert.equal(f!.object, "physnet storage");
    assert.deepEqual(f!.evidence[0], {
      path: ML2,
      line: 10,
      text: "network_vlan_ranges = trunknet:319:328,storage:400:409",
    });
    assert.equal(
      f!.explanation,
      "ML2 offers VLANs 400-409 on storage, but none of compute, controller, network has a bridge for it: every port " +
        'of a network on storage fails to bind (binding_failed) and boots end in "No valid host was found". Open ' +
        "vSwitch agents on storage01 are not in the snapshot: whether they map it is unknown.",
    );
    assert.equal(
      f!.fix[1],
      "ssh compute crudini --set /etc/neutron/plugins/ml2/openvswitch_agent.ini ovs bridge_mappings trunknet:br-em3,storage:<bridge of storage> && ssh compute systemctl restart neutron-openvswitch-agent",
    );
  });
});

test("neutron.vlan-allocation-unknown-physnet: rows of a physnet dropped from network_vlan_ranges", () => {
  withSnapshot(exampleCopy(), (s) => {
    fixFlags(s);
    // The range moved from physnet `oldnet` to trunknet; neutron-server was not restarted since.
    s.edit(ALLOC, (t) =>
      t.replace(
        "| trunknet      | 319 |",
        "| oldnet        | 100 |      0 |\n| oldnet        | 101 |      0 |\n| trunknet      | 319 |",
      ),
    );
    assert.deepEqual(db(s.model()), [
      {
        rule: "neutron.vlan-allocation-unknown-physnet",
        severity: "warning",
        object: "ml2_vlan_allocations physnet oldnet",
        title:
          "ml2_vlan_allocations has rows for physnet oldnet (VLANs 100-101), which network_vlan_ranges does not declare",
        explanation:
          "VLANs 100-101 of oldnet in the table, but oldnet is not in network_vlan_ranges (trunknet): stale rows " +
          "after a range change; none is allocated, so a neutron-server restart removes them.",
        evidence: [TABLE_REF, RANGES_REF],
        fix: [
          `mysql neutron -e "select * from ml2_vlan_allocations where physical_network='oldnet' and allocated=1"`,
          "grep -r network_vlan_ranges /etc/neutron/",
          "systemctl restart neutron-server",
        ],
      },
    ]);
  });
});

test("neutron.vlan-allocation-outside-range: the range shrunk to 319-325, the free row 326 stayed", () => {
  withSnapshot(exampleCopy(), (s) => {
    fixFlags(s);
    s.edit(ML2, (t) => t.replace("trunknet:319:328", "trunknet:319:325"));
    // 327 and 328 are outside now too, but allocated: provider segments outside the pool are normal.
    assert.deepEqual(db(s.model()), [
      {
        rule: "neutron.vlan-allocation-outside-range",
        severity: "warning",
        object: "ml2_vlan_allocations physnet trunknet",
        title: "free VLAN 326 of trunknet outside network_vlan_ranges (319-325)",
        explanation:
          "VLAN 326: free in the table but outside 319-325, so the next tenant network can get one of them, a VLAN " +
          "the switch trunk is probably not configured for.",
        evidence: [TABLE_REF, { ...RANGES_REF, text: "network_vlan_ranges = trunknet:319:325" }],
        fix: [
          `mysql neutron -e "select * from ml2_vlan_allocations where physical_network='trunknet' and vlan_id=326"`,
          "systemctl restart neutron-server",
        ],
      },
    ]);
  });
});

test("neutron.vlan-allocated-unused: VLAN 321 left allocated after its network was deleted", () => {
  withSnapshot(exampleCopy(), (s) => {
    fixFlags(s);
    s.edit(ALLOC, (t) => t.replace("| 321 |      0 |", "| 321 |      1 |"));
    assert.deepEqual(db(s.model()), [
      {
        rule: "neutron.vlan-allocated-unused",
        severity: "warning",
        object: "ml2_vlan_allocations physnet trunknet",
        title: "VLAN 321 marked allocated but used by no network",
        explanation:
          "These rows say allocated=1 but no network segment uses the VLAN: they are lost to the tenant pool until " +
          "the flag is reset.",
        evidence: [TABLE_REF],
        fix: [
          `mysql neutron -e "select network_id, physical_network, segmentation_id from networksegments where network_type='vlan' and segmentation_id in (321)" # ml2_network_segments before Newton`,
          "mysqldump neutron ml2_vlan_allocations > ml2_vlan_allocations.backup.sql",
          `mysql neutron -e "update ml2_vlan_allocations set allocated=0 where physical_network='trunknet' and vlan_id=321"`,
        ],
      },
    ]);
  });
});

test("chi-in-a-box's join with networksegments (real, healthy): flags agree with the segments, no finding", () => {
  withSnapshot(fixtureSnapshot([], { "mysql-ml2-vlan-allocations": CHI }), (s) => {
    const model = s.model();
    assert.equal(model.vlanAllocations.length, 8);
    assert.deepEqual(db(model), []);
  });
});

test("chi-in-a-box's join, flags broken both ways: the database's own segments say which (F41)", () => {
  withSnapshot(fixtureSnapshot([], { "mysql-ml2-vlan-allocations": CHI }), (s) => {
    const path = "cloud/commands/mysql-ml2-vlan-allocations.txt";
    s.edit(path, (t) =>
      t
        .replace("|    3002 |         1 | 0185c55e", "|    3002 |         0 | 0185c55e")
        .replace("|    3004 |         0 | NULL", "|    3004 |         1 | NULL"),
    );
    const found = db(s.model());
    assert.deepEqual(
      found.map((f) => [f.rule, f.severity, f.object, f.title, f.fix.at(-1)]),
      [
        [
          "neutron.vlan-in-use-not-allocated",
          "error",
          "ml2_vlan_allocations",
          "VLAN 3002 in use but marked free (allocated=0)",
          `mysql neutron -e "update ml2_vlan_allocations set allocated=1 where vlan_id=3002"`,
        ],
        [
          "neutron.vlan-allocated-unused",
          "warning",
          "ml2_vlan_allocations",
          "VLAN 3004 marked allocated but used by no network",
          `mysql neutron -e "update ml2_vlan_allocations set allocated=0 where vlan_id=3004"`,
        ],
      ],
    );
    assert.match(found[0]!.explanation, /^Networks 0185c55e-ce0e-4cc0-8dc1-d0e9812fcdb6 use these VLANs/);
    assert.deepEqual(found[0]!.evidence, [{ path }]);
  });
});

test("without network_vlan_ranges in the snapshot the ranges are unknown, not empty: range and mapping checks stay silent", () => {
  withSnapshot(exampleCopy(), (s) => {
    fixFlags(s);
    s.remove(ML2);
    s.edit(ALLOC, (t) =>
      t.replace("| trunknet      | 319 |", "| oldnet        | 100 |      0 |\n| trunknet      | 319 |"),
    );
    assert.deepEqual(db(s.model()), []);
  });
});
