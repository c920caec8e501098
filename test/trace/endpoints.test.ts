import assert from "node:assert/strict";
import { test } from "node:test";
import { buildModel } from "../../src/model/build.js";
import { readSnapshot } from "../../src/snapshot/reader.js";
import { EndpointError, resolveEndpoint, resolveEndpoints } from "../../src/trace/endpoints.js";
import { parseProto } from "../../src/trace/trace.js";
import { EXAMPLE } from "../helpers/snapshot.js";

const model = buildModel(readSnapshot(EXAMPLE));
const GUIDE_VM = {
  kind: "vm",
  node: "compute",
  device: "tapff8e411e-6e",
  mac: "fa:16:3e:a4:56:3d",
  ip: "10.0.24.3",
  networkName: "int-net-324",
  cidr: "10.0.24.0/24",
  gateway: "10.0.24.1",
  portId: "ff8e411e-6e47-46ea-9d4c-be9eca09d6b2",
};
const pick = (e: Record<string, unknown>) => Object.fromEntries(Object.keys(GUIDE_VM).map((k) => [k, e[k]]));

test("the guide's VM by domain, Nova uuid, IP, MAC, Neutron port id or its 8-character prefix", () => {
  for (const spec of [
    "instance-0000000a",
    "3c89baca-4102-465f-ae75-11849440eb83",
    "10.0.24.3",
    "fa:16:3e:a4:56:3d",
    "FA:16:3E:A4:56:3D",
    "ff8e411e-6e47-46ea-9d4c-be9eca09d6b2",
    "ff8e411e",
  ]) {
    const e = resolveEndpoint(model, spec, "from");
    assert.deepEqual(pick(e as unknown as Record<string, unknown>), GUIDE_VM, spec);
    assert.equal(e.vm?.domain, "instance-0000000a");
  }
});

test("namespaces by (prefix of) name, the router, a node NIC", () => {
  const q = resolveEndpoint(model, "qrouter-e521f9d0", "to", "10.0.28.3");
  assert.deepEqual(
    [q.kind, q.node, q.device, q.ip, q.routerId],
    ["router", "network", "qr-9ae4acd4-92", "10.0.28.1", "e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5"],
  );
  const d = resolveEndpoint(model, "qdhcp-13c334c1-ad39-4c51-b396-953430059b22", "from");
  assert.deepEqual(
    [d.kind, d.device, d.ip, d.networkName],
    ["namespace", "tap3c2bad86-80", "10.0.24.2", "int-net-324"],
  );
  const r = resolveEndpoint(model, "router", "to", "10.0.24.3");
  assert.deepEqual([r.ip, r.device], ["10.0.24.1", "qr-e6256f7d-31"]);
  assert.equal(resolveEndpoint(model, "router-int", "to", "10.0.28.4").ip, "10.0.28.1");
  const nic = resolveEndpoint(model, "network:em4", "from");
  assert.deepEqual([nic.kind, nic.node, nic.device, nic.mac], ["nic", "network", "em4", "18:66:da:4e:60:17"]);
  assert.throws(() => resolveEndpoint(model, "network:em4", "to"), EndpointError);
});

test("addresses: a router port, a floating IP, the external gateway, the Internet", () => {
  const gw = resolveEndpoint(model, "10.0.24.1", "to");
  assert.deepEqual(
    [gw.kind, gw.namespace, gw.device],
    ["router", "qrouter-e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5", "qr-e6256f7d-31"],
  );
  const fip = resolveEndpoint(model, "203.0.113.11", "to");
  assert.equal(fip.device, "qg-35916e1f-36");
  assert.match(fip.label, /^floating IP 203\.0\.113\.11/);
  const ext = resolveEndpoint(model, "203.0.113.1", "to");
  assert.deepEqual([ext.kind, ext.networkName], ["external", "ext-net-flat-319"]);
  assert.match(ext.label, /external network/);
  const out = resolveEndpoint(model, "8.8.8.8", "to");
  assert.deepEqual([out.kind, out.label], ["external", "8.8.8.8 (outside the cloud)"]);
});

test("a VM with two interfaces picks the one on the other side's subnet and says so", () => {
  const { from } = resolveEndpoints(model, "instance-0000000b", "10.0.28.3");
  assert.equal(from.ip, "10.0.28.4");
  assert.match(from.notes.join(), /2 interfaces: using tap6390dbea-72 on the subnet of 10\.0\.28\.3/);
  const { to } = resolveEndpoints(model, "instance-0000000a", "instance-0000000b");
  assert.equal(to.ip, "10.0.24.4");
});

test("what cannot be resolved says why", () => {
  assert.throws(() => resolveEndpoint(model, "instance-deadbeef", "from"), /not a VM .* of this snapshot/);
  assert.throws(() => resolveEndpoint(model, "nowhere:em3", "from"), /no node nowhere/);
  assert.throws(() => resolveEndpoint(model, "compute:em9", "from"), /compute has no NIC em9/);
  assert.throws(
    () => resolveEndpoint(model, "fa:16:3e:00:00:00", "from"),
    /no VM interface, namespace device or Neutron port has MAC/,
  );
  assert.throws(() => resolveEndpoint(model, "qdhcp-0000", "from"), /no namespace of that name/);
  assert.throws(() => resolveEndpoint(model, "qdhcp-", "from"), /ambiguous/);
});

test("--proto", () => {
  assert.deepEqual(parseProto("icmp"), { name: "icmp" });
  assert.deepEqual(parseProto("tcp:22"), { name: "tcp", port: 22 });
  assert.deepEqual(parseProto("UDP:53"), { name: "udp", port: 53 });
  assert.throws(() => parseProto("tcp"), /give the destination port/);
  assert.throws(() => parseProto("icmp:8"), /icmp has no port/);
  assert.throws(() => parseProto("sctp:1"), /expected icmp, tcp:PORT or udp:PORT/);
  assert.throws(() => parseProto("tcp:70000"), /out of range/);
});
