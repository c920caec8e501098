import assert from "node:assert/strict";
import { test } from "node:test";
import {
  iniGet,
  iniGetAll,
  parseBridgeMappings,
  parseNetworkVlanRanges,
  parseOsloIni,
} from "../../src/parse/oslo-ini.js";
import { realFixture } from "../helpers/fixtures.js";

test("hotsos openvswitch_agent.ini: sections, values, line numbers; comments skipped", () => {
  const { value: ini, issues } = parseOsloIni(realFixture("hotsos-ussuri-dvr/openvswitch_agent.ini"));
  assert.deepEqual(issues, []);
  assert.deepEqual(Object.keys(ini.sections), ["ovs", "agent", "securitygroup"]);
  assert.deepEqual(ini.sections["ovs"]?.["bridge_mappings"], {
    values: ["physnet1:br-data"],
    line: 10,
    lines: [10],
  });
  assert.equal(iniGet(ini, "ovs", "local_ip"), "10.0.0.128");
  assert.equal(iniGet(ini, "agent", "tunnel_types"), "vxlan,gre");
  assert.equal(iniGet(ini, "securitygroup", "firewall_driver"), "openvswitch");
  assert.equal(iniGet(ini, "ovs", "integration_bridge"), undefined);
  const mappings = parseBridgeMappings(iniGet(ini, "ovs", "bridge_mappings") ?? "");
  assert.deepEqual(mappings, { value: [{ physnet: "physnet1", bridge: "br-data" }], issues: [] });
});

test("oslo.config rules: ':' separator, inline '#' kept, quotes, continuation, repeated keys, DEFAULT", () => {
  const text = [
    "[DEFAULT]",
    "debug = True",
    "core_plugin: ml2",
    "",
    "[ml2_type_vlan]",
    "network_vlan_ranges = trunknet:319:328 # not a comment for oslo",
    "",
    "[service_providers]",
    "service_provider = L3_ROUTER_NAT:a:b",
    "service_provider = 'VPN:c:d'",
    "",
    "[OVS]",
    'bridge_mappings = "trunknet:br-em3,',
    '    physnet1:br-eth1"',
    "; a comment",
    "url = http://x:9696/?a=b",
  ].join("\n");
  const { value: ini, issues } = parseOsloIni(text);
  assert.deepEqual(issues, []);
  assert.equal(iniGet(ini, "DEFAULT", "core_plugin"), "ml2");
  assert.equal(
    iniGet(ini, "ml2_type_vlan", "network_vlan_ranges"),
    "trunknet:319:328 # not a comment for oslo",
  );
  assert.deepEqual(iniGetAll(ini, "service_providers", "service_provider"), ["L3_ROUTER_NAT:a:b", "VPN:c:d"]);
  assert.equal(iniGet(ini, "service_providers", "service_provider"), "VPN:c:d");
  assert.deepEqual(ini.sections["service_providers"]?.["service_provider"]?.lines, [9, 10]);
  // quotes only come off when they enclose the whole first line's value
  assert.equal(iniGet(ini, "ovs", "bridge_mappings"), '"trunknet:br-em3,\nphysnet1:br-eth1"');
  // group names are case-insensitive (except DEFAULT), first '=' or ':' splits
  assert.equal(iniGet(ini, "ovs", "url"), "http://x:9696/?a=b");
  // fallback to [DEFAULT]
  assert.equal(iniGet(ini, "agent", "debug"), "True");
  assert.deepEqual(iniGetAll(ini, "agent", "nothing"), []);
});

test("malformed lines become issues with their line; parsing goes on", () => {
  const text = [
    "  orphan continuation",
    "key_before_section = 1",
    "[broken",
    "[]",
    "[ok]",
    "no separator here",
    "= value",
    "a = 1",
  ].join("\n");
  const { value: ini, issues } = parseOsloIni(text);
  assert.deepEqual(
    issues.map((i) => i.line),
    [1, 2, 3, 4, 6, 7],
  );
  assert.equal(ini.sections[""]?.["key_before_section"]?.values[0], "1");
  assert.equal(iniGet(ini, "ok", "a"), "1");
});

test("parseBridgeMappings: neutron's parse_mappings rules", () => {
  assert.deepEqual(parseBridgeMappings("physnet1:br-eth1,trunknet:br-em3").value, [
    { physnet: "physnet1", bridge: "br-eth1" },
    { physnet: "trunknet", bridge: "br-em3" },
  ]);
  assert.deepEqual(parseBridgeMappings(" physnet1 : br-eth1 , ,").value, [
    { physnet: "physnet1", bridge: "br-eth1" },
  ]);
  const bad = parseBridgeMappings("a:br-a,b,c:d:e,:br-x,y:,a:br-z,q:br-a", 7);
  assert.deepEqual(bad.value, [{ physnet: "a", bridge: "br-a" }]);
  assert.equal(bad.issues.length, 6);
  assert.ok(bad.issues.every((i) => i.line === 7));
  assert.match(bad.issues[4]!.message, /physnet a mapped twice/);
  assert.match(bad.issues[5]!.message, /bridge br-a mapped twice/);
});

test("parseNetworkVlanRanges: physnet:min:max or physnet alone, 1-4094", () => {
  assert.deepEqual(parseNetworkVlanRanges("trunknet:319:328,external"), {
    value: [{ physnet: "trunknet", min: 319, max: 328 }, { physnet: "external" }],
    issues: [],
  });
  const bad = parseNetworkVlanRanges("a:1:2:3,b:10,c:x:5,d:0:10,e:20:10,f:1:4095,:1:2,g:100:200", 3);
  assert.deepEqual(bad.value, [{ physnet: "g", min: 100, max: 200 }]);
  assert.equal(bad.issues.length, 7);
  assert.ok(bad.issues.every((i) => i.line === 3 && i.severity === "error"));
});
