import assert from "node:assert/strict";
import { test } from "node:test";
import { runChecks } from "../../src/checks/engine.js";
import { logRules, normaliseMessage } from "../../src/checks/logs.js";
import type { Finding } from "../../src/checks/types.js";
import type { CloudModel } from "../../src/model/types.js";
import { exampleCopy, type ScratchSnapshot, withSnapshot } from "../helpers/snapshot.js";

// No real Neutron/Nova log is among the fixtures (test/fixtures/real/SOURCES.md): the broken logs below are written
// in the Juno oslo.log format of the example's services, with the messages exactly as the Juno code logs them.
const AGENT_LOG = "nodes/compute/commands/log@neutron-openvswitch-agent.txt";
const PORT = "ff8e411e-6e47-46ea-9d4c-be9eca09d6b2";
const PORT2 = "1d40b89c-fea1-4817-a1e4-5c22f69a32e6";
const VM = "3c89baca-4102-465f-ae75-11849440eb83";
const AGENT = "neutron.plugins.openvswitch.agent.ovs_neutron_agent";

function logs(model: CloudModel, id?: string): Finding[] {
  return runChecks(model, { rules: logRules, ...(id ? { only: [id] } : {}) }).findings;
}

/** Adds a service log to a node of the scratch copy, as `collect` stores it. */
function addLog(s: ScratchSnapshot, node: string, service: string, file: string, lines: string[]): void {
  const base = `nodes/${node}/commands/log@${service}`;
  s.write(`${base}.txt`, `${lines.join("\n")}\n`);
  s.write(
    `${base}.meta.json`,
    `${JSON.stringify(
      {
        id: "log",
        param: service,
        command: `tail -n 5000 ${file}`,
        exitCode: 0,
        stderr: "",
        collectedAt: "2015-02-12T13:58:20Z",
        origin: "test",
      },
      null,
      2,
    )}\n`,
  );
}

test("healthy reference cloud: the compute agent's log is read (INFO only) and yields nothing", () => {
  withSnapshot(exampleCopy(), (s) => {
    const model = s.model();
    const compute = model.nodes.find((n) => n.name === "compute")!;
    assert.deepEqual(compute.logs, [
      {
        service: "neutron-openvswitch-agent",
        file: "/var/log/neutron/neutron-openvswitch-agent.log",
        records: 4,
        first: "2015-02-12 09:12:40.518",
        last: "2015-02-12 13:45:17.325",
        entries: [],
        evidence: { path: AGENT_LOG },
      },
    ]);
    assert.deepEqual(logs(model), []);
  });
});

