import assert from "node:assert/strict";
import { test } from "node:test";
import { runChecks } from "../../src/checks/engine.js";
import { novaRules } from "../../src/checks/nova.js";
import type { Finding } from "../../src/checks/types.js";
import type { CloudModel } from "../../src/model/types.js";
import { exampleCopy, fixtureSnapshot, type ScratchSnapshot, withSnapshot } from "../helpers/snapshot.js";

const SERVICES = "cloud/commands/nova-service-list.txt";
const STATS = "cloud/commands/nova-hypervisor-stats.txt";
const AGENTS = "cloud/commands/openstack-network-agent-list.txt";
const PORTS = "cloud/commands/neutron-api-ports.txt";
const STUDY = "9506hqwy-study-notes-2024";
/** The guide's VM (test-324) on the compute node. */
const PORT = "ff8e411e-6e47-46ea-9d4c-be9eca09d6b2";

function nova(model: CloudModel, id?: string): Finding[] {
  return runChecks(model, { rules: novaRules, ...(id ? { only: [id] } : {}) }).findings;
}

/** Rewrites one row of the guide's `nova service-list` (its columns kept aligned). */
function editService(s: ScratchSnapshot, id: number, fn: (row: string) => string): void {
  s.edit(SERVICES, (t) => t.replace(new RegExp(`^\\| ${id} .*$`, "m"), (row) => fn(row)));
}

function setAgentAlive(s: ScratchSnapshot, host: string, type: string, alive: boolean): void {
  s.edit(AGENTS, (text) => {
    const agents = JSON.parse(text) as Record<string, unknown>[];
    agents.find((a) => a.Host === host && a["Agent Type"] === type)!.Alive = alive;
    return `${JSON.stringify(agents, null, 2)}\n`;
  });
}

test("healthy reference cloud: the guide's service list, stats and agents yield nothing", () => {
  withSnapshot(exampleCopy(), (s) => assert.deepEqual(nova(s.model()), []));
});

test("nova.service-down: nova-compute on compute down, its heartbeat 2 min behind the others (F12)", () => {
  withSnapshot(exampleCopy(), (s) => {
    editService(s, 1, (r) => r.replace("| up    | 2015-02-12T13:52:45", "| down  | 2015-02-12T13:50:41"));
    assert.deepEqual(nova(s.model()), [
      {
        rule: "nova.service-down",
        severity: "error",
        node: "compute",
        object: "nova-compute on compute",
        title: "nova-compute on compute is down",
        explanation:
          'The scheduler places no instance on compute; if no other host fits, boots fail with "No valid host was ' +
          'found". Last heartbeat 2015-02-12T13:50:41.000000, 125 s before the newest in the listing.',
        evidence: [{ path: SERVICES }],
        fix: [
          "openstack compute service list --service nova-compute --host compute",
          "ssh compute systemctl status nova-compute",
          "ssh compute tail -n 100 /var/log/nova/nova-compute.log",
          "ssh compute systemctl restart nova-compute",
        ],
      },
    ]);
  });
});

test("nova.service-down: still 'up' but its heartbeat is older than service_down_time against the listing", () => {
  withSnapshot(exampleCopy(), (s) => {
    editService(s, 6, (r) => r.replace("2015-02-12T13:52:46", "2015-02-12T13:50:46"));
    const [f, ...rest] = nova(s.model());
    assert.deepEqual(rest, []);
    assert.equal(f!.severity, "warning");
    assert.equal(f!.title, "nova-compute on controller has not reported for 119 s");
    assert.equal(
      f!.explanation,
      "Its last heartbeat (2015-02-12T13:50:46.000000) is 119 s older than the newest in the same listing, more " +
        "than service_down_time (60 s by default): it has stopped reporting and nova will call it down.",
    );
  });
});

test("nova.service-disabled: the operator disabled nova-compute on controller (F12)", () => {
  withSnapshot(exampleCopy(), (s) => {
    editService(s, 6, (r) =>
      r
        .replace("| enabled | up    |", "| disabled | up   |")
        .replace("| -               |", "| maintenance     |"),
    );
    assert.deepEqual(nova(s.model()), [
      {
        rule: "nova.service-disabled",
        severity: "warning",
        node: "controller",
        object: "nova-compute on controller",
        title: "nova-compute on controller is disabled (maintenance)",
        explanation:
          "An operator (or nova after repeated build failures) disabled it: no new instance is scheduled on controller.",
        evidence: [{ path: SERVICES }],
        fix: [
          "openstack compute service list --service nova-compute --long",
          "openstack compute service set --enable controller nova-compute",
        ],
      },
    ]);
  });
});

