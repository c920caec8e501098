import assert from "node:assert/strict";
import { test } from "node:test";
import {
  colMap,
  colNumber,
  colSet,
  colString,
  type OvsdbRow,
  parseOvsdbClientListDump,
  parseOvsdbJson,
  parseOvsdbList,
  parseOvsdbTextValue,
  parseOvsVsctlList,
} from "../../src/parse/ovsdb.js";
import { realFixture } from "../helpers/fixtures.js";

const lab = (name: string): string => realFixture(`../lab/${name}`);

function byName(rows: OvsdbRow[], name: string): OvsdbRow {
  const row = rows.find((r) => colString(r, "name") === name);
  assert.ok(row, `row ${name}`);
  return row;
}

test("text list Interface (hotsos sosreport): Neutron external_ids, ofport, mtu", () => {
  const { value, issues } = parseOvsVsctlList(realFixture("hotsos-ussuri-dvr/ovs-vsctl-list-interface.txt"));
  assert.deepEqual(issues, []);
  assert.equal(value.length, 17);
  const tap = byName(value, "tap0e778df8-ca");
  assert.equal(tap._uuid, "dd66d8db-170d-4b06-8280-9989cca47204");
  assert.deepEqual(colMap(tap, "external_ids"), {
    "attached-mac": "fa:16:3e:a7:45:cb",
    "iface-id": "0e778df8-ca29-490b-8d54-e238b1e0be1c",
    "iface-status": "active",
    // This Ussuri node records the instance as vm-id (the lab's os-vif writes vm-uuid).
    "vm-id": "d1d75e2f-ada4-49bc-a963-528d89dfda25",
  });
  assert.equal(colNumber(tap, "ofport"), 9);
  assert.equal(colNumber(tap, "mtu"), 1450);
  assert.equal(colString(tap, "type"), "");
  assert.equal(colString(tap, "mac_in_use"), "fe:16:3e:a7:45:cb");
  assert.equal(colString(tap, "error"), undefined);
  assert.equal(colMap(tap, "status")["driver_version"], "1.6");
  assert.equal(colMap(tap, "statistics")["rx_packets"], "202");
  const patch = byName(value, "int-br-data");
  assert.equal(colString(patch, "type"), "patch");
  assert.deepEqual(colMap(patch, "options"), { peer: "phy-br-data" });
  assert.equal(colNumber(patch, "mtu"), undefined);
});

test("text list Bridge: fail_mode, protocols, datapath_type, port references", () => {
  const { value, issues } = parseOvsVsctlList(realFixture("hotsos-ussuri-dvr/ovs-vsctl-list-bridge.txt"));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.map((r) => colString(r, "name")),
    ["br-data", "br-int", "br-ex", "br-tun"],
  );
  const brInt = byName(value, "br-int");
  assert.equal(brInt._uuid, "c835132f-e7d9-4626-8e6c-5beaab2477fa");
  assert.equal(brInt.line, 25);
  assert.equal(colString(brInt, "fail_mode"), "secure");
  assert.equal(colString(brInt, "datapath_type"), "system");
  assert.deepEqual(colSet(brInt, "protocols"), [
    "OpenFlow10",
    "OpenFlow11",
    "OpenFlow12",
    "OpenFlow13",
    "OpenFlow14",
  ]);
  assert.equal(colSet(brInt, "ports").length, 9);
  assert.deepEqual(colSet(brInt, "controller"), [{ uuid: "8afd6284-8525-4b31-9049-851d84c1ef5d" }]);
  assert.equal(colString(brInt, "datapath_id"), "00002e1335c82646");
  assert.equal(brInt.columns["mcast_snooping_enable"], false);
  const brEx = byName(value, "br-ex");
  assert.equal(colString(brEx, "fail_mode"), undefined);
  assert.deepEqual(brEx.columns["fail_mode"], []);
});

test("text list Open_vSwitch: quoted strings stay strings, bare numbers are numbers", () => {
  const { value } = parseOvsVsctlList(realFixture("hotsos-ussuri-dvr/ovs-vsctl-list-Open_vSwitch.txt"));
  const ovs = value[0];
  assert.ok(ovs);
  assert.equal(ovs._uuid, "b8a20458-9009-41a0-aa49-71bcc0080537");
  assert.equal(ovs.columns["ovs_version"], "2.13.3");
  assert.equal(ovs.columns["system_version"], "20.04");
  assert.equal(ovs.columns["cur_cfg"], 129);
  assert.equal(ovs.columns["dpdk_initialized"], false);
  assert.equal(colMap(ovs, "external_ids")["hostname"], "compute4.mylab.home");
  assert.equal(colMap(ovs, "external_ids")["system-id"], "3c98ecc6-adbc-4647-853b-d4c2b38e49ac");
  assert.equal(colSet(ovs, "bridges").length, 4);

  const n1 = parseOvsVsctlList(lab("ovs-vsctl_list_Open_vSwitch.n1.txt")).value[0];
  assert.ok(n1);
  assert.deepEqual(colSet(n1, "datapath_types"), ["netdev", "system"]);
  assert.equal(colString(n1, "ovs_version"), undefined);
  assert.deepEqual(colMap(n1, "external_ids"), { hostname: "n1", "system-id": "n1" });
});

