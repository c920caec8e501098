import assert from "node:assert/strict";
import { test } from "node:test";
import type { Namespace } from "../../src/model/types.js";
import { mirrorRecipe, tcpdumpCommand } from "../../src/trace/capture.js";
import { evalNat, lookupRoute, natTable } from "../../src/trace/netns.js";

const ev = (line: number) => ({ path: "ns.txt", line });
/** A Juno-style router: qr- on 10.0.24.0/24, qg- 203.0.113.10/24 with a floating IP, the L3 agent's nat chains. */
function router(
  rules: string[],
  routes: Namespace["routes"] = [{ dst: "default", via: "203.0.113.1", dev: "qg-1" }],
): Namespace {
  const link = (name: string, cidrs: string[]) => ({
    name,
    up: true,
    lowerUp: true,
    addresses: cidrs.map((cidr) => ({ family: "inet" as const, cidr })),
    evidence: ev(0),
  });
  return {
    name: "qrouter-x",
    kind: "qrouter",
    links: [link("qr-1", ["10.0.24.1/24"]), link("qg-1", ["203.0.113.10/24", "203.0.113.11/32"])],
    routes,
    natRules: rules.map((text, i) => ({ text, evidence: ev(i + 10) })),
  };
}

const L3 = [
  "-A PREROUTING -j neutron-l3-agent-PREROUTING",
  "-A POSTROUTING -j neutron-l3-agent-POSTROUTING",
  "-A POSTROUTING -j neutron-postrouting-bottom",
  "-A neutron-l3-agent-POSTROUTING ! -i qg-1 ! -o qg-1 -m conntrack ! --ctstate DNAT -j ACCEPT",
  "-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697",
  "-A neutron-l3-agent-PREROUTING -d 203.0.113.11/32 -j DNAT --to-destination 10.0.24.3",
  "-A neutron-l3-agent-float-snat -s 10.0.24.3/32 -j SNAT --to-source 203.0.113.11",
  "-A neutron-l3-agent-snat -j neutron-l3-agent-float-snat",
  "-A neutron-l3-agent-snat -o qg-1 -j SNAT --to-source 203.0.113.10:1024-65535",
  "-A neutron-postrouting-bottom -j neutron-l3-agent-snat",
];
const icmp = { name: "icmp" as const };

test("POSTROUTING: floating-IP SNAT first, the default SNAT for the rest, nothing between tenant subnets", () => {
  const t = natTable(router(L3));
  assert.ok(t);
  const fip = evalNat(t, "POSTROUTING", {
    src: "10.0.24.3",
    dst: "8.8.8.8",
    proto: icmp,
    inDev: "qr-1",
    outDev: "qg-1",
    dnatted: false,
  });
  assert.deepEqual([fip.target, fip.to, fip.decided?.evidence.line], ["SNAT", "203.0.113.11", 16]);
  assert.deepEqual(
    fip.path.map((p) => p.rule.target),
    ["neutron-postrouting-bottom", "neutron-l3-agent-snat", "neutron-l3-agent-float-snat"],
  );
  const other = evalNat(t, "POSTROUTING", {
    src: "10.0.24.7",
    dst: "8.8.8.8",
    proto: icmp,
    inDev: "qr-1",
    outDev: "qg-1",
    dnatted: false,
  });
  assert.deepEqual([other.target, other.to], ["SNAT", "203.0.113.10"]);
  const east = evalNat(t, "POSTROUTING", {
    src: "10.0.24.7",
    dst: "10.0.28.3",
    proto: icmp,
    inDev: "qr-1",
    outDev: "qr-2",
    dnatted: false,
  });
  assert.equal(east.target, "ACCEPT");
  // A DNAT-ed packet leaving on a tenant port is not ACCEPTed by the `! --ctstate DNAT` rule.
  const hairpin = evalNat(t, "POSTROUTING", {
    src: "10.0.24.7",
    dst: "10.0.28.3",
    proto: icmp,
    inDev: "qr-1",
    outDev: "qr-2",
    dnatted: true,
  });
  assert.notEqual(hairpin.target, "ACCEPT");
});

