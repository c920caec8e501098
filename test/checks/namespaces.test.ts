import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runChecks } from "../../src/checks/engine.js";
import type { Finding } from "../../src/checks/types.js";
import type { CloudModel } from "../../src/model/types.js";
import {
  exampleCopy,
  type FixtureNode,
  fixtureSnapshot,
  type ScratchSnapshot,
  withSnapshot,
} from "../helpers/snapshot.js";

const N = "nodes/network/commands";
const PORTS = "cloud/commands/neutron-api-ports.txt";
const AGENTS = "cloud/commands/openstack-network-agent-list.txt";
const ROUTER = "e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5";
const QROUTER = `qrouter-${ROUTER}`;
/** int-net-324, its DHCP port (tap3c2bad86-80, 10.0.24.2, tag 2 on the network node). */
const NET324 = "13c334c1-ad39-4c51-b396-953430059b22";
const QDHCP = `qdhcp-${NET324}`;
const DHCP_PORT = "3c2bad86-8018-4d9c-9885-1dfa45ebbb11";

function ns(model: CloudModel, ...only: string[]): Finding[] {
  return runChecks(model, { only: only.length > 0 ? only : ["namespaces.*"] }).findings;
}

function editJson<T>(s: ScratchSnapshot, rel: string, fn: (body: T) => void): void {
  s.edit(rel, (text) => {
    const body = JSON.parse(text) as T;
    fn(body);
    return `${JSON.stringify(body, null, 2)}\n`;
  });
}

function editPort(s: ScratchSnapshot, id: string, fn: (p: Record<string, unknown>) => void): void {
  editJson<{ ports: Record<string, unknown>[] }>(s, PORTS, (b) => fn(b.ports.find((p) => p.id === id)!));
}

function setAgentAlive(s: ScratchSnapshot, type: string, alive: boolean): void {
  editJson<Record<string, unknown>[]>(s, AGENTS, (agents) => {
    agents.find((a) => a.Host === "network" && a["Agent Type"] === type)!.Alive = alive;
  });
}

/** The floating IP the README describes (203.0.113.11 ⇄ the guide's VM 10.0.24.3), as `floating ip list --long`. */
function addFloatingIps(s: ScratchSnapshot): void {
  s.write(
    "cloud/commands/openstack-floating-ip-list.txt",
    `${JSON.stringify(
      [
        {
          ID: "4e33d500-4361-4dc9-9d12-7830a983ee92",
          "Floating IP Address": "203.0.113.11",
          "Fixed IP Address": "10.0.24.3",
          Port: "ff8e411e-6e47-46ea-9d4c-be9eca09d6b2",
          "Floating Network": "99e9c208-b72a-427f-97f6-2443cdd6de9c",
          Project: "3f9a6c21d47e4b0a9c5e8d7b1a2f6e40",
          Router: ROUTER,
          Status: "ACTIVE",
        },
      ],
      null,
      2,
    )}\n`,
  );
}

/** Drops a namespace from the network node: from `ip netns` and every per-namespace output. */
function dropNamespace(s: ScratchSnapshot, name: string): void {
  s.edit(`${N}/ip-netns.txt`, (t) => t.replace(`${name}\n`, ""));
  for (const id of ["ns-ip-addr", "ns-ip-route", "ns-iptables-save"]) {
    s.remove(`${N}/${id}@${name}.txt`);
    s.remove(`${N}/${id}@${name}.meta.json`);
  }
}

/** A second network node holding a copy of the router namespace (rescheduled router, or the other HA peer). */
function addNetwork2(s: ScratchSnapshot, qrouterAddr: string): void {
  mkdirSync(join(s.root, "nodes/network2/commands"), { recursive: true });
  s.write(
    "nodes/network2/node.json",
    JSON.stringify({ name: "network2", hostname: "network2", roles: ["network"], nics: [], warnings: [] }),
  );
  s.write("nodes/network2/commands/ip-netns.txt", `${QROUTER}\n`);
  s.write(`nodes/network2/commands/ns-ip-addr@${QROUTER}.txt`, qrouterAddr);
  editJson<{ nodes: string[] }>(s, "snapshot.json", (m) => m.nodes.push("network2"));
}