test("compute agent log after a RabbitMQ outage and two unbindable ports: F06 and F11 named, the rest grouped", () => {
  withSnapshot(exampleCopy(), (s) => {
    const t = "2015-02-12";
    s.edit(AGENT_LOG, (text) =>
      [
        text.trimEnd(),
        `${t} 13:46:02.412 2101 ERROR oslo.messaging._drivers.impl_rabbit [-] AMQP server on controller:5672 is unreachable: [Errno 111] ECONNREFUSED. Trying again in 1 seconds.`,
        `${t} 13:46:03.420 2101 ERROR oslo.messaging._drivers.impl_rabbit [-] AMQP server on controller:5672 is unreachable: [Errno 111] ECONNREFUSED. Trying again in 3 seconds.`,
        `${t} 13:46:06.431 2101 ERROR oslo.messaging._drivers.impl_rabbit [-] AMQP server on controller:5672 is unreachable: [Errno 111] ECONNREFUSED. Trying again in 5 seconds.`,
        `${t} 13:46:11.440 2101 INFO oslo.messaging._drivers.impl_rabbit [-] Reconnected to AMQP server on controller:5672`,
        `${t} 13:47:30.118 2101 WARNING ${AGENT} [req-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d None] Device ${PORT} not defined on plugin`,
        `${t} 13:47:30.120 2101 WARNING ${AGENT} [req-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d None] Device ${PORT2} not defined on plugin`,
        `${t} 13:50:02.117 2101 ERROR neutron.agent.linux.ovs_lib [-] Unable to execute ['ovs-ofctl', 'dump-flows', 'br-int', 'table=23']. Exception: `,
        "Command: ['sudo', 'neutron-rootwrap', '/etc/neutron/rootwrap.conf', 'ovs-ofctl', 'dump-flows', 'br-int', 'table=23']",
        "Exit code: 1",
        "Stderr: 'ovs-ofctl: br-int is not a bridge or a socket\\n'",
        `${t} 13:50:04.125 2101 ERROR neutron.agent.linux.ovs_lib [-] Unable to execute ['ovs-ofctl', 'dump-flows', 'br-int', 'table=23']. Exception: `,
        "Command: ['sudo', 'neutron-rootwrap', '/etc/neutron/rootwrap.conf', 'ovs-ofctl', 'dump-flows', 'br-int', 'table=23']",
        "Exit code: 1",
        "Stderr: 'ovs-ofctl: br-int is not a bridge or a socket\\n'",
        "",
      ].join("\n"),
    );
    const found = logs(s.model());
    assert.deepEqual(
      found.map((f) => [f.rule, f.severity, f.object]),
      [
        ["logs.known-fault", "error", 'neutron-openvswitch-agent log: "AMQP server … is unreachable"'],
        ["logs.known-fault", "warning", 'neutron-openvswitch-agent log: "Device … not defined on plugin"'],
        [
          "logs.errors",
          "error",
          "neutron-openvswitch-agent log: \"Unable to execute ['ovs-ofctl', 'dump-flows', 'br-int', 'table=<n>']. Exception:\"",
        ],
      ],
    );
    const [amqp, device, ovsLib] = found;
    assert.deepEqual(amqp, {
      rule: "logs.known-fault",
      severity: "error",
      node: "compute",
      object: 'neutron-openvswitch-agent log: "AMQP server … is unreachable"',
      title: 'neutron-openvswitch-agent logs "AMQP server … is unreachable" (F06) ×3',
      explanation:
        "3 times between 2015-02-12 13:46:02.412 and 2015-02-12 13:46:06.431 (the log covers 2015-02-12 " +
        "09:12:40.518 to 2015-02-12 13:50:04.125, 12 records), for controller: the service lost its RabbitMQ " +
        "connection: agents stop reporting (alive XXX) and RPC calls between services fail.",
      evidence: [
        {
          path: AGENT_LOG,
          line: 5,
          text: `${t} 13:46:02.412 2101 ERROR oslo.messaging._drivers.impl_rabbit [-] AMQP server on controller:5672 is unreachable: [Errno 111] ECONNREFUSED. Trying again in 1 seconds.`,
        },
        {
          path: AGENT_LOG,
          line: 7,
          text: `${t} 13:46:06.431 2101 ERROR oslo.messaging._drivers.impl_rabbit [-] AMQP server on controller:5672 is unreachable: [Errno 111] ECONNREFUSED. Trying again in 5 seconds.`,
        },
      ],
      fix: [
        "grep -nF -e 'is unreachable' /var/log/neutron/neutron-openvswitch-agent.log",
        "nc -zv controller 5672",
        "rabbitmqctl cluster_status",
        "grep -E '^(transport_url|rabbit_host|rabbit_hosts)' /etc/neutron/neutron.conf /etc/nova/nova.conf",
      ],
    });
    assert.equal(device!.title, 'neutron-openvswitch-agent logs "Device … not defined on plugin" (F11) ×2');
    assert.match(device!.explanation, new RegExp(`, for ${PORT}, ${PORT2}: the agent got no binding`));
    assert.deepEqual(device!.fix, [
      "grep -nF -e 'not defined on plugin' /var/log/neutron/neutron-openvswitch-agent.log",
      `openstack port show ${PORT} -c status -c binding_host_id -c binding_vif_type`,
      `ovs-vsctl get Port $(ovs-vsctl --bare --columns=name find Interface external_ids:iface-id=${PORT}) tag`,
    ]);
    assert.deepEqual(ovsLib, {
      rule: "logs.errors",
      severity: "error",
      node: "compute",
      object:
        "neutron-openvswitch-agent log: \"Unable to execute ['ovs-ofctl', 'dump-flows', 'br-int', 'table=<n>']. Exception:\"",
      title:
        "ERROR in neutron-openvswitch-agent ×2: Unable to execute ['ovs-ofctl', 'dump-flows', 'br-int', 'table=23']. Exception:",
      explanation:
        "neutron.agent.linux.ovs_lib logged this 2 times between 2015-02-12 13:50:02.117 and 2015-02-12 13:50:04.125 " +
        "(the log covers 2015-02-12 09:12:40.518 to 2015-02-12 13:50:04.125, 12 records).",
      evidence: [
        {
          path: AGENT_LOG,
          line: 11,
          text: `${t} 13:50:02.117 2101 ERROR neutron.agent.linux.ovs_lib [-] Unable to execute ['ovs-ofctl', 'dump-flows', 'br-int', 'table=23']. Exception: `,
        },
        {
          path: AGENT_LOG,
          line: 15,
          text: `${t} 13:50:04.125 2101 ERROR neutron.agent.linux.ovs_lib [-] Unable to execute ['ovs-ofctl', 'dump-flows', 'br-int', 'table=23']. Exception: `,
        },
      ],
      fix: ["grep -nF 'Unable to execute [' /var/log/neutron/neutron-openvswitch-agent.log"],
    });
  });
});

