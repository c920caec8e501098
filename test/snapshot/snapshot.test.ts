import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CATALOGUE, evidenceKey, sosMangle, splitEvidenceKey } from "../../src/snapshot/catalogue.js";
import { readSnapshot } from "../../src/snapshot/reader.js";
import { REDACTED, redactConfig } from "../../src/snapshot/redact.js";
import { SnapshotWriter } from "../../src/snapshot/writer.js";

const tmp = (): string => mkdtempSync(join(tmpdir(), "nd-snap-"));

test("writer and reader round-trip nodes, evidence, metadata and files", () => {
  const root = tmp();
  try {
    const w = new SnapshotWriter(root, { kind: "test" });
    w.node({
      name: "compute",
      roles: ["compute"],
      nics: [{ name: "em3", role: "provider", bridge: "br-em3" }],
      warnings: [],
    });
    w.evidence(
      "compute",
      {
        id: "ovs-ofctl-dump-flows",
        param: "br-int",
        command: "ovs-ofctl dump-flows br-int",
        exitCode: 0,
        stderr: "",
        origin: "live",
      },
      "NXST_FLOW reply (xid=0x4):\n",
    );
    w.evidence(
      null,
      { id: "neutron-net-list", command: "neutron net-list", exitCode: 0, stderr: "", origin: "live" },
      "| id |\n",
    );
    w.configFile(
      "compute",
      "/etc/neutron/neutron.conf",
      "[DEFAULT]\ntransport_url = rabbit://openstack:s3cret@ctl:5672/\n",
    );
    w.warn({ object: "node:network", message: "unreachable", cause: "ssh: connect timed out" });
    w.finish("2026-11-26T00:00:00Z");

    const snap = readSnapshot(root);
    assert.equal(snap.meta.version, 1);
    assert.deepEqual([...snap.nodes.keys()], ["compute"]);
    const node = snap.nodes.get("compute")!;
    assert.deepEqual(node.meta.roles, ["compute"]);
    const flows = node.evidence.get("ovs-ofctl-dump-flows@br-int")!;
    assert.equal(flows.param, "br-int");
    assert.equal(flows.meta?.command, "ovs-ofctl dump-flows br-int");
    assert.equal(snap.text(flows), "NXST_FLOW reply (xid=0x4):\n");
    assert.ok(snap.cloud.has("neutron-net-list"));
    const conf = snap.fileText(node.files.get("/etc/neutron/neutron.conf")!)!;
    assert.ok(!conf.includes("s3cret"));
    assert.deepEqual(
      snap.warnings.map((x) => x.object),
      ["node:network"],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("reader reports bad metadata and missing nodes as warnings naming the file, and goes on", () => {
  const root = tmp();
  try {
    const w = new SnapshotWriter(root, { kind: "test" });
    w.node({ name: "compute", roles: ["compute"], nics: [], warnings: [] });
    w.evidence(
      "compute",
      { id: "ip-addr", command: "ip a", exitCode: 0, stderr: "", origin: "live" },
      "1: lo:\n",
    );
    w.finish();
    writeFileSync(join(root, "nodes/compute/commands/ip-addr.meta.json"), "{ truncated");
    const meta = JSON.parse(readFileSync(join(root, "snapshot.json"), "utf8"));
    meta.nodes.push("ghost");
    writeFileSync(join(root, "snapshot.json"), JSON.stringify(meta));
    // An output pasted by hand, without a sidecar, is still evidence.
    writeFileSync(join(root, "nodes/compute/commands/ovs-vsctl-show.txt"), "Bridge br-int\n");

    const snap = readSnapshot(root);
    const node = snap.nodes.get("compute")!;
    assert.ok(node.evidence.get("ip-addr"), "output kept despite broken metadata");
    assert.equal(node.evidence.get("ip-addr")!.meta, undefined);
    assert.ok(node.evidence.get("ovs-vsctl-show"));
    const msgs = snap.warnings.map((x) => `${x.object}: ${x.message}`);
    assert.ok(
      msgs.some((m) => m.includes("nodes/compute/commands/ip-addr.meta.json")),
      msgs.join("\n"),
    );
    assert.ok(
      msgs.some((m) => m.startsWith("node:ghost")),
      msgs.join("\n"),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a folder without snapshot.json is refused with its path", () => {
  const root = tmp();
  try {
    assert.throws(() => readSnapshot(root), new RegExp(`${root}.*snapshot.json`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("writer refuses names that would escape the snapshot", () => {
  const root = tmp();
  try {
    const w = new SnapshotWriter(root, { kind: "test" });
    assert.throws(() => w.node({ name: "../etc", roles: [], nics: [], warnings: [] }), /unsafe/);
    assert.throws(() => w.rawFile("compute", "/etc/../../x", "x"), /unsafe/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("redaction blanks passwords, tokens, transport URLs and DB connections but keeps the rest", () => {
  const input = [
    "[DEFAULT]",
    "transport_url = rabbit://openstack:RABBIT_PASS@controller",
    "# password = commented stays",
    "[database]",
    "connection = mysql+pymysql://neutron:NEUTRON_DBPASS@controller/neutron",
    "[keystone_authtoken]",
    "password = NEUTRON_PASS",
    "admin_token: ADMIN",
    "memcache_secret_key = MEMC",
    "auth_url = http://controller:5000",
    "[ovs]",
    "bridge_mappings = trunknet:br-em3",
    "[nova]",
    "endpoint = http://user:PW@host/x",
  ].join("\n");
  const { text, redacted } = redactConfig(input);
  for (const secret of ["RABBIT_PASS", "NEUTRON_DBPASS", "NEUTRON_PASS", "ADMIN", "MEMC", ":PW@"]) {
    assert.ok(!text.includes(secret), `${secret} leaked`);
  }
  assert.equal(redacted, 6);
  assert.ok(text.includes(`password = ${REDACTED}`));
  assert.ok(text.includes("# password = commented stays"));
  assert.ok(text.includes("bridge_mappings = trunknet:br-em3"));
  assert.ok(text.includes("auth_url = http://controller:5000"));
});

test("catalogue: ids unique, keys round-trip, sos names mangled as sos does", () => {
  const ids = CATALOGUE.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(splitEvidenceKey(evidenceKey("ns-ip-addr", "qrouter-e521f9d0")), {
    id: "ns-ip-addr",
    param: "qrouter-e521f9d0",
  });
  assert.equal(sosMangle("ovs-vsctl -t 5 list interface"), "ovs-vsctl_-t_5_list_interface");
  assert.equal(sosMangle("ovs-appctl fdb/show br-int"), "ovs-appctl_fdb.show_br-int");
  const flows = CATALOGUE.find((s) => s.id === "ovs-ofctl-dump-flows")!;
  assert.deepEqual(flows.sosPaths("br-int")[0], "sos_commands/openvswitch/ovs-ofctl_dump-flows_br-int");
  assert.deepEqual(flows.commands("br-em3")[0], ["ovs-ofctl", "dump-flows", "br-em3"]);
  const nsAddr = CATALOGUE.find((s) => s.id === "ns-ip-addr")!;
  assert.ok(
    nsAddr.sosPaths("qrouter-x").includes("sos_commands/networking/ip_netns_exec_qrouter-x_ip_address_show"),
  );
});