const HA_LINK = `70: ha-5b2c9a1e-0d: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN
    link/ether fa:16:3e:5b:2c:9a brd ff:ff:ff:ff:ff:ff
    inet 169.254.192.3/18 brd 169.254.255.255 scope global ha-5b2c9a1e-0d
`;

/** What keepalived leaves on an L3-HA backup: the devices without their addresses, plus the ha- port. */
function asBackup(addr: string): string {
  return addr.replace(/^\s+inet (?!127\.).*\n/gm, "") + HA_LINK;
}

test("healthy reference cloud (with its floating IP listed): no namespace finding at all", () => {
  withSnapshot(exampleCopy(), (s) => {
    addFloatingIps(s);
    const model = s.model();
    assert.equal(model.floatingIps.length, 1);
    assert.deepEqual(ns(model), []);
  });
});

test("namespaces.dhcp-missing: qdhcp of int-net-324 gone from the network node (F03)", () => {
  withSnapshot(exampleCopy(), (s) => {
    dropNamespace(s, QDHCP);
    const found = ns(s.model());
    assert.equal(found.length, 1);
    const f = found[0]!;
    assert.equal(f.rule, "namespaces.dhcp-missing");
    assert.equal(f.severity, "error");
    assert.equal(f.node, "network");
    assert.equal(f.object, `namespace ${QDHCP}`);
    assert.equal(
      f.title,
      `${QDHCP} (int-net-324) missing on network, where its DHCP port ${DHCP_PORT} is bound`,
    );
    assert.equal(
      f.explanation,
      "Instances on int-net-324 (10.0.24.0/24) send DHCPDISCOVER and nobody answers: they boot without an address.",
    );
    assert.deepEqual(f.evidence, [{ path: `${N}/ip-netns.txt` }, { path: PORTS }]);
    assert.deepEqual(f.fix, [
      `ip netns | grep ${QDHCP}`,
      `ps -ef | grep dnsmasq | grep ${NET324}`,
      "systemctl restart neutron-dhcp-agent",
      `openstack network agent list --agent-type dhcp --network ${NET324}`,
    ]);
    assert.equal(f.group, undefined);
  });
});

test("namespaces.dhcp-missing: with the DHCP agent dead it joins the agent's group", () => {
  withSnapshot(exampleCopy(), (s) => {
    dropNamespace(s, QDHCP);
    setAgentAlive(s, "DHCP agent", false);
    const [f] = ns(s.model(), "namespaces.dhcp-missing");
    assert.equal(f!.group, "agent-dead:network");
    assert.match(f!.explanation, / The DHCP agent on network is dead\.$/);
    assert.deepEqual(f!.evidence.at(-1), { path: AGENTS });
  });
});

test("namespaces.dhcp-missing: DHCP-enabled network without any DHCP port; its left-over tap is unbacked (F03, F27)", () => {
  withSnapshot(exampleCopy(), (s) => {
    editJson<{ ports: { id: string }[] }>(s, PORTS, (b) => {
      b.ports = b.ports.filter((p) => p.id !== DHCP_PORT);
    });
    const found = ns(s.model());
    assert.deepEqual(
      found.map((f) => [f.rule, f.severity, f.object, f.title]),
      [
        [
          "namespaces.dhcp-missing",
          "error",
          "network int-net-324",
          "int-net-324 has DHCP enabled but no DHCP port: no DHCP agent serves it",
        ],
        [
          "namespaces.dhcp-server-unbacked",
          "warning",
          `namespace ${QDHCP} device tap3c2bad86-80`,
          `tap3c2bad86-80 in ${QDHCP} serves DHCP but no Neutron port has this id`,
        ],
      ],
    );
    assert.deepEqual(found[0]!.fix, [
      `openstack network agent list --agent-type dhcp --network ${NET324}`,
      `openstack network agent add network --dhcp 369c2fb0-3931-4944-b2eb-303703c82f94 ${NET324}`,
    ]);
    assert.deepEqual(found[1]!.evidence, [{ path: `${N}/ns-ip-addr@${QDHCP}.txt`, line: 7 }]);
  });
});