test("nova-compute: vif plugging timed out and the spawn failed with VirtualInterfaceCreateException (F24)", () => {
  withSnapshot(exampleCopy(), (s) => {
    const t = "2015-02-12 13:55:40";
    const i = `[instance: ${VM}]`;
    addLog(s, "compute", "nova-compute", "/var/log/nova/nova-compute.log", [
      `2015-02-12 13:50:40.118 1988 INFO nova.compute.manager [req-6a1f0e2d-3c4b-4a5d-8e6f-7a8b9c0d1e2f None] ${i} Starting instance...`,
      `${t}.221 1988 WARNING nova.virt.libvirt.driver [-] Timeout waiting for vif plugging callback for instance ${VM}`,
      `${t}.902 1988 ERROR nova.compute.manager [req-6a1f0e2d-3c4b-4a5d-8e6f-7a8b9c0d1e2f None] ${i} Instance failed to spawn`,
      `${t}.902 1988 TRACE nova.compute.manager ${i} Traceback (most recent call last):`,
      `${t}.902 1988 TRACE nova.compute.manager ${i}   File "/usr/lib/python2.7/dist-packages/nova/compute/manager.py", line 2246, in _build_resources`,
      `${t}.902 1988 TRACE nova.compute.manager ${i}     yield resources`,
      `${t}.902 1988 TRACE nova.compute.manager ${i} VirtualInterfaceCreateException: Virtual Interface creation failed`,
      `${t}.902 1988 TRACE nova.compute.manager ${i} `,
    ]);
    const found = logs(s.model());
    assert.deepEqual(
      found.map((f) => [f.rule, f.severity, f.node, f.title]),
      [
        [
          "logs.known-fault",
          "warning",
          "compute",
          'nova-compute logs "Timeout waiting for vif plugging" (F24)',
        ],
        [
          "logs.known-fault",
          "error",
          "compute",
          'nova-compute logs "Virtual Interface creation failed" (F24)',
        ],
      ],
    );
    // The exception at the end of the traceback is quoted with its line.
    assert.deepEqual(found[1]!.evidence, [
      {
        path: "nodes/compute/commands/log@nova-compute.txt",
        line: 3,
        text: `${t}.902 1988 ERROR nova.compute.manager [req-6a1f0e2d-3c4b-4a5d-8e6f-7a8b9c0d1e2f None] ${i} Instance failed to spawn`,
      },
      {
        path: "nodes/compute/commands/log@nova-compute.txt",
        line: 7,
        text: "VirtualInterfaceCreateException: Virtual Interface creation failed",
      },
    ]);
    assert.equal(
      found[1]!.fix[0],
      "grep -nF -e 'Virtual Interface creation failed' -e 'VirtualInterfaceCreateException' /var/log/nova/nova-compute.log",
    );
  });
});