test("nova.hypervisor-capacity: the 12-hypervisor cloud with 617 of 368 vCPUs used is info (ratio caveat) (F13)", () => {
  withSnapshot(
    fixtureSnapshot([], {
      "nova-hypervisor-stats": "github-notes-nova-cli/nova-hypervisor-stats-12-nodes-overcommitted-vcpus.txt",
    }),
    (s) => {
      assert.deepEqual(nova(s.model()), [
        {
          rule: "nova.hypervisor-capacity",
          severity: "info",
          object: "hypervisors vCPUs",
          title: "617 vCPUs used of 368 (overcommit ×1.68)",
          explanation:
            "CPUs are overcommitted ×1.68: normal within the default cpu_allocation_ratio 16; a fault only if your " +
            "ratio is lower (check cpu_allocation_ratio in nova.conf). No flavor list is in the snapshot: whether a " +
            "particular flavor fits is unknown.",
          evidence: [{ path: "cloud/commands/nova-hypervisor-stats.txt" }],
          fix: [
            "openstack hypervisor list --long",
            "openstack allocation candidate list --resource VCPU=1 --resource MEMORY_MB=2048 --resource DISK_GB=20",
            "openstack flavor list --long",
          ],
        },
      ]);
    },
  );
});

test("nova.hypervisor-capacity: RAM and disk nearly exhausted on the guide's two hypervisors", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(STATS, (t) =>
      t
        .replace("| free_ram_mb          | 367374 |", "| free_ram_mb          | 1024   |")
        .replace("| memory_mb_used       | 19456  |", "| memory_mb_used       | 385806 |")
        .replace("| free_disk_gb         | 1274   |", "| free_disk_gb         | 0      |")
        .replace("| local_gb_used        | 180    |", "| local_gb_used        | 1454   |"),
    );
    assert.deepEqual(
      nova(s.model()).map((f) => [f.severity, f.object, f.title, f.explanation.split(":")[0]]),
      [
        ["warning", "hypervisors RAM", "1024 MB RAM free on 2 hypervisors", "385806 of 386830 MB used"],
        ["error", "hypervisors disk", "0 GB disk free on 2 hypervisors", "1454 of 1454 GB used"],
      ],
    );
  });
});

test("neutron.agent-dead: the compute node's OVS agent is XXX — root of its port stuck DOWN (F06)", () => {
  withSnapshot(exampleCopy(), (s) => {
    setAgentAlive(s, "compute", "Open vSwitch agent", false);
    s.edit(PORTS, (text) => {
      const body = JSON.parse(text) as { ports: Record<string, unknown>[] };
      body.ports.find((p) => p.id === PORT)!.status = "DOWN";
      return `${JSON.stringify(body, null, 2)}\n`;
    });
    const report = runChecks(s.model(), { rules: novaRules });
    assert.equal(report.groups.length, 1);
    const { head, consequences } = report.groups[0]!;
    assert.deepEqual(head, {
      rule: "neutron.agent-dead",
      severity: "error",
      node: "compute",
      object: "Open vSwitch agent on compute",
      title: "Open vSwitch agent on compute is dead",
      explanation:
        'No port on compute gets wired or bound while it is down: new instances there fail (binding_failed, "No ' +
        'valid host"), existing ones break at their next change; already DOWN or binding_failed there: ' +
        `${PORT}.`,
      evidence: [{ path: AGENTS }],
      fix: [
        "openstack network agent show f0316cf9-f1ac-45b1-985e-7dbd8e15487b",
        "ssh compute systemctl status neutron-openvswitch-agent",
        "ssh compute tail -n 100 /var/log/neutron/neutron-openvswitch-agent.log",
        "ssh compute systemctl restart neutron-openvswitch-agent",
      ],
      group: "agent-dead:compute",
      root: true,
    });
    assert.deepEqual(consequences, [
      {
        rule: "neutron.agent-dead",
        severity: "warning",
        node: "compute",
        object: `port ${PORT}`,
        title: "port ff8e411e-6e on compute is DOWN",
        explanation:
          "the Open vSwitch agent on compute is dead: the port is not wired, its VM or agent has no network.",
        evidence: [{ path: PORTS }],
        fix: [`openstack port show ${PORT} -c status -c binding_host_id -c binding_vif_type`],
        group: "agent-dead:compute",
      },
    ]);
  });
});