test("ovsdb-client -f list dump: every table, Port.other_config written by the agent", () => {
  const { value, issues } = parseOvsdbClientListDump(
    realFixture("hotsos-ussuri-dvr/ovsdb-client-f-list-dump.txt"),
  );
  assert.deepEqual(issues, []);
  const count = Object.fromEntries(value.map((t) => [t.name, t.rows.length]));
  assert.equal(count["Bridge"], 4);
  assert.equal(count["Controller"], 3);
  assert.equal(count["Interface"], 17);
  assert.equal(count["Port"], 17);
  assert.equal(count["Open_vSwitch"], 1);
  assert.equal(count["Mirror"], 0);
  assert.equal(count["sFlow"], 0);

  const ports = value.find((t) => t.name === "Port")?.rows ?? [];
  const tap = byName(ports, "tap0e778df8-ca");
  assert.equal(tap._uuid, "3c8ce2ba-fa56-42d7-8114-ce324cec180d");
  assert.equal(colNumber(tap, "tag"), 3);
  assert.deepEqual(colMap(tap, "other_config"), {
    net_uuid: "51f0432d-3627-48d5-9d7c-87b97effdaab",
    network_type: "vxlan",
    physical_network: "None",
    segmentation_id: "1233",
    tag: "3",
  });
  // The same Interface row as in `ovs-vsctl list interface` of this sosreport.
  assert.deepEqual(colSet(tap, "interfaces"), [{ uuid: "dd66d8db-170d-4b06-8280-9989cca47204" }]);
  const fg = byName(ports, "fg-c8dcce74-c4");
  assert.equal(colMap(fg, "other_config")["physical_network"], "physnet1");
  assert.equal(colMap(fg, "other_config")["network_type"], "flat");
  assert.equal(colNumber(byName(ports, "br-int"), "tag"), undefined);

  const controllers = value.find((t) => t.name === "Controller")?.rows ?? [];
  assert.equal(colString(controllers[0] as OvsdbRow, "target"), "tcp:127.0.0.1:6633");
  assert.equal(controllers[0]?.columns["is_connected"], true);
  assert.equal(colMap(controllers[0] as OvsdbRow, "status")["last_error"], "Connection refused");
});

test("JSON list Bridge (lab): fail_mode, protocols, datapath_type, mirrors", () => {
  const { value, issues } = parseOvsdbJson(lab("ovs-vsctl_--format=json_list_Bridge.n1.json"));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.map((r) => colString(r, "name")),
    ["br-int", "br-ex", "br-em3"],
  );
  const brInt = byName(value, "br-int");
  assert.equal(brInt._uuid, "dd7fd396-45a9-42db-b9d3-d7f60cf71a21");
  assert.equal("_uuid" in brInt.columns, false);
  assert.equal(colString(brInt, "fail_mode"), "secure");
  assert.equal(colString(brInt, "datapath_type"), "netdev");
  assert.deepEqual(colSet(brInt, "protocols"), ["OpenFlow10", "OpenFlow13"]);
  // A one-element set is printed as the bare atom in JSON.
  assert.deepEqual(brInt.columns["mirrors"], { uuid: "1f56b0fd-34f4-453d-bb74-64288c6eb54a" });
  assert.deepEqual(colSet(brInt, "mirrors"), [{ uuid: "1f56b0fd-34f4-453d-bb74-64288c6eb54a" }]);
  assert.equal(colSet(brInt, "ports").length, 6);
  assert.deepEqual(colMap(brInt, "other_config"), { "mac-table-size": "50000" });
  assert.equal(colSet(byName(value, "br-ex"), "mirrors").length, 0);
});

test("JSON list Interface and Port (lab): iface-id, vm-uuid, ofport, local VLAN metadata", () => {
  const ifaces = parseOvsdbJson(lab("ovs-vsctl_--format=json_list_Interface.n1.json"));
  assert.deepEqual(ifaces.issues, []);
  const tap = byName(ifaces.value, "tap6f1c2a3b-4d");
  assert.equal(colNumber(tap, "ofport"), 3);
  assert.deepEqual(colMap(tap, "external_ids"), {
    "attached-mac": "fa:16:3e:00:00:11",
    "iface-id": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    "iface-status": "active",
    "vm-uuid": "11111111-2222-4333-8444-555555555501",
  });
  // statistics maps hold integers in JSON; colMap renders them as text.
  assert.equal(colMap(tap, "statistics")["tx_packets"], "52");
  assert.equal(colString(byName(ifaces.value, "br-em3"), "type"), "internal");
  assert.equal(colNumber(byName(ifaces.value, "br-em3"), "ofport"), 65534);

  const ports = parseOvsdbJson(lab("ovs-vsctl_--format=json_list_Port.n1.json"));
  assert.deepEqual(ports.issues, []);
  const p = byName(ports.value, "tap6f1c2a3b-4d");
  assert.equal(colNumber(p, "tag"), 1);
  assert.deepEqual(colSet(p, "interfaces"), [{ uuid: "d429a769-80f9-49fb-a670-9dcd0062d91f" }]);
  assert.deepEqual(colMap(p, "other_config"), {
    net_uuid: "3f2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d",
    network_type: "vlan",
    physical_network: "trunknet",
    segmentation_id: "324",
    tag: "1",
  });
  assert.equal(colNumber(byName(ports.value, "int-br-em3"), "tag"), undefined);

  const n3 = parseOvsdbJson(lab("ovs-vsctl_--format=json_list_Port.n3-neutron-agent.json"));
  assert.equal(
    colMap(byName(n3.value, "tap7872f574-c5"), "other_config")["net_uuid"],
    "635b89db-45e6-42ed-9084-a8d20e6c624d",
  );
  assert.equal(colMap(byName(n3.value, "int-br-em3"), "other_config")["mcast-snooping-flood"], "False");
});

