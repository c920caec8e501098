import assert from "node:assert/strict";
import { test } from "node:test";
import { parseOsloLog } from "../../src/parse/oslo-log.js";

const AGENT = "neutron.plugins.ml2.drivers.openvswitch.agent.ovs_neutron_agent";

test("oslo.log: one record per message, context and request id split off, every level kept", () => {
  const r = parseOsloLog(
    [
      `2022-02-10 00:00:01.845 1603 INFO ${AGENT} [req-24ebe5aa-702f-4ddd-9883-2fb489afd2f5 - - - - -] Agent rpc_loop - iteration:2091 started`,
      "2015-02-12 13:45:17.325 2101 INFO neutron.agent.securitygroups_rpc [-] Refresh firewall rules",
      "2015-02-12 13:45:18.001 2101 WARN neutron.agent.securitygroups_rpc [-] short level name",
    ].join("\n"),
  );
  assert.deepEqual(r.issues, []);
  assert.equal(r.value.length, 3);
  const [a, b, c] = r.value;
  assert.deepEqual(a, {
    line: 1,
    text: `2022-02-10 00:00:01.845 1603 INFO ${AGENT} [req-24ebe5aa-702f-4ddd-9883-2fb489afd2f5 - - - - -] Agent rpc_loop - iteration:2091 started`,
    endLine: 1,
    time: "2022-02-10 00:00:01.845",
    pid: 1603,
    level: "INFO",
    logger: AGENT,
    requestId: "req-24ebe5aa-702f-4ddd-9883-2fb489afd2f5",
    message: "Agent rpc_loop - iteration:2091 started",
    continuation: [],
  });
  assert.equal(b!.requestId, undefined);
  assert.equal(b!.message, "Refresh firewall rules");
  assert.equal(c!.level, "WARNING");
});

test("oslo.log: a Kilo-style traceback (same prefix, no context) belongs to the record above it", () => {
  const t = "2017-10-11 10:49:56.694 1751 ERROR";
  const r = parseOsloLog(
    [
      `${t} ${AGENT} [req-0d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d - - - - -] Failed reporting state!: MessagingTimeout: Timed out waiting for a reply to message ID 5e1b3c1f0d7e4b6a9c2d8f7a6b5c4d3e`,
      `${t} ${AGENT} Traceback (most recent call last):`,
      `${t} ${AGENT}   File "/usr/lib/python2.7/dist-packages/oslo_messaging/rpc/client.py", line 169, in call`,
      `${t} ${AGENT}     retry=self.retry)`,
      `${t} ${AGENT} MessagingTimeout: Timed out waiting for a reply to message ID 5e1b3c1f0d7e4b6a9c2d8f7a6b5c4d3e`,
      `2017-10-11 10:49:56.695 1751 WARNING ${AGENT} [-] next record`,
    ].join("\n"),
  );
  assert.deepEqual(r.issues, []);
  assert.equal(r.value.length, 2);
  assert.equal(r.value[0]!.endLine, 5);
  assert.deepEqual(
    r.value[0]!.continuation.map((c) => [c.line, c.text]),
    [
      [2, "Traceback (most recent call last):"],
      [3, '  File "/usr/lib/python2.7/dist-packages/oslo_messaging/rpc/client.py", line 169, in call'],
      [4, "    retry=self.retry)"],
      [5, "MessagingTimeout: Timed out waiting for a reply to message ID 5e1b3c1f0d7e4b6a9c2d8f7a6b5c4d3e"],
    ],
  );
  assert.equal(r.value[1]!.line, 6);
});

