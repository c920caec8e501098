import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseEthtoolI } from "../../src/parse/ethtool.js";
import { realFixture } from "../helpers/fixtures.js";

const lab = (name: string): string => realFixture(`../lab/${name}`);

const ALL_NO_BUT_STATS = {
  statistics: true,
  test: false,
  "eeprom-access": false,
  "register-dump": false,
  "priv-flags": false,
};

test("ethtool -i on a veth (lab): virtual device, no bus-info, empty fields left out", () => {
  assert.deepEqual(parseEthtoolI(lab("ethtool-i-veth.txt")), {
    value: { driver: "veth", version: "1.0", supports: ALL_NO_BUT_STATS, extra: {} },
    issues: [],
  });
});

test("ethtool -i on a virtio NIC (this machine): PCI bus-info", () => {
  const { value, issues } = parseEthtoolI(lab("ethtool-i-eth0-virtio.txt"));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    [value.driver, value.version, value.busInfo, value.firmwareVersion],
    ["virtio_net", "1.0.0", "0000:00:03.0", undefined],
  );
  assert.deepEqual(value.supports, ALL_NO_BUT_STATS);
});

test("ethtool -i: unknown keys kept, error lines reported, CRLF", () => {
  const text = [
    "driver: ixgbe",
    "version: 5.1.0-k",
    "firmware-version: 0x800003e7",
    "bus-info: 0000:03:00.0",
    "supports-statistics: maybe",
    "new-field: something",
    "Cannot get driver information: No such device",
  ].join("\r\n");
  const { value, issues } = parseEthtoolI(text);
  assert.deepEqual(value, {
    driver: "ixgbe",
    version: "5.1.0-k",
    firmwareVersion: "0x800003e7",
    busInfo: "0000:03:00.0",
    supports: {},
    extra: { "supports-statistics": "maybe", "new-field": "something" },
  });
  assert.deepEqual(issues, [
    {
      line: 7,
      message: "not a `key: value` line",
      text: "Cannot get driver information: No such device",
      severity: "error",
    },
  ]);
  assert.equal(parseEthtoolI("").issues[0]?.severity, "warning");
});

test("never throws on arbitrary or mangled input; issue lines stay in range", () => {
  const sample = lab("ethtool-i-veth.txt").split("\n");
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constantFrom(...sample), fc.string())), (lines) => {
      const text = lines.join("\n");
      const max = text.split("\n").length;
      for (const parse of [parseEthtoolI]) {
        for (const i of parse(text).issues) assert.ok(i.line >= 0 && i.line <= max, i.message);
      }
    }),
  );
});
