import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const run = (...args: string[]) =>
  execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });

test("netdoctor show prints the chains and the guide's VLAN translation table", () => {
  const out = run("show", "examples/reference-cloud");
  assert.match(out, /node compute {2}\[compute\]/);
  assert.match(out, /6 {2}qvoff8e411e-6e {2}tag 1/);
  assert.match(out, /tapff8e411e-6e → qbrff8e411e-6e → qvbff8e411e-6e → qvoff8e411e-6e \[on br-int tag 1\]/);
  assert.match(out, /int-net-324 +│ vlan │ trunknet │ 324 +│ 1 \/ 1 \/ 1 +│ 3 \/ 3 \/ 3 +│ 2 \/ 2 \/ 2/);
  assert.match(out, /enea-net +│ vlan │ trunknet │ 320 +│ 2 \/ 2 \/ 2 +│ +│ 5 \/ 5 \/ 5/);
});

test("netdoctor show --format json carries the model and the VLAN table", () => {
  const json = JSON.parse(run("show", "examples/reference-cloud", "--format", "json"));
  assert.deepEqual(
    json.nodes.map((n: { name: string }) => n.name),
    ["compute", "controller", "network"],
  );
  const row = json.vlanTable.find((r: { segmentationId?: number }) => r.segmentationId === 328);
  assert.deepEqual(row.perNode.network, { ingress: [1], egress: [1], portTags: [1] });
});

test("netdoctor show on a folder that is not a snapshot fails with exit 2 and says why", () => {
  try {
    run("show", "test");
    assert.fail("should have failed");
  } catch (err) {
    const e = err as { status: number; stderr: string };
    assert.equal(e.status, 2);
    assert.match(e.stderr, /not a netdoctor snapshot/);
  }
});