test("PREROUTING: floating IP DNAT, metadata REDIRECT only for tcp/80", () => {
  const t = natTable(router(L3));
  assert.ok(t);
  const d = evalNat(t, "PREROUTING", {
    src: "8.8.8.8",
    dst: "203.0.113.11",
    proto: icmp,
    inDev: "qg-1",
    dnatted: false,
  });
  assert.deepEqual([d.target, d.to], ["DNAT", "10.0.24.3"]);
  const md = evalNat(t, "PREROUTING", {
    src: "10.0.24.3",
    dst: "169.254.169.254",
    proto: { name: "tcp", port: 80 },
    inDev: "qr-1",
    dnatted: false,
  });
  assert.deepEqual([md.target, md.to], ["REDIRECT", "9697"]);
  const none = evalNat(t, "PREROUTING", {
    src: "10.0.24.3",
    dst: "169.254.169.254",
    proto: icmp,
    inDev: "qr-1",
    dnatted: false,
  });
  assert.equal(none.target, undefined);
});

test("matches the evaluator does not model are assumed and reported", () => {
  const t = natTable(
    router(["-A POSTROUTING -m mark ! --mark 0x2/0xffff -o qg-1 -j SNAT --to-source 203.0.113.10"]),
  );
  assert.ok(t);
  const r = evalNat(t, "POSTROUTING", {
    src: "10.0.24.3",
    dst: "8.8.8.8",
    proto: icmp,
    outDev: "qg-1",
    dnatted: false,
  });
  assert.equal(r.target, "SNAT");
  assert.match(r.assumed.join(), /-m mark ! --mark 0x2\/0xffff` not evaluated: assumed to match/);
});

test("routes: longest prefix, connected routes from addresses when the dump has none", () => {
  const ns = router(
    [],
    [
      { dst: "default", via: "203.0.113.1", dev: "qg-1" },
      { dst: "10.0.0.0/8", via: "10.0.24.254", dev: "qr-1" },
    ],
  );
  assert.equal(lookupRoute(ns, "8.8.8.8")?.route.dst, "default");
  const r = lookupRoute(ns, "10.0.24.3");
  assert.deepEqual(
    [r?.route.dst, r?.route.dev, r?.connected, r?.len, r?.nextHop],
    ["10.0.24.0/24", "qr-1", true, 24, "10.0.24.3"],
  );
  assert.deepEqual(
    [lookupRoute(ns, "10.9.9.9")?.nextHop, lookupRoute(ns, "10.9.9.9")?.len],
    ["10.0.24.254", 8],
  );
  assert.equal(lookupRoute(router([], []), "8.8.8.8"), undefined);
});

test("captures: VLAN-aware filters, namespaces, and the snooper mirror with its clean-up", () => {
  assert.equal(tcpdumpCommand("em3", { name: "icmp" }, 324), "tcpdump -e -n -i em3 'vlan 324 and icmp'");
  assert.equal(
    tcpdumpCommand("qr-1", { name: "udp", port: 53 }, "untagged", "qrouter-x"),
    "ip netns exec qrouter-x tcpdump -e -n -i qr-1 'udp port 53'",
  );
  const m = mirrorRecipe("br-int", "int-br-em3", { name: "icmp" }, 1);
  assert.deepEqual(m.setup, [
    "ovs-vsctl add-port br-int snooper0 -- set interface snooper0 type=internal -- --id=@out get Port snooper0 -- --id=@p get Port int-br-em3 -- --id=@m create Mirror name=nd-int-br-em3 select-src-port=@p select-dst-port=@p output-port=@out -- add Bridge br-int mirrors @m",
    "ip link set dev snooper0 up",
  ]);
  assert.equal(m.capture, "tcpdump -e -n -i snooper0 'vlan 1 and icmp'");
  assert.deepEqual(m.cleanup, [
    "ovs-vsctl -- --id=@m get Mirror nd-int-br-em3 -- remove Bridge br-int mirrors @m -- del-port br-int snooper0",
  ]);
  assert.equal(m.ovsTcpdump, "ovs-tcpdump -i int-br-em3 -e -n 'vlan 1 and icmp'");
  assert.match(m.note, /no `dummy` driver needed/);
});