test("namespaces.dhcp-port-broken: DHCP address missing, device DOWN, tap not on br-int (F03)", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${N}/ns-ip-addr@${QDHCP}.txt`, (t) => t.replace(/^ {4}inet 10\.0\.24\.2\/24.*\n/m, ""));
    const [f, ...rest] = ns(s.model());
    assert.equal(rest.length, 0);
    assert.equal(f!.rule, "namespaces.dhcp-port-broken");
    assert.equal(f!.severity, "error");
    assert.equal(f!.node, "network");
    assert.equal(f!.object, `namespace ${QDHCP} device tap3c2bad86-80`);
    assert.equal(f!.title, `tap3c2bad86-80 in ${QDHCP} lacks the DHCP port's address 10.0.24.2`);
    assert.deepEqual(f!.evidence, [{ path: `${N}/ns-ip-addr@${QDHCP}.txt`, line: 7 }, { path: PORTS }]);
    assert.deepEqual(f!.fix, [
      `ip netns exec ${QDHCP} ip addr`,
      "ovs-vsctl get Port tap3c2bad86-80 tag",
      "systemctl restart neutron-dhcp-agent",
      `openstack port show ${DHCP_PORT} -c binding_vif_type -c status -c fixed_ips`,
    ]);
  });
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${N}/ns-ip-addr@${QDHCP}.txt`, (t) =>
      t.replace("12: tap3c2bad86-80: <BROADCAST,UP,LOWER_UP>", "12: tap3c2bad86-80: <BROADCAST>"),
    );
    const [f, ...rest] = ns(s.model());
    assert.equal(rest.length, 0);
    assert.equal(f!.title, `tap3c2bad86-80 in ${QDHCP} (network int-net-324) is DOWN`);
  });
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${N}/ovs-vsctl-show.txt`, (t) =>
      t.replace(
        / {7}Port "tap3c2bad86-80"\n {11}tag: 2\n {11}Interface "tap3c2bad86-80"\n {15}type: internal\n/,
        "",
      ),
    );
    const [f, ...rest] = ns(s.model());
    assert.equal(rest.length, 0);
    assert.equal(f!.object, "br-int port tap3c2bad86-80");
    assert.equal(f!.title, `DHCP tap tap3c2bad86-80 of ${QDHCP} is not a port of br-int`);
    assert.deepEqual(f!.evidence, [
      { path: `${N}/ns-ip-addr@${QDHCP}.txt`, line: 7 },
      { path: `${N}/ovs-vsctl-show.txt`, line: f!.evidence[1]!.line },
      { path: PORTS },
    ]);
  });
});

/** The 9506hqwy controller: VLAN 100 network, its qdhcp namespace, DHCP port, br-int and its flows. */
function controller9506(vsctl = "9506hqwy-study-notes-2024/controller-ovs-vsctl-show-vlan-flat.txt") {
  return fixtureSnapshot(
    [
      {
        name: "controller",
        roles: ["controller", "network"],
        evidence: {
          "ip-netns": "9506hqwy-study-notes-2024/controller-ip-netns.txt",
          "ns-ip-addr@qdhcp-d46c9e95-3ec9-4066-a5f4-6fb6aa96d386":
            "9506hqwy-study-notes-2024/controller-ip-netns-exec-qdhcp-ip-addr-show.txt",
          "ovs-vsctl-show": vsctl,
          "ovs-ofctl-dump-flows@br-int":
            "9506hqwy-study-notes-2024/controller-ovs-ofctl-dump-flows-br-int-vlan100.txt",
        },
      },
    ],
    {
      "openstack-port-list": "9506hqwy-study-notes-2024/openstack-port-show-dhcp-port-ovs-bound.txt",
      "openstack-network-list": "9506hqwy-study-notes-2024/openstack-network-create-vlan-provider-100.txt",
    },
  );
}

test("real qdhcp (9506hqwy): tap52b1b85b-8e holds 192.168.100.1 → healthy; without it → fault", () => {
  withSnapshot(controller9506(), (s) => {
    const model = s.model();
    // Judged, not skipped: the port is bound to controller.home.local (= node controller), the namespace is read.
    assert.equal(model.ports[0]!.hostId, "controller.home.local");
    assert.deepEqual(ns(model), []);
  });
  withSnapshot(controller9506(), (s) => {
    s.edit("nodes/controller/commands/ns-ip-addr@qdhcp-d46c9e95-3ec9-4066-a5f4-6fb6aa96d386.txt", (t) =>
      t.replace(/^ {4}inet 192\.168\.100\.1\/24.*\n/m, ""),
    );
    const found = ns(s.model());
    assert.deepEqual(
      found.map((f) => [f.rule, f.node, f.object, f.title]),
      [
        [
          "namespaces.dhcp-port-broken",
          "controller",
          "namespace qdhcp-d46c9e95-3ec9-4066-a5f4-6fb6aa96d386 device tap52b1b85b-8e",
          "tap52b1b85b-8e in qdhcp-d46c9e95-3ec9-4066-a5f4-6fb6aa96d386 lacks the DHCP port's address 192.168.100.1",
        ],
      ],
    );
  });
});

