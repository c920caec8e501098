import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { exampleCopy } from "../helpers/snapshot.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const run = (...args: string[]) => {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "trace", ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const EX = "examples/reference-cloud";
const QR = "qrouter-e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5";

test("netdoctor trace: one line per hop with node, device, direction, tag, flow and tcpdump; exit 0 when delivered", () => {
  const r = run(EX, "--from", "instance-0000000a", "--to", "8.8.8.8");
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split("\n");
  const hop = (n: number) => lines.find((l) => new RegExp(`^ +${n} +`).test(l)) ?? "";
  assert.match(
    hop(5),
    /compute +br-int:int-br-em3 +out +vlan 1 +forwarded +table=0 priority=1 cookie=0x0 n_packets=311562 \(line 8\) +\$ tcpdump -e -n -i snooper0 'vlan 1 and icmp' +\(mirror, see below\)/,
  );
  assert.match(
    hop(7),
    /compute +br-em3:em3 +out +vlan 324 +forwarded +table=0 priority=4 cookie=0x0 n_packets=7374 \(line 2\) +\$ tcpdump -e -n -i em3 'vlan 324 and icmp'$/,
  );
  assert.match(
    r.stdout,
    /network +br-int:qr-e6256f7d-31 +out +untagged \(local 2\) +forwarded +table=0 priority=3 cookie=0x0 n_packets=58 \(line 6\) +\$ ip netns exec qrouter-e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5 tcpdump -e -n -i qr-e6256f7d-31 'icmp'/,
  );
  assert.match(
    r.stdout,
    /network +qrouter-e521f9d0…:qg-35916e1f-36 +out +untagged +forwarded +nat: neutron-l3-agent-float-snat: -j SNAT 203\.0\.113\.11 \(line 21\)/,
  );
  assert.match(r.stdout, /network +br-ex:em4 +out +untagged +forwarded .*\$ tcpdump -e -n -i em4 'icmp'/);
  assert.match(r.stdout, /DELIVERED ext-net-flat-319 \(flat on external\) via network:em4/);
  assert.match(r.stdout, /^reply: 8\.8\.8\.8 → 203\.0\.113\.11 icmp/m);
  assert.match(r.stdout, /DELIVERED instance-0000000a on compute \(tapff8e411e-6e\)/);
  assert.match(r.stdout, /^verdict: DELIVERED — /m);
  assert.match(
    r.stdout,
    /on compute, br-int:int-br-em3\n {4}\$ ovs-vsctl add-port br-int snooper0 -- set interface snooper0 type=internal/,
  );
  assert.match(r.stdout, /# clean-up/);
  assert.match(r.stdout, /^assumed:\n( {2}- .*\n)*? {2}- ARP is assumed resolved/m);
});

test("netdoctor trace --format json: endpoints, request and reply hops, verdict, assumptions", () => {
  const r = run(EX, "--from", "fa:16:3e:a4:56:3d", "--to", "10.0.24.4", "--format", "json");
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j).sort(), [
    "assumptions",
    "from",
    "proto",
    "reply",
    "request",
    "to",
    "verdict",
    "warnings",
  ]);
  assert.deepEqual(
    [j.from.kind, j.from.vm.domain, j.to.vm.domain],
    ["vm", "instance-0000000a", "instance-0000000b"],
  );
  assert.deepEqual(j.proto, { name: "icmp" });
  assert.equal(j.verdict.status, "delivered");
  const h = j.request.hops.find((x: { device?: string }) => x.device === "em3");
  assert.deepEqual(Object.keys(h).sort(), [
    "action",
    "component",
    "componentKind",
    "device",
    "direction",
    "evidence",
    "flows",
    "index",
    "node",
    "notes",
    "packet",
    "reason",
    "tcpdump",
    "vlan",
  ]);
  assert.equal(h.vlan, 324);
  assert.deepEqual(
    { ...h.flows[0], evidence: undefined },
    {
      node: "compute",
      bridge: "br-em3",
      table: 0,
      priority: 4,
      cookie: "0x0",
      nPackets: 7374,
      summary: "priority=4,in_port=2,dl_vlan=1 actions=mod_vlan_vid:324,NORMAL",
      evidence: undefined,
    },
  );
  assert.deepEqual(h.flows[0].evidence.line, 2);
  const patch = j.request.hops.find((x: { device?: string }) => x.device === "int-br-em3");
  assert.deepEqual(Object.keys(patch.mirror).sort(), [
    "bridge",
    "capture",
    "cleanup",
    "note",
    "ovsTcpdump",
    "port",
    "setup",
  ]);
  assert.equal(j.reply.direction, "reply");
  assert.equal(j.reply.verdict.where, "instance-0000000a on compute (tapff8e411e-6e)");
});

test("exit 1 when dropped, with the hop, the flow and why", () => {
  const s = exampleCopy();
  try {
    s.edit("nodes/network/commands/ovs-ofctl-dump-flows@br-int.txt", (t) =>
      t
        .split("\n")
        .filter((l) => !l.includes("dl_vlan=324"))
        .join("\n"),
    );
    const r = run(s.root, "--from", "instance-0000000a", "--to", "8.8.8.8");
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /DROPPED at hop 12: network br-int \(int-br-em3 in\)/);
    assert.match(
      r.stdout,
      /flow: network br-int table=0 priority=2 cookie=0x0 n_packets=555: priority=2,in_port=1 actions=drop/,
    );
    assert.match(r.stdout, /reply: not traced \(the request does not arrive/);
    const j = JSON.parse(run(s.root, "--from", "instance-0000000a", "--to", "8.8.8.8", "-f", "json").stdout);
    assert.equal(j.verdict.status, "dropped");
    assert.equal(j.request.verdict.flow.summary, "priority=2,in_port=1 actions=drop");
    assert.equal(j.reply, undefined);
  } finally {
    s.dispose();
  }
});

test("exit 2 when it cannot run: unknown endpoint, bad --proto, not a snapshot", () => {
  const a = run(EX, "--from", "instance-ffffffff", "--to", "8.8.8.8");
  assert.equal(a.status, 2);
  assert.match(a.stderr, /--from instance-ffffffff: not a VM/);
  const b = run(EX, "--from", "instance-0000000a", "--to", "8.8.8.8", "--proto", "tcp");
  assert.equal(b.status, 2);
  assert.match(b.stderr, /give the destination port/);
  const c = run("test", "--from", "x", "--to", "y");
  assert.equal(c.status, 2);
  assert.match(c.stderr, /not a netdoctor snapshot/);
});

test("--no-reply and --verbose", () => {
  const r = run(EX, "--from", QR, "--to", "10.0.24.3", "--no-reply", "-v");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /reply: not traced \(not asked for/);
  assert.match(r.stdout, /route 10\.0\.24\.0\/24 dev qr-e6256f7d-31: longest prefix \/24/);
  assert.match(r.stdout, /nodes\/compute\/commands\/ovs-ofctl-dump-flows@br-int\.txt:2/);
});
