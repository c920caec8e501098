import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseBrctlShow, parseBridgeLink } from "../../src/parse/brctl.js";
import { realFixture } from "../helpers/fixtures.js";

const lab = (name: string): string => realFixture(`../lab/${name}`);

test("brctl show (newton AIO, tabs): two qbr bridges with continuation lines", () => {
  assert.deepEqual(parseBrctlShow(realFixture("github-notes-newton-aio-hybrid/brctl-show-qbr-hybrid.txt")), {
    value: [
      {
        line: 2,
        name: "qbr0695f2ca-bf",
        id: "8000.ee390677286c",
        stp: false,
        interfaces: ["qvb0695f2ca-bf", "tap0695f2ca-bf"],
      },
      {
        line: 4,
        name: "qbr839737e6-15",
        id: "8000.f612081e8714",
        stp: false,
        interfaces: ["qvb839737e6-15", "tap839737e6-15"],
      },
    ],
    issues: [],
  });
});

test("brctl show (yeasy, spaces): one qbr with qvb and tap", () => {
  assert.deepEqual(parseBrctlShow(realFixture("yeasy-understand-neutron/vxlan-compute-brctl-show.txt")), {
    value: [
      {
        line: 2,
        name: "qbrf47c62b0-db",
        id: "8000.56a7904c418d",
        stp: false,
        interfaces: ["qvbf47c62b0-db", "tapf47c62b0-db"],
      },
    ],
    issues: [],
  });
});

test("brctl show: empty bridge, STP on, error rows", () => {
  const text = [
    "bridge name\tbridge id\t\tSTP enabled\tinterfaces",
    "virbr0\t\t8000.525400aabbcc\tyes\t\t",
    "br0\t\t8000.525400aabbcd\tmaybe\t\teth0",
    "can't get info Operation not supported",
  ].join("\r\n");
  const { value, issues } = parseBrctlShow(text);
  assert.deepEqual(
    value.map((b) => [b.name, b.stp, b.interfaces]),
    [
      ["virbr0", true, []],
      ["br0", false, ["eth0"]],
    ],
  );
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity]),
    [
      [3, "warning"],
      [4, "error"],
    ],
  );
});

test("bridge link show (lab n2): tap and qvb in qbr, forwarding", () => {
  const { value, issues } = parseBridgeLink(lab("bridge_link.n2.txt"));
  assert.deepEqual(issues, []);
  assert.deepEqual(value[1], {
    line: 2,
    index: 9,
    name: "qvba1b2c3d4-e5",
    peer: "qvoa1b2c3d4-e5",
    flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
    mtu: 1500,
    master: "qbra1b2c3d4-e5",
    state: "forwarding",
    priority: 32,
    cost: 2,
    extra: [],
  });
  assert.deepEqual(
    [value[0]?.name, value[0]?.peer, value[0]?.master],
    ["tapa1b2c3d4-e5", "em3", "qbra1b2c3d4-e5"],
  );
});

test("bridge link show (scratch namespace on this machine) and bridge -d detail lines", () => {
  const { value, issues } = parseBridgeLink(lab("bridge-link-show-netns-hybrid-veth.txt"));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.map((p) => [p.index, p.name, p.peer, p.master, p.state]),
    [[3, "qvb1a2b3c4d-5e", "qvo1a2b3c4d-5e", "qbr1a2b3c4d-5e", "forwarding"]],
  );
  const d = parseBridgeLink(
    [
      "7: tap1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 master qbr1 state blocking priority 32 cost 100 hairpin",
      "    hairpin off guard off root_block off fastleave off learning on flood on",
      "garbage",
      "8: tap2: <BROADCAST,MULTICAST> mtu 1500 state disabled",
    ].join("\n"),
  );
  assert.deepEqual(d.value[0]?.extra, [
    "hairpin",
    "hairpin off guard off root_block off fastleave off learning on flood on",
  ]);
  assert.deepEqual([d.value[0]?.state, d.value[0]?.cost], ["blocking", 100]);
  assert.deepEqual(
    d.issues.map((i) => [i.line, i.severity, i.message]),
    [
      [3, "error", "not a bridge link line"],
      [4, "warning", "tap2: no master bridge"],
    ],
  );
});

test("never throws on arbitrary or mangled input; issue lines stay in range", () => {
  const sample = realFixture("github-notes-newton-aio-hybrid/brctl-show-qbr-hybrid.txt")
    .concat(lab("bridge_link.n2.txt"))
    .split("\n");
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constantFrom(...sample), fc.string())), (lines) => {
      const text = lines.join("\n");
      const max = text.split("\n").length;
      for (const parse of [parseBrctlShow, parseBridgeLink]) {
        for (const i of parse(text).issues) assert.ok(i.line >= 0 && i.line <= max, i.message);
      }
    }),
  );
});