test("namespaces.router-missing: the router's qrouter namespace gone; then with the L3 agent dead (F23)", () => {
  withSnapshot(exampleCopy(), (s) => {
    dropNamespace(s, QROUTER);
    const found = ns(s.model());
    assert.equal(found.length, 1);
    const f = found[0]!;
    assert.equal(f.rule, "namespaces.router-missing");
    assert.equal(f.node, "network");
    assert.equal(f.object, `router router-int (${ROUTER})`);
    assert.equal(f.title, `${QROUTER} (router-int) missing on network, where its ports are bound`);
    assert.deepEqual(f.evidence, [
      { path: `${N}/ip-netns.txt` },
      { path: PORTS },
      { path: "cloud/commands/openstack-router-list.txt" },
    ]);
    assert.deepEqual(f.fix, [
      `openstack network agent list --router ${ROUTER} --long`,
      `ip netns | grep ${ROUTER}`,
      "systemctl restart neutron-l3-agent",
      `# or move it: openstack network agent remove router --l3 <agent on network> ${ROUTER}; openstack network agent add router --l3 <live agent> ${ROUTER}`,
    ]);
  });
  withSnapshot(exampleCopy(), (s) => {
    dropNamespace(s, QROUTER);
    setAgentAlive(s, "L3 agent", false);
    const [f] = ns(s.model());
    assert.equal(f!.group, "agent-dead:network");
    assert.match(f!.explanation, /The L3 agent on network is dead\.$/);
  });
});

test("namespaces.router-ports-missing: qr- of int-net-328 and the qg- gateway gone from the namespace (F23, F10)", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${N}/ns-ip-addr@${QROUTER}.txt`, (t) => t.replace(/^63: qr-9ae4acd4-92:[\s\S]*$/m, ""));
    const [f, ...rest] = ns(s.model());
    assert.equal(rest.length, 0);
    assert.equal(f!.rule, "namespaces.router-ports-missing");
    assert.equal(f!.object, `namespace ${QROUTER} device qr-9ae4acd4-92`);
    assert.equal(f!.title, `${QROUTER} has no qr-9ae4acd4-92 (interface on network int-net-328)`);
    assert.match(f!.explanation, /^VMs on network int-net-328 lose their gateway/);
    assert.deepEqual(f!.evidence, [
      { path: `${N}/ns-ip-addr@${QROUTER}.txt`, line: 1 },
      { path: PORTS },
      { path: "cloud/commands/openstack-router-list.txt" },
    ]);
  });
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${N}/ns-ip-addr@${QROUTER}.txt`, (t) => t.replace(/^ {4}inet 203\.0\.113\.10\/24.*\n/m, ""));
    const [f, ...rest] = ns(s.model());
    assert.equal(rest.length, 0);
    assert.equal(f!.title, `qg-35916e1f-36 (external gateway) in ${QROUTER} lacks 203.0.113.10`);
    assert.equal(f!.evidence[0]!.line, 6);
  });
});

test("namespaces.router-default-route: none, or via another next hop than the external subnet's gateway (F10)", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${N}/ns-ip-route@${QROUTER}.txt`, (t) =>
      t.replace("default via 203.0.113.1 dev qg-35916e1f-36\n", ""),
    );
    const [f, ...rest] = ns(s.model());
    assert.equal(rest.length, 0);
    assert.equal(f!.rule, "namespaces.router-default-route");
    assert.equal(f!.severity, "error");
    assert.equal(f!.object, `namespace ${QROUTER}`);
    assert.equal(f!.title, `${QROUTER} (router-int) has no default route`);
    assert.deepEqual(f!.fix, [
      `ip netns exec ${QROUTER} ip route`,
      "openstack subnet show e0ef8d6f-3fa9-4a05-ae2c-5ec229357f4b -c gateway_ip",
      `openstack router show ${ROUTER} -c external_gateway_info`,
      "systemctl restart neutron-l3-agent",
    ]);
  });
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${N}/ns-ip-route@${QROUTER}.txt`, (t) =>
      t.replace("default via 203.0.113.1 ", "default via 203.0.113.254 "),
    );
    const [f] = ns(s.model());
    assert.equal(f!.severity, "warning");
    assert.equal(
      f!.title,
      `${QROUTER} (router-int) routes default via 203.0.113.254, the external subnet's gateway is 203.0.113.1`,
    );
  });
});