test("JSON list Mirror (lab): output port reference and select_all", () => {
  const { value } = parseOvsdbJson(lab("ovs-vsctl_--format=json_list_Mirror.n1.json"));
  const m = byName(value, "m-snoop");
  assert.deepEqual(m.columns["output_port"], { uuid: "fae1d208-7de1-4483-9566-9620b3f77f72" });
  assert.equal(m.columns["select_all"], true);
  assert.equal(colMap(m, "statistics")["tx_packets"], "72");
});

test("parseOvsdbList tells JSON from text", () => {
  assert.equal(
    colString(
      parseOvsdbList(lab("ovs-vsctl_--format=json_list_Mirror.n1.json")).value[0] as OvsdbRow,
      "name",
    ),
    "m-snoop",
  );
  assert.equal(
    parseOvsdbList(realFixture("hotsos-ussuri-dvr/ovs-vsctl-list-bridge.txt")).value[0]?._uuid,
    "116afe1c-3476-42d4-b5e6-ae699137b62f",
  );
});

test("text values: escapes, quoted vs bare, empty containers, errors", () => {
  assert.deepEqual(parseOvsdbTextValue('{a="x, y=z", b=1, "c d"="\\"q\\""}'), {
    ok: true,
    value: {
      map: [
        ["a", "x, y=z"],
        ["b", 1],
        ["c d", '"q"'],
      ],
    },
  });
  assert.deepEqual(parseOvsdbTextValue("[1, 2, -3]"), { ok: true, value: [1, 2, -3] });
  assert.deepEqual(parseOvsdbTextValue('"1001"'), { ok: true, value: "1001" });
  assert.deepEqual(parseOvsdbTextValue("{}"), { ok: true, value: { map: [] } });
  assert.deepEqual(parseOvsdbTextValue("[]"), { ok: true, value: [] });
  assert.equal(parseOvsdbTextValue("{a=1").ok, false);
  assert.equal(parseOvsdbTextValue('"open').ok, false);
  assert.equal(parseOvsdbTextValue("[a b] x").ok, false);
});

test("text list: CRLF, lost blank lines, bad lines and values are reported and kept", () => {
  const text = [
    "_uuid               : 11111111-2222-3333-4444-555555555555",
    "name                : p1",
    "_uuid               : 66666666-7777-8888-9999-000000000000",
    "name                : p2",
    "other_config        : {broken",
    "garbage line",
    "",
    "...",
  ].join("\r\n");
  const { value, issues } = parseOvsVsctlList(text);
  assert.deepEqual(
    value.map((r) => [r._uuid, colString(r, "name"), r.line]),
    [
      ["11111111-2222-3333-4444-555555555555", "p1", 1],
      ["66666666-7777-8888-9999-000000000000", "p2", 3],
    ],
  );
  assert.equal(value[1]?.columns["other_config"], "{broken");
  assert.deepEqual(
    issues.map((i) => [i.line, i.text]),
    [
      [5, "other_config        : {broken"],
      [6, "garbage line"],
    ],
  );
});

test("JSON: invalid input and unknown cells become issues", () => {
  const bad = parseOvsdbJson('{"data":[[1,2]],\n"headings" 1}');
  assert.deepEqual(bad.value, []);
  assert.equal(bad.issues.length, 1);
  assert.equal(bad.issues[0]?.line, 2);

  assert.equal(parseOvsdbJson("[1,2]").issues.length, 1);

  const odd = parseOvsdbJson('{"data":[[["uuid","u1"],["named-uuid","x"],7]],"headings":["_uuid","a","b"]}');
  assert.equal(odd.value[0]?._uuid, "u1");
  assert.deepEqual(odd.value[0]?.columns, { b: 7 });
  assert.match(odd.issues[0]?.message ?? "", /column a/);
});

test("a set is never read as a map, nor a map as a set", () => {
  const row: OvsdbRow = { columns: { s: ["a=b", "c"], m: { map: [["k", 1]] } } };
  assert.deepEqual(colMap(row, "s"), {});
  assert.deepEqual(colSet(row, "m"), []);
  assert.deepEqual(colMap(row, "m"), { k: "1" });
  assert.equal(colString(row, "s"), undefined);
  assert.equal(colNumber(row, "missing"), undefined);
});
