import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePs } from "../../src/parse/ps.js";
import { parseSysctl } from "../../src/parse/sysctl.js";
import { labFixture } from "../helpers/fixtures.js";

test("sysctl: key = value lines captured on this machine; errors for absent keys are skipped", () => {
  const r = parseSysctl(labFixture("sysctl-selected.txt"));
  assert.equal(r.issues.filter((i) => i.severity === "error").length, 0);
  assert.match(r.value["net.ipv4.ip_forward"] ?? "", /^[01]$/);
  const garbled = parseSysctl("net.ipv4.ip_forward = 1\ngarbage line\nkernel.x=2\n");
  assert.deepEqual(garbled.value, { "net.ipv4.ip_forward": "1", "kernel.x": "2" });
  assert.deepEqual(
    garbled.issues.map((i) => i.line),
    [2],
  );
});

test("ps -eo pid,etimes,args captured on this machine: pid, elapsed seconds and full command line", () => {
  const r = parsePs(labFixture("ps-eo-pid-etimes-args.txt"));
  assert.deepEqual(r.issues, []);
  assert.equal(r.value[0]!.pid, 1);
  assert.equal(typeof r.value[0]!.elapsed, "number");
  const aux = parsePs(
    "USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND\nroot 812 0.0 0.1 1 2 ? S<s 10:00 0:01 ovs-vswitchd unix:/run/openvswitch/db.sock -vconsole:emer\n",
  );
  assert.equal(aux.value[0]!.pid, 812);
  assert.match(aux.value[0]!.args, /^ovs-vswitchd unix:/);
  assert.equal(parsePs("no header here").issues[0]!.line, 1);
});