test("namespaces.router-nat-missing: floating IP not programmed, default SNAT gone (F14, F10)", () => {
  withSnapshot(exampleCopy(), (s) => {
    addFloatingIps(s);
    s.edit(`${N}/ns-iptables-save@${QROUTER}.txt`, (t) =>
      t.replace(/^-A neutron-l3-agent-(PREROUTING -d 203|OUTPUT -d 203|float-snat -s 10).*\n/gm, ""),
    );
    s.edit(`${N}/ns-ip-addr@${QROUTER}.txt`, (t) => t.replace(/^ {4}inet 203\.0\.113\.11\/32.*\n/m, ""));
    const [f, ...rest] = ns(s.model());
    assert.equal(rest.length, 0);
    assert.equal(f!.rule, "namespaces.router-nat-missing");
    assert.equal(f!.severity, "error");
    assert.equal(f!.node, "network");
    assert.equal(f!.object, "floating IP 203.0.113.11");
    assert.equal(
      f!.title,
      `${QROUTER} lacks DNAT 203.0.113.11 → 10.0.24.3, SNAT 10.0.24.3 → 203.0.113.11, 203.0.113.11/32 on qg-35916e1f-36`,
    );
    assert.deepEqual(f!.evidence, [
      { path: "cloud/commands/openstack-floating-ip-list.txt" },
      { path: `${N}/ns-iptables-save@${QROUTER}.txt` },
      { path: `${N}/ns-ip-addr@${QROUTER}.txt`, line: 6 },
    ]);
    assert.equal(
      f!.fix[0],
      `ip netns exec ${QROUTER} iptables -t nat -S | grep -E "203\\.0\\.113\\.11|10\\.0\\.24\\.3"`,
    );
  });
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${N}/ns-iptables-save@${QROUTER}.txt`, (t) =>
      t.replace(/^-A neutron-l3-agent-snat -s 10\.0\.2\d\.0\/24 -j SNAT.*\n/gm, ""),
    );
    const [f, ...rest] = ns(s.model());
    assert.equal(rest.length, 0);
    assert.equal(f!.severity, "warning");
    assert.equal(f!.title, `${QROUTER} has no default SNAT to 203.0.113.10`);
    assert.match(f!.explanation, /unknown from this snapshot/);
  });
});

test("namespaces.router-active-twice: a second network node holds the router active too (F22); a backup there is fine", () => {
  withSnapshot(exampleCopy(), (s) => {
    addNetwork2(s, s.read(`${N}/ns-ip-addr@${QROUTER}.txt`));
    const found = ns(s.model());
    assert.equal(found.length, 1);
    const f = found[0]!;
    assert.equal(f.rule, "namespaces.router-active-twice");
    assert.equal(f.object, `router router-int (${ROUTER})`);
    assert.equal(f.title, `router router-int (${ROUTER}) is active on network and network2`);
    assert.deepEqual(
      f.evidence.map((e) => [e.path, e.line]),
      [
        [`${N}/ns-ip-addr@${QROUTER}.txt`, 1],
        [`${N}/ns-ip-addr@${QROUTER}.txt`, 6],
        [`${N}/ns-ip-addr@${QROUTER}.txt`, 17],
        [`nodes/network2/commands/ns-ip-addr@${QROUTER}.txt`, 1],
        [`nodes/network2/commands/ns-ip-addr@${QROUTER}.txt`, 6],
        [`nodes/network2/commands/ns-ip-addr@${QROUTER}.txt`, 17],
      ],
    );
  });
  withSnapshot(exampleCopy(), (s) => {
    addNetwork2(s, asBackup(s.read(`${N}/ns-ip-addr@${QROUTER}.txt`)));
    assert.deepEqual(ns(s.model()), []);
  });
});

test("namespaces.router-active-twice: L3-HA router standby on both of its hosts (F22, none active)", () => {
  withSnapshot(exampleCopy(), (s) => {
    addNetwork2(s, asBackup(s.read(`${N}/ns-ip-addr@${QROUTER}.txt`)));
    s.edit(`${N}/ns-ip-addr@${QROUTER}.txt`, asBackup);
    editJson<{ ports: Record<string, unknown>[] }>(s, PORTS, (b) => {
      for (const host of ["network", "network2"])
        b.ports.push({
          id: `5b2c9a1e-0d00-4a00-8000-00000000000${host.length}`,
          network_id: "c0ffee00-0000-4000-8000-000000000001",
          mac_address: "fa:16:3e:5b:2c:9a",
          device_owner: "network:router_ha_interface",
          device_id: ROUTER,
          fixed_ips: [],
          "binding:host_id": host,
          "binding:vif_type": "ovs",
          status: "ACTIVE",
        });
    });
    const found = ns(s.model(), "namespaces.router-active-twice");
    assert.deepEqual(
      found.map((f) => f.title),
      [`L3-HA router router-int (${ROUTER}) is standby on every node (network, network2)`],
    );
    assert.deepEqual(found[0]!.fix.slice(-3), [
      `# on network: ip netns exec ${QROUTER} tcpdump -ni ha-5b2c9a1e-0d vrrp`,
      `# on network2: ip netns exec ${QROUTER} tcpdump -ni ha-5b2c9a1e-0d vrrp`,
      "systemctl restart neutron-l3-agent  # on one of them",
    ]);
  });
});