test("oslo.log: Juno TRACE lines and unprefixed lines continue a record; another logger's TRACE starts one", () => {
  const r = parseOsloLog(
    [
      "2015-02-12 13:50:02.117 2101 ERROR neutron.agent.linux.ovs_lib [-] Unable to execute ['ovs-ofctl', 'dump-flows', 'br-int', 'table=23']. Exception: ",
      "Command: ['sudo', 'neutron-rootwrap', '/etc/neutron/rootwrap.conf', 'ovs-ofctl', 'dump-flows', 'br-int', 'table=23']",
      "Exit code: 1",
      "2015-02-12 13:50:02.118 2101 TRACE neutron.agent.linux.ovs_lib Traceback (most recent call last):",
      "2015-02-12 13:50:02.118 2101 TRACE neutron.agent.linux.ovs_lib RuntimeError: br-int is not a bridge or a socket",
      "2015-02-12 13:50:04.001 2101 TRACE neutron.plugins.openvswitch.agent.ovs_neutron_agent Traceback (most recent call last):",
    ].join("\n"),
  );
  assert.equal(r.value.length, 2);
  assert.deepEqual(
    r.value[0]!.continuation.map((c) => c.line),
    [2, 3, 4, 5],
  );
  assert.equal(r.value[0]!.continuation[3]!.text, "RuntimeError: br-int is not a bridge or a socket");
  assert.equal(r.value[1]!.level, "TRACE");
  assert.equal(r.value[1]!.logger, "neutron.plugins.openvswitch.agent.ovs_neutron_agent");
});

test("oslo.log: nova's `[instance: <uuid>]` on traceback lines is no request context (Juno TRACE and Kilo ERROR)", () => {
  const i = "[instance: 3c89baca-4102-465f-ae75-11849440eb83]";
  for (const cont of ["TRACE", "ERROR"]) {
    const t = "2015-02-12 13:55:40.902 1988";
    const r = parseOsloLog(
      [
        `${t} ERROR nova.compute.manager [req-6a1f0e2d-3c4b-4a5d-8e6f-7a8b9c0d1e2f None] ${i} Instance failed to spawn`,
        `${t} ${cont} nova.compute.manager ${i} Traceback (most recent call last):`,
        `${t} ${cont} nova.compute.manager ${i} VirtualInterfaceCreateException: Virtual Interface creation failed`,
      ].join("\n"),
    );
    assert.equal(r.value.length, 1, cont);
    assert.equal(r.value[0]!.message, `${i} Instance failed to spawn`);
    assert.deepEqual(
      r.value[0]!.continuation.map((c) => c.text),
      [
        "Traceback (most recent call last):",
        "VirtualInterfaceCreateException: Virtual Interface creation failed",
      ],
    );
  }
});

test("oslo.log behind a journald prefix: pid from the unit, time as journald wrote it", () => {
  const r = parseOsloLog(
    "Dec 05 23:46:59 ctl neutron-server[130890]: ERROR oslo.messaging._drivers.impl_rabbit [-] AMQP server on 10.0.3.15:5672 is unreachable: timed out. Trying again in 1 seconds.\n",
  );
  assert.deepEqual(r.issues, []);
  assert.equal(r.value[0]!.time, "Dec 05 23:46:59");
  assert.equal(r.value[0]!.pid, 130890);
  assert.equal(r.value[0]!.logger, "oslo.messaging._drivers.impl_rabbit");
  assert.match(r.value[0]!.message, /^AMQP server on 10\.0\.3\.15:5672 is unreachable/);
});

test("oslo.log: a tail that starts inside a traceback is one warning; text that is no log at all is an error", () => {
  const cut = parseOsloLog(
    [
      '  File "/usr/lib/python2.7/dist-packages/neutron/agent/rpc.py", line 92, in report_state',
      "    return method(context, 'report_state', **kwargs)",
      "2015-02-12 13:45:17.325 2101 INFO neutron.agent.securitygroups_rpc [-] Refresh firewall rules",
    ].join("\n"),
  );
  assert.equal(cut.value.length, 1);
  assert.deepEqual(
    cut.issues.map((i) => [i.line, i.severity, i.message]),
    [[1, "warning", "lines before the first log record skipped"]],
  );
  assert.deepEqual(parseOsloLog("").issues, []);
  assert.deepEqual(
    parseOsloLog("tail: cannot open '/var/log/neutron/server.log' for reading\n").issues.map((i) => i.line),
    [1, 0],
  );
});