test("controller (RDO paths): Failed to bind port, No valid host, and a CRITICAL start-up failure", () => {
  withSnapshot(exampleCopy(), (s) => {
    addLog(s, "controller", "neutron-server", "/var/log/neutron/server.log", [
      "2015-02-12 13:40:01.002 1419 CRITICAL neutron [-] NoSuchOptError: no such option: network_vlan_range",
      "2015-02-12 13:40:01.002 1419 TRACE neutron Traceback (most recent call last):",
      "2015-02-12 13:40:01.002 1419 TRACE neutron NoSuchOptError: no such option: network_vlan_range",
      `2015-02-12 13:55:11.870 1420 WARNING neutron.plugins.ml2.managers [req-2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f None] Failed to bind port ${PORT} on host compute`,
    ]);
    addLog(s, "controller", "nova-conductor", "/var/log/nova/nova-conductor.log", [
      "2015-02-12 13:55:12.603 1544 WARNING nova.scheduler.utils [req-7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a None] Failed to compute_task_build_instances: No valid host was found. ",
      `2015-02-12 13:55:12.605 1544 WARNING nova.scheduler.utils [req-7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a None] [instance: ${VM}] Setting instance to ERROR state.`,
    ]);
    const found = logs(s.model());
    assert.deepEqual(
      found.map((f) => [f.rule, f.severity, f.object]),
      [
        ["logs.known-fault", "warning", 'neutron-server log: "Failed to bind port"'],
        ["logs.known-fault", "warning", 'nova-conductor log: "No valid host was found"'],
        [
          "logs.errors",
          "critical",
          'neutron-server log: "NoSuchOptError: no such option: network_vlan_range"',
        ],
      ],
    );
    assert.deepEqual(found[0]!.fix, [
      "grep -nF -e 'Failed to bind port' /var/log/neutron/server.log",
      `openstack port show ${PORT} -c network_id -c binding_host_id -c binding_vif_type`,
      'openstack network agent list --host compute -c ID -c "Agent Type" -c Alive',
      "ssh compute grep -r bridge_mappings /etc/neutron/",
    ]);
    assert.equal(
      found[1]!.explanation,
      "once, at 2015-02-12 13:55:12.603 (the log covers 2015-02-12 13:55:12.603 to 2015-02-12 13:55:12.605, 2 " +
        "records): the scheduler found no compute host for an instance: nova-compute down or disabled (F12), " +
        "resources or flavor filters (F13), or a port that cannot bind (F02).",
    );
    assert.equal(
      found[2]!.explanation,
      "neutron logged this once, at 2015-02-12 13:40:01.002 (the log covers 2015-02-12 13:40:01.002 to 2015-02-12 " +
        '13:55:11.870, 2 records); the traceback ends in "NoSuchOptError: no such option: network_vlan_range".',
    );
    assert.deepEqual(found[2]!.fix, [
      "grep -nF 'NoSuchOptError: no such option: network_vlan_range' /var/log/neutron/server.log",
    ]);
  });
});

test("messages are grouped with ids, addresses, device names and numbers masked", () => {
  assert.equal(
    normaliseMessage(
      `Port tapff8e411e-6e of ${PORT} (fa:16:3e:a4:56:3d) on 10.0.24.3:8775 failed 3 times, reply 5e1b3c1f0d7e4b6a9c2d8f7a6b5c4d3e`,
    ),
    "Port tap<port> of <uuid> (<mac>) on <ip> failed <n> times, reply <hex>",
  );
});