test("namespaces.orphaned: qdhcp of a deleted network — info when empty, warning when it still holds an address", () => {
  const GONE = "qdhcp-0b0e0f0a-1111-4222-8333-944455556666";
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${N}/ip-netns.txt`, (t) => `${t}${GONE}\n`);
    const found = ns(s.model());
    assert.deepEqual(
      found.map((f) => [f.rule, f.severity, f.node, f.object, f.title]),
      [
        [
          "namespaces.orphaned",
          "info",
          "network",
          `namespace ${GONE}`,
          `${GONE} on network: network 0b0e0f0a-1111-4222-8333-944455556666 no longer exists`,
        ],
      ],
    );
    assert.deepEqual(found[0]!.fix, [
      `ip netns pids ${GONE}`,
      `ip netns pids ${GONE} | xargs -r kill`,
      `ip netns delete ${GONE}`,
    ]);
  });
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${N}/ip-netns.txt`, (t) => `${t}${GONE}\n`);
    s.write(
      `${N}/ns-ip-addr@${GONE}.txt`,
      `14: tap0b0e0f0a-11: <BROADCAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default
    link/ether fa:16:3e:0b:0e:0f brd ff:ff:ff:ff:ff:ff
    inet 10.0.24.2/24 brd 10.0.24.255 scope global tap0b0e0f0a-11
`,
    );
    const [f, ...rest] = ns(s.model());
    assert.equal(rest.length, 0);
    assert.equal(f!.severity, "warning");
    assert.match(f!.explanation, /^Its tap0b0e0f0a-11 still holds addresses and can answer ARP and DHCP/);
    assert.deepEqual(f!.evidence, [
      { path: `${N}/ip-netns.txt` },
      { path: `${N}/ns-ip-addr@${GONE}.txt`, line: 1 },
    ]);
    assert.equal(f!.fix[1], "ovs-vsctl --if-exists del-port tap0b0e0f0a-11");
  });
});