test("neutron.agent-dead: a dead metadata agent is a warning of its own, with no port consequences", () => {
  withSnapshot(exampleCopy(), (s) => {
    setAgentAlive(s, "network", "Metadata agent", false);
    assert.deepEqual(
      nova(s.model()).map((f) => [f.rule, f.severity, f.object, f.group, f.root]),
      [["neutron.agent-dead", "warning", "Metadata agent on network", "agent-dead:network", true]],
    );
  });
});

test("nova.host-name-mismatch: nova-compute registered by FQDN, the agent by short name (F26)", () => {
  withSnapshot(exampleCopy(), (s) => {
    editService(s, 1, (r) => r.replace("| compute    |", "| compute.cloud.garr.it |"));
    assert.deepEqual(nova(s.model()), [
      {
        rule: "nova.host-name-mismatch",
        severity: "error",
        node: "compute.cloud.garr.it",
        object: "nova-compute host compute.cloud.garr.it",
        title: "nova-compute runs as compute.cloud.garr.it, its Open vSwitch agent as compute",
        explanation:
          "Nova binds ports on host compute.cloud.garr.it, but the agent registered as compute: ML2 finds no agent " +
          "on compute.cloud.garr.it and every port there ends binding_failed.",
        evidence: [{ path: SERVICES }, { path: AGENTS }],
        fix: [
          "openstack network agent list --agent-type open-vswitch -c ID -c Host -c Alive",
          "ssh compute.cloud.garr.it grep -E '^(host|my_ip)' /etc/nova/nova.conf /etc/neutron/neutron.conf",
          "ssh compute.cloud.garr.it crudini --set /etc/neutron/neutron.conf DEFAULT host compute.cloud.garr.it",
          "ssh compute.cloud.garr.it systemctl restart neutron-openvswitch-agent",
          "openstack network agent delete f0316cf9-f1ac-45b1-985e-7dbd8e15487b",
        ],
        group: "host-mismatch:compute.cloud.garr.it",
        root: true,
      },
    ]);
  });
});

test("real study-notes lab: services up and agents alive (:-)); its compute host had no OVS agent yet", () => {
  // The two listings were taken at different install steps: the agent list before the compute node's agent was
  // set up. The rule reports exactly that state, and nothing else.
  withSnapshot(
    fixtureSnapshot([], {
      "openstack-compute-service-list": `${STUDY}/openstack-compute-service-list.txt`,
      "openstack-network-agent-list": `${STUDY}/openstack-network-agent-list.txt`,
    }),
    (s) => {
      const model = s.model();
      assert.equal(model.computeServices.length, 3);
      assert.deepEqual(
        model.agents.map((a) => a.alive),
        [true, true, true],
      );
      assert.deepEqual(
        nova(model).map((f) => [f.rule, f.severity, f.title]),
        [
          [
            "nova.host-name-mismatch",
            "warning",
            "no Open vSwitch agent is registered on nova-compute host compute.home.local",
          ],
        ],
      );
    },
  );
});

test("real agent lists of the Neutron admin guide (Alive True, UP): nothing dead", () => {
  for (const f of [
    "openstack-network-agent-list-ovs-ha-dvr.txt",
    "openstack-network-agent-list-ovs-provider.txt",
  ]) {
    withSnapshot(fixtureSnapshot([], { "openstack-network-agent-list": `neutron-docs/${f}` }), (s) => {
      assert.ok(s.model().agents.length >= 6);
      assert.deepEqual(nova(s.model()), []);
    });
  }
});

test("real admin-guide agent table with the old CLI's XXX for compute1's OVS agent: dead, root of its host (F06)", () => {
  withSnapshot(
    fixtureSnapshot([], {
      "openstack-network-agent-list": "neutron-docs/openstack-network-agent-list-ovs-provider.txt",
    }),
    (s) => {
      s.edit(AGENTS, (t) =>
        t.replace(
          "| bcfc977b-ec0e-4ba9-be62-9489b4b0e6f1 | Open vSwitch agent | compute1 | None              | True  |",
          "| bcfc977b-ec0e-4ba9-be62-9489b4b0e6f1 | Open vSwitch agent | compute1 | None              | XXX   |",
        ),
      );
      assert.deepEqual(
        nova(s.model()).map((f) => [f.rule, f.severity, f.node, f.title, f.group, f.fix[0]]),
        [
          [
            "neutron.agent-dead",
            "error",
            "compute1",
            "Open vSwitch agent on compute1 is dead",
            "agent-dead:compute1",
            "openstack network agent show bcfc977b-ec0e-4ba9-be62-9489b4b0e6f1",
          ],
        ],
      );
    },
  );
});