test("namespaces.dhcp-server-unbacked: stale dnsmasq device next to the real one; namespace left after a reschedule (F27)", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(
      `${N}/ns-ip-addr@${QDHCP}.txt`,
      (
        t,
      ) => `${t}13: tapdeadbeef-00: <BROADCAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default
    link/ether fa:16:3e:de:ad:be brd ff:ff:ff:ff:ff:ff
    inet 10.0.24.9/24 brd 10.0.24.255 scope global tapdeadbeef-00
`,
    );
    const [f, ...rest] = ns(s.model());
    assert.equal(rest.length, 0);
    assert.equal(f!.rule, "namespaces.dhcp-server-unbacked");
    assert.equal(f!.severity, "warning");
    assert.equal(f!.object, `namespace ${QDHCP} device tapdeadbeef-00`);
    assert.equal(f!.title, `tapdeadbeef-00 in ${QDHCP} serves DHCP but no Neutron port has this id`);
    assert.match(f!.explanation, /\(10\.0\.24\.9\/24\)/);
    assert.deepEqual(f!.evidence, [{ path: `${N}/ns-ip-addr@${QDHCP}.txt`, line: 13 }]);
  });
  withSnapshot(exampleCopy(), (s) => {
    // The network moved to the DHCP agent on controller; the namespace on network was never cleaned.
    editPort(s, DHCP_PORT, (p) => {
      p["binding:host_id"] = "controller";
    });
    const [f, ...rest] = ns(s.model());
    assert.equal(rest.length, 0);
    assert.equal(
      f!.title,
      `tap3c2bad86-80 in ${QDHCP} serves DHCP but its DHCP port is bound to controller, not network`,
    );
  });
});

/** Real namespace outputs of one node: `ip netns`, and per namespace ip addr / route / iptables. */
function nsNode(name: string, files: Record<string, string>): FixtureNode {
  return { name, roles: ["network"], evidence: files };
}

test("real router namespaces (9506hqwy legacy, yeasy legacy, hotsos DVR+HA backup) are healthy", () => {
  const Q9506 = "qrouter-4d1c2f4e-5a3b-4c6d-8e7f-9a0b1c2d3e4f";
  withSnapshot(
    fixtureSnapshot([
      nsNode("controller", {
        [`ns-ip-addr@${Q9506}`]:
          "9506hqwy-study-notes-2024/controller-ip-netns-exec-qrouter-ip-addr-show.txt",
        [`ns-ip-route@${Q9506}`]:
          "9506hqwy-study-notes-2024/controller-ip-netns-exec-qrouter-ip-route-show.txt",
        // `iptables -n -t nat -L`: the model reads only iptables-save, so this NAT table is unknown, not empty.
        [`ns-iptables-save@${Q9506}`]:
          "9506hqwy-study-notes-2024/controller-ip-netns-exec-qrouter-iptables-n-t-nat-L-fip.txt",
      }),
    ]),
    (s) => {
      const model = s.model();
      assert.equal(model.nodes[0]!.namespaces[0]!.natRules.length, 0);
      assert.deepEqual(ns(model), []);
    },
  );
  const YQ = "qrouter-40fff075-d3a2-477b-942c-6b1adb42e35e";
  const yeasy = (node: string) =>
    nsNode(node, {
      "ip-netns": "yeasy-understand-neutron/ip-netns.txt",
      [`ns-ip-addr@${YQ}`]: "yeasy-understand-neutron/ip-netns-exec-qrouter-ip-addr.txt",
      [`ns-ip-route@${YQ}`]: "yeasy-understand-neutron/ip-netns-exec-qrouter-ip-route.txt",
      "ns-ip-addr@qdhcp-ea3928dc-b1fd-4a1a-940e-82b8c55214e6":
        "yeasy-understand-neutron/ip-netns-exec-qdhcp-ip-addr.txt",
    });
  // The inventory around the real namespace: ids carry the stems of its devices, addresses are the ones it shows.
  const yeasyCloud = {
    "openstack-router-list": {
      text: JSON.stringify([
        {
          ID: "40fff075-d3a2-477b-942c-6b1adb42e35e",
          Name: "router1",
          "External gateway info": { network_id: "7d1f0e8a-1b2c-4d3e-8f90-a1b2c3d4e5f6" },
        },
      ]),
    },
    "neutron-api-ports": {
      text: JSON.stringify({
        ports: [
          {
            id: "694450d6-f6a1-4b2c-8d3e-4f5a6b7c8d9e",
            network_id: "ea3928dc-b1fd-4a1a-940e-82b8c55214e6",
            device_owner: "network:router_interface",
            device_id: "40fff075-d3a2-477b-942c-6b1adb42e35e",
            fixed_ips: [{ ip_address: "10.0.0.1" }],
          },
          {
            id: "e76de35e-90b1-4c2d-9e3f-5a6b7c8d9e0f",
            network_id: "7d1f0e8a-1b2c-4d3e-8f90-a1b2c3d4e5f6",
            device_owner: "network:router_gateway",
            device_id: "40fff075-d3a2-477b-942c-6b1adb42e35e",
            fixed_ips: [{ ip_address: "9.186.100.2" }],
          },
          {
            id: "f14c598d-98c1-4d2e-8f3a-4b5c6d7e8f90",
            network_id: "ea3928dc-b1fd-4a1a-940e-82b8c55214e6",
            device_owner: "network:dhcp",
            fixed_ips: [{ ip_address: "10.1.0.3" }],
          },
        ],
      }),
    },
  };
  withSnapshot(fixtureSnapshot([yeasy("network")], yeasyCloud), (s) => {
    const model = s.model();
    assert.equal(model.routers.length, 1);
    assert.deepEqual(ns(model), []);
  });
  // The same router namespace, active on two nodes: split brain from real outputs.
  withSnapshot(fixtureSnapshot([yeasy("network"), yeasy("network2")], yeasyCloud), (s) => {
    const found = ns(s.model());
    assert.deepEqual(
      found.map((f) => [f.rule, f.title]),
      [
        [
          "namespaces.router-active-twice",
          "router router1 (40fff075-d3a2-477b-942c-6b1adb42e35e) is active on network and network2",
        ],
      ],
    );
  });
  const DVR = "984c22fd-64b3-4fa1-8ddd-87090f401ce5";
  const hotsos = nsNode("compute4", {
    "ip-netns": "hotsos-ussuri-dvr/ip-netns.txt",
    [`ns-ip-addr@snat-${DVR}`]: "hotsos-ussuri-dvr/ip-netns-exec-snat-ip-address-show.txt",
    [`ns-iptables-save@snat-${DVR}`]: "hotsos-ussuri-dvr/ip-netns-exec-snat-iptables-save.txt",
    [`ns-ip-addr@qrouter-${DVR}`]: "hotsos-ussuri-dvr/ip-netns-exec-qrouter-ip-address-show.txt",
    [`ns-ip-route@qrouter-${DVR}`]: "hotsos-ussuri-dvr/ip-netns-exec-qrouter-ip-route-show-table-all.txt",
    [`ns-iptables-save@qrouter-${DVR}`]: "hotsos-ussuri-dvr/ip-netns-exec-qrouter-iptables-save.txt",
    "ns-ip-addr@fip-32981f34-497a-4fae-914a-8576055c8d0d":
      "hotsos-ussuri-dvr/ip-netns-exec-fip-ip-address-show.txt",
  });
  // Port ids are the iface-ids OVSDB gives for these devices; the gateway IP is the one the SNAT rules use.
  const hotsosCloud = {
    "openstack-router-list": {
      text: JSON.stringify([
        {
          ID: DVR,
          Name: "dvr-router",
          "External gateway info": { network_id: "32981f34-497a-4fae-914a-8576055c8d0d" },
        },
      ]),
    },
    "neutron-api-networks": {
      text: JSON.stringify({ networks: [{ id: "32981f34-497a-4fae-914a-8576055c8d0d", name: "ext_net" }] }),
    },
    "neutron-api-ports": {
      text: JSON.stringify({
        ports: [
          {
            id: "3a70b31c-3f61-492f-bf2f-aee9f64d5eff",
            device_owner: "network:router_interface_distributed",
            device_id: DVR,
            fixed_ips: [{ ip_address: "192.168.21.1" }],
          },
          {
            id: "14f81a43-69a3-4433-94f9-6c09a1a8c7a7",
            device_owner: "network:router_gateway",
            device_id: DVR,
            "binding:host_id": "compute4",
            fixed_ips: [{ ip_address: "10.100.0.204" }],
          },
        ],
      }),
    },
  };
  withSnapshot(fixtureSnapshot([hotsos], hotsosCloud), (s) => {
    const model = s.model();
    const snat = model.nodes[0]!.namespaces.find((n) => n.kind === "snat")!;
    // The backup: qg- DOWN without address, ha- up — not active, not a missing gateway, not split brain.
    assert.equal(snat.links.find((l) => l.name === "qg-14f81a43-69")!.up, false);
    assert.ok(snat.natRules.length > 0);
    assert.deepEqual(ns(model), []);
  });
  withSnapshot(fixtureSnapshot([hotsos]), (s) => assert.deepEqual(ns(s.model()), []));
});
