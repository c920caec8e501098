/**
 * examples/reference-cloud: the field guide's 3-node setup as a snapshot (format v1). These tests read it
 * with the snapshot reader only and check the cross-file facts with small regular expressions, so they
 * do not depend on the parsers.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { evidenceSpec, splitEvidenceKey } from "../../src/snapshot/catalogue.js";
import { EvidenceMetaSchema } from "../../src/snapshot/format.js";
import { readSnapshot, type Snapshot } from "../../src/snapshot/reader.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "reference-cloud");
const snap: Snapshot = readSnapshot(ROOT);

function out(node: string | null, key: string): string {
  const item = node === null ? snap.cloud.get(key) : snap.nodes.get(node)?.evidence.get(key);
  assert.ok(item, `${node ?? "cloud"}/${key} is in the snapshot`);
  const text = snap.text(item);
  assert.ok(text !== undefined, `${item.path} is readable`);
  return text;
}
const lines = (text: string): string[] => text.replace(/\n$/, "").split("\n");
const json = <T>(node: string | null, key: string): T => JSON.parse(out(node, key)) as T;

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const NODES = ["compute", "controller", "network"] as const;

test("the example reads as a snapshot without a single warning", () => {
  assert.deepEqual(snap.warnings, []);
  assert.equal(snap.meta.source.kind, "example");
  assert.ok(snap.meta.description && snap.meta.description.length > 40);
  assert.deepEqual(snap.meta.nodes, [...NODES]);
  assert.deepEqual([...snap.nodes.keys()], [...NODES]);
});

test("three nodes with the guide's roles and NIC roles", () => {
  const meta = (n: string) => snap.nodes.get(n)!.meta;
  assert.deepEqual(meta("compute").roles, ["compute"]);
  assert.deepEqual(meta("controller").roles, ["controller", "compute"]);
  assert.deepEqual(meta("network").roles, ["network"]);
  for (const n of NODES) {
    assert.equal(meta(n).hostname, n);
    assert.deepEqual(meta(n).nics.slice(0, 2), [
      { name: "em1", role: "mgmt" },
      { name: "em3", role: "provider", bridge: "br-em3", physnet: "trunknet" },
    ]);
  }
  assert.deepEqual(meta("network").nics[2], {
    name: "em4",
    role: "external",
    bridge: "br-ex",
    physnet: "external",
  });
  assert.equal(meta("compute").nics.length, 2);
});

test("every evidence key is a catalogue id, in its scope, with a parameter of the right kind", () => {
  const items = [
    ...[...snap.nodes].flatMap(([n, node]) => [...node.evidence.values()].map((e) => ({ owner: n, e }))),
    ...[...snap.cloud.values()].map((e) => ({ owner: null as string | null, e })),
  ];
  assert.ok(items.length >= 50, `only ${items.length} outputs`);
  for (const { owner, e } of items) {
    const where = `${owner ?? "cloud"}/${e.key}`;
    const spec = evidenceSpec(e.id);
    assert.ok(spec, `${where}: ${e.id} is not in the catalogue`);
    assert.equal(spec.scope, owner === null ? "cloud" : "node", `${where}: scope`);
    assert.equal(e.param !== undefined, spec.param !== undefined, `${where}: parameter presence`);
    if (owner === null || e.param === undefined) continue;
    const node = snap.nodes.get(owner)!;
    switch (spec.param) {
      case "bridge":
        assert.match(e.param, /^br-[a-z0-9]+$/, where);
        assert.ok(
          new RegExp(`^\\s*Bridge "?${e.param}"?$`, "m").test(out(owner, "ovs-vsctl-show")),
          `${where}: bridge exists`,
        );
        break;
      case "namespace":
        assert.match(e.param, new RegExp(`^(qdhcp|qrouter)-${UUID}$`), where);
        assert.ok(lines(out(owner, "ip-netns")).includes(e.param), `${where}: listed by ip netns`);
        break;
      case "nic":
        assert.ok(
          node.meta.nics.some((nic) => nic.name === e.param),
          `${where}: a NIC of node.json`,
        );
        break;
      case "service":
        assert.match(e.param, /^(neutron|nova)-[a-z-]+$/, where);
        break;
      case "domain":
        assert.match(e.param, /^instance-[0-9a-f]{8}$/, where);
        assert.ok(lines(out(owner, "virsh-list")).includes(e.param), `${where}: listed by virsh`);
        break;
      default:
        assert.fail(`${where}: unexpected parameter kind ${spec.param}`);
    }
  }
});

test("every output has a .meta.json that validates and matches its file name", () => {
  const dirs = [join(ROOT, "cloud", "commands"), ...NODES.map((n) => join(ROOT, "nodes", n, "commands"))];
  let count = 0;
  for (const dir of dirs) {
    const names = readdirSync(dir);
    for (const name of names.filter((x) => x.endsWith(".txt"))) {
      const key = name.slice(0, -4);
      const metaPath = join(dir, `${key}.meta.json`);
      assert.ok(existsSync(metaPath), `${metaPath} exists`);
      const raw = JSON.parse(readFileSync(metaPath, "utf8")) as Record<string, unknown>;
      const meta = EvidenceMetaSchema.parse(raw);
      const { id, param } = splitEvidenceKey(key);
      assert.equal(meta.id, id, metaPath);
      assert.equal(meta.param, param, metaPath);
      assert.ok(meta.command.length > 0, metaPath);
      assert.equal(meta.exitCode, 0, metaPath);
      assert.equal(meta.stderr, "", metaPath);
      assert.equal(raw.stderr, "", `${metaPath}: stderr written out`);
      assert.match(meta.collectedAt ?? "", /^2015-02-12T13:5\d:[0-5]\dZ$/, metaPath);
      assert.ok(
        ["example:guide", "example:filled"].includes(meta.origin),
        `${metaPath}: origin ${meta.origin}`,
      );
      count++;
    }
    // No orphan sidecars either.
    for (const name of names.filter((x) => x.endsWith(".meta.json"))) {
      assert.ok(names.includes(name.replace(/\.meta\.json$/, ".txt")), `${join(dir, name)} has its output`);
    }
  }
  assert.ok(count >= 50, `only ${count} outputs`);
  // The reader attached every sidecar.
  for (const node of snap.nodes.values()) for (const e of node.evidence.values()) assert.ok(e.meta, e.path);
  for (const e of snap.cloud.values()) assert.ok(e.meta, e.path);
});

test("config files: the ones the catalogue expects, no secrets, the guide's ML2 and bridge mappings", () => {
  const conf = (n: string, path: string): string => {
    const rel = snap.nodes.get(n)!.files.get(path);
    assert.ok(rel, `${n}:${path}`);
    return snap.fileText(rel)!;
  };
  for (const n of NODES) {
    for (const [path, rel] of snap.nodes.get(n)!.files) {
      const text = snap.fileText(rel)!;
      for (const l of lines(text)) {
        const m = /^\s*([\w.-]+)\s*=\s*(.*)$/.exec(l);
        if (m && /password|connection|secret|transport_url/i.test(m[1]!))
          assert.equal(m[2], "<redacted>", `${n}:${path}: ${l}`);
      }
    }
  }
  const ml2 = conf("controller", "/etc/neutron/plugins/ml2/ml2_conf.ini");
  for (const l of [
    "type_drivers = flat,vlan",
    "tenant_network_types = vlan",
    "network_vlan_ranges = trunknet:319:328",
    "flat_networks = external",
  ]) {
    assert.ok(lines(ml2).includes(l), l);
  }
  assert.ok(
    lines(conf("compute", "/etc/neutron/plugins/ml2/openvswitch_agent.ini")).includes(
      "bridge_mappings = trunknet:br-em3",
    ),
  );
  assert.ok(
    lines(conf("controller", "/etc/neutron/plugins/ml2/openvswitch_agent.ini")).includes(
      "bridge_mappings = trunknet:br-em3",
    ),
  );
  assert.ok(
    lines(conf("network", "/etc/neutron/plugins/ml2/openvswitch_agent.ini")).includes(
      "bridge_mappings = trunknet:br-em3,external:br-ex",
    ),
  );
  assert.ok(lines(conf("network", "/etc/neutron/l3_agent.ini")).includes("external_network_bridge = br-ex"));
  assert.ok(
    conf("network", "/etc/neutron/dhcp_agent.ini").includes("dhcp_driver = neutron.agent.linux.dhcp.Dnsmasq"),
  );
});

/** Lines of the guide, as published (its non-breaking spaces read as spaces), that must survive unchanged. */
const VERBATIM: [string | null, string, string[]][] = [
  [
    "network",
    "ovs-vsctl-show",
    [
      'Bridge "br-em3"',
      '       Port "phy-br-em3"',
      '               options: {peer="int-br-em3"}',
      "Bridge br-int",
      "       fail_mode: secure",
      '       Port "tapd9762af3-4b"',
      "           tag: 5",
      "               options: {peer=phy-br-ex}",
      'Port "qr-9ae4acd4-92"',
      "           tag: 1",
      '       Port "tap1474f18d-a9"',
      "           tag: 3",
      "Bridge br-ex",
      '       Port "em4"',
      "               options: {peer=int-br-ex}",
    ],
  ],
  [
    "network",
    "ovs-ofctl-dump-flows@br-int",
    [
      "NXST_FLOW reply (xid=0x4):",
      "cookie=0x0, duration=6718.658s, table=0, n_packets=0, n_bytes=0, idle_age=6718, priority=3,in_port=1,dl_vlan=325 actions=mod_vlan_vid:4,NORMAL",
      "cookie=0x0, duration=6719.335s, table=0, n_packets=0, n_bytes=0, idle_age=6719, priority=3,in_port=1,dl_vlan=327 actions=mod_vlan_vid:3,NORMAL",
      "cookie=0x0, duration=6720.508s, table=0, n_packets=3, n_bytes=328, idle_age=6715, priority=3,in_port=1,dl_vlan=328 actions=mod_vlan_vid:1,NORMAL",
      "cookie=0x0, duration=5840.156s, table=0, n_packets=139, n_bytes=13302, idle_age=972, priority=3,in_port=1,dl_vlan=320 actions=mod_vlan_vid:5,NORMAL",
      "cookie=0x0, duration=6719.906s, table=0, n_packets=58, n_bytes=6845, idle_age=6464, priority=3,in_port=1,dl_vlan=324 actions=mod_vlan_vid:2,NORMAL",
      "cookie=0x0, duration=6792.845s, table=0, n_packets=555, n_bytes=100492, idle_age=9, priority=2,in_port=1 actions=drop",
      "cookie=0x0, duration=6792.025s, table=0, n_packets=555, n_bytes=97888, idle_age=9, priority=2,in_port=2 actions=drop",
      "cookie=0x0, duration=6793.667s, table=0, n_packets=203, n_bytes=22402, idle_age=4535, priority=1 actions=NORMAL",
      "cookie=0x0, duration=6793.605s, table=23, n_packets=0, n_bytes=0, idle_age=6793, priority=0 actions=drop",
    ],
  ],
  [
    "network",
    "ns-ip-addr@qdhcp-f7bff056-1d27-4c12-a917-6ffe2925a44b",
    [
      "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default",
      "61: tapd9762af3-4b: <BROADCAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default",
      "   link/ether fa:16:3e:b8:2e:0c brd ff:ff:ff:ff:ff:ff",
      "   inet6 fe80::f816:3eff:feb8:2e0c/64 scope link",
    ],
  ],
  [
    "network",
    "ns-ip-addr@qrouter-e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5",
    [
      "10: qr-e6256f7d-31: <BROADCAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN",
      "11: qg-35916e1f-36: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UNKNOWN qlen 500",
      "28: lo: <LOOPBACK,UP,LOWER_UP> mtu 16436 qdisc noqueue state UNKNOWN",
    ],
  ],
  [
    "compute",
    "ip-addr",
    [
      "2: em3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master ovs-system state UP group default qlen 1000",
      "6: em1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000",
      "37: br-em3: <BROADCAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default",
    ],
  ],
  [
    "compute",
    "lldp@em1",
    [
      "tcpdump: WARNING: em1: no IPv4 address assigned",
      "System Name TLV (5), length 13: stackdr2.GARR",
      " 0x0000:  7374 6163 6b64 7232 2e47 4152 52",
      "Port Description TLV (4), length 21: GigabitEthernet2/0/31",
      " port vlan id (PVID): 320",
    ],
  ],
  [
    "compute",
    "lldp@em3",
    [
      "System Name TLV (5), length 13: stackdr2.GARR",
      "Port Description TLV (4), length 20: GigabitEthernet2/0/3",
      "   port vlan id (PVID): 1",
    ],
  ],
  [
    "compute",
    "ovs-ofctl-show@br-int",
    [
      "OFPT_FEATURES_REPLY (xid=0x2): dpid:0000029a51549b40",
      "1(int-br-em3): addr:52:40:bd:b3:88:9c",
      "2(qvof3b63d31-a0): addr:4e:db:74:04:53:4d",
      "3(qvo65fb5ad8-b5): addr:92:75:b8:03:cc:1d",
      "4(qvoa6e8c6e3-1c): addr:82:22:71:c5:4e:f8",
      "5(qvo1d40b89c-fe): addr:5e:e3:15:53:e5:16",
      "6(qvoff8e411e-6e): addr:02:a9:38:d6:88:22",
      "    current:    10GB-FD COPPER",
      "LOCAL(br-int): addr:02:9a:51:54:9b:40",
      "OFPT_GET_CONFIG_REPLY (xid=0x4): frags=normal miss_send_len=0",
    ],
  ],
  [
    "compute",
    "ovs-ofctl-dump-flows@br-int",
    [
      " cookie=0x0, duration=105039.122s, table=0, n_packets=5963, n_bytes=482203, idle_age=1104, hard_age=65534, priority=3,in_port=1,dl_vlan=324 actions=mod_vlan_vid:1,NORMAL",
    ],
  ],
  [
    "compute",
    "ovs-ofctl-dump-flows@br-em3",
    [
      " cookie=0x0, duration=105402.89s, table=0, n_packets=7374, n_bytes=905197, idle_age=1468, hard_age=65534, priority=4,in_port=2,dl_vlan=1 actions=mod_vlan_vid:324,NORMAL",
    ],
  ],
  [
    "compute",
    "libvirt-xml@instance-0000000a",
    [
      "<domain type='kvm'>",
      "    <controller type='pci' index='0' model='pci-root'/>",
      "    <interface type='bridge'>",
      "      <mac address='fa:16:3e:a4:56:3d'/>",
      "      <source bridge='qbrff8e411e-6e'/>",
      "      <target dev='tapff8e411e-6e'/>",
      "      <model type='virtio'/>",
      "      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>",
      "    <serial type='file'>",
    ],
  ],
  [
    null,
    "neutron-net-list",
    [
      "| 13c334c1-ad39-4c51-b396-953430059b22 | int-net-324          | edd7678a-277c-477e-a5ac-84258e6b1794 |",
      "| 99e9c208-b72a-427f-97f6-2443cdd6de9c | ext-net-flat-319     | e0ef8d6f-3fa9-4a05-ae2c-5ec229357f4b |",
      "| f7bff056-1d27-4c12-a917-6ffe2925a44b | enea-net             | d9d1ba30-4a14-4aab-a95f-4ed2c3f895d3 |",
    ],
  ],
  [
    null,
    "nova-service-list",
    [
      "| 1  | nova-compute     | compute    | nova     | enabled | up    | 2015-02-12T13:52:45.000000 | -               |",
      "| 6  | nova-compute     | controller | nova     | enabled | up    | 2015-02-12T13:52:46.000000 | -               |",
    ],
  ],
  [
    null,
    "nova-hypervisor-stats",
    [
      "| count                | 2      |",
      "| running_vms          | 6      |",
      "| vcpus_used           | 9      |",
    ],
  ],
  [
    null,
    "mysql-ml2-vlan-allocations",
    [
      "| physical_network | vlan_id | allocated |",
      "| trunknet      | 324 |      0 |",
      "+------------------+---------+-----------+3 2",
    ],
  ],
];

test("the guide's own outputs keep their lines verbatim, quirks included", () => {
  for (const [node, key, expected] of VERBATIM) {
    const item = node === null ? snap.cloud.get(key) : snap.nodes.get(node)!.evidence.get(key);
    assert.equal(item?.meta?.origin, "example:guide", `${node ?? "cloud"}/${key} is marked as the guide's`);
    const have = lines(out(node, key));
    for (const l of expected)
      assert.ok(have.includes(l), `${node ?? "cloud"}/${key}: missing ${JSON.stringify(l)}`);
  }
  // The network node's br-int dump is the guide's 9 lines and nothing else; the vlan table keeps its odd last line.
  assert.equal(lines(out("network", "ovs-ofctl-dump-flows@br-int")).length, 10);
  assert.equal(
    lines(out(null, "mysql-ml2-vlan-allocations")).at(-1),
    "+------------------+---------+-----------+3 2",
  );
  assert.equal(lines(out(null, "neutron-net-list")).length, 8);
  // The blog lost the qdhcp IPv4 text; the example fills it in.
  assert.ok(
    lines(out("network", "ns-ip-addr@qdhcp-f7bff056-1d27-4c12-a917-6ffe2925a44b")).includes(
      "   inet 10.0.20.2/24 brd 10.0.20.255 scope global tapd9762af3-4b",
    ),
  );
});

// ---------------------------------------------------------------------------------------------------------
// Cross-file consistency, read with small regular expressions.

interface OsPort {
  ID: string;
  "MAC Address": string;
  "Fixed IP Addresses": { subnet_id: string; ip_address: string }[];
  "Device Owner": string;
}
// The Neutron API view (what `collect --openstack` stores), read in the CLI's column names used below.
const ports: OsPort[] = json<{
  ports: { id: string; mac_address: string; fixed_ips: OsPort["Fixed IP Addresses"]; device_owner: string }[];
}>(null, "neutron-api-ports").ports.map((p) => ({
  ID: p.id,
  "MAC Address": p.mac_address,
  "Fixed IP Addresses": p.fixed_ips,
  "Device Owner": p.device_owner,
}));
const subnets = json<{ ID: string; Network: string; Subnet: string; Gateway: string }[]>(
  null,
  "openstack-subnet-list",
);
const networks = json<{
  networks: {
    id: string;
    name: string;
    "provider:network_type": string;
    "provider:physical_network": string;
    "provider:segmentation_id": number | null;
  }[];
}>(null, "neutron-api-networks").networks.map((n) => ({
  ID: n.id,
  Name: n.name,
  "Network Type": n["provider:network_type"],
  "Physical Network": n["provider:physical_network"],
  "Segmentation ID": n["provider:segmentation_id"],
}));
const netOfPort = (p: OsPort) => {
  const subnet = subnets.find((s) => s.ID === p["Fixed IP Addresses"][0]!.subnet_id)!;
  return networks.find((n) => n.ID === subnet.Network)!;
};
const portByDevice = (dev: string): OsPort | undefined =>
  ports.find((p) => p.ID.slice(0, 11) === dev.slice(3));

interface ShowPort {
  bridge: string;
  name: string;
  tag?: number;
  peer?: string;
}
function vsctlPorts(node: string): ShowPort[] {
  const res: ShowPort[] = [];
  let bridge = "";
  for (const l of lines(out(node, "ovs-vsctl-show"))) {
    const br = /^\s*Bridge "?([^"\s]+)"?$/.exec(l);
    const port = /^\s*Port "?([^"\s]+)"?$/.exec(l);
    const tag = /^\s*tag: (\d+)$/.exec(l);
    const peer = /^\s*options: \{peer="?([^"}]+)"?\}$/.exec(l);
    if (br) bridge = br[1]!;
    else if (port) res.push({ bridge, name: port[1]! });
    else if (tag) res.at(-1)!.tag = Number(tag[1]);
    else if (peer) res.at(-1)!.peer = peer[1]!;
  }
  return res;
}
function ofports(node: string, bridge: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const l of lines(out(node, `ovs-ofctl-show@${bridge}`))) {
    const x = /^\s*(\d+)\(([^)]+)\): addr:/.exec(l);
    if (x) m.set(Number(x[1]), x[2]!);
  }
  return m;
}
/** `[in_port, from VLAN, to VLAN]` of the VLAN-rewrite flows. */
function rewrites(node: string, bridge: string): [number, number, number][] {
  return [
    ...out(node, `ovs-ofctl-dump-flows@${bridge}`).matchAll(
      /priority=[34],in_port=(\d+),dl_vlan=(\d+) actions=mod_vlan_vid:(\d+),NORMAL/g,
    ),
  ].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);
}

/** The segmentation id ⇄ local VLAN table the example is built on. */
const LOCAL: Record<string, Record<number, number>> = {
  network: { 320: 5, 324: 2, 325: 4, 327: 3, 328: 1 },
  compute: { 320: 2, 324: 1, 325: 3, 327: 4, 328: 5 },
  controller: { 324: 3, 328: 4 },
};

test("networks: segmentation ids as the flows need them, ext-net-flat-319 flat on physnet external", () => {
  const seg = Object.fromEntries(
    networks.map((n) => [n.Name, [n["Network Type"], n["Physical Network"], n["Segmentation ID"]]]),
  );
  assert.deepEqual(seg, {
    "int-net-324": ["vlan", "trunknet", 324],
    "inaf-net": ["vlan", "trunknet", 325],
    "ext-net-flat-319": ["flat", "external", null],
    "ext-net-flat-319-bis": ["vlan", "trunknet", 319],
    "int-net-328": ["vlan", "trunknet", 328],
    "ingv-net": ["vlan", "trunknet", 327],
    "enea-net": ["vlan", "trunknet", 320],
  });
  // The same ids and subnets as the guide's neutron net-list.
  const table = lines(out(null, "neutron-net-list")).slice(1);
  assert.deepEqual(
    table.map((l) =>
      l
        .split("|")
        .map((c) => c.trim())
        .slice(1, 4),
    ),
    networks.map((n) => [n.ID, n.Name, subnets.find((s) => s.Network === n.ID)!.ID]),
  );
});

test("local VLANs: br-int SEG→LOCAL from int-br-em3, br-em3 LOCAL→SEG from phy-br-em3, port tags = LOCAL", () => {
  for (const node of NODES) {
    const intPorts = ofports(node, "br-int");
    const physPorts = ofports(node, "br-em3");
    const inbound = rewrites(node, "br-int");
    const outbound = rewrites(node, "br-em3");
    assert.deepEqual(
      Object.fromEntries(inbound.map(([, seg, local]) => [seg, local])),
      LOCAL[node],
      `${node} br-int`,
    );
    assert.deepEqual(
      Object.fromEntries(outbound.map(([, local, seg]) => [seg, local])),
      LOCAL[node],
      `${node} br-em3`,
    );
    for (const [inPort] of inbound)
      assert.equal(intPorts.get(inPort), "int-br-em3", `${node}: br-int in_port=${inPort}`);
    for (const [inPort] of outbound)
      assert.equal(physPorts.get(inPort), "phy-br-em3", `${node}: br-em3 in_port=${inPort}`);
    // Ports on br-int: agent-made names are Neutron ports, tagged with their network's local VLAN.
    const shown = vsctlPorts(node);
    for (const p of shown.filter((x) => x.bridge === "br-int" && /^(tap|qvo|qr-|qg-)/.test(x.name))) {
      const os = portByDevice(p.name);
      assert.ok(os, `${node}: ${p.name} is a Neutron port`);
      const net = netOfPort(os);
      assert.equal(p.tag, LOCAL[node]![net["Segmentation ID"]!], `${node}: ${p.name} (${net.Name}) tag`);
    }
    // Every port of the bridge shows up in ovs-ofctl show with a port number, and the other way round.
    for (const br of ["br-int", "br-em3", ...(node === "network" ? ["br-ex"] : [])]) {
      const names = shown
        .filter((x) => x.bridge === br && x.name !== br)
        .map((x) => x.name)
        .sort();
      assert.deepEqual([...ofports(node, br).values()].sort(), names, `${node} ${br}`);
    }
  }
  // The same network gets a different local VLAN on each node.
  assert.deepEqual([LOCAL.network![324], LOCAL.compute![324], LOCAL.controller![324]], [2, 1, 3]);
});

test("patch ports pair both ways: int-br-em3 ⇄ phy-br-em3 everywhere, int-br-ex ⇄ phy-br-ex on the network node", () => {
  for (const node of NODES) {
    const shown = vsctlPorts(node);
    const patches = shown.filter((p) => p.peer !== undefined);
    const expected =
      node === "network"
        ? ["int-br-em3", "int-br-ex", "phy-br-em3", "phy-br-ex"]
        : ["int-br-em3", "phy-br-em3"];
    assert.deepEqual(patches.map((p) => p.name).sort(), expected, node);
    for (const p of patches) {
      const peer = shown.find((x) => x.name === p.peer);
      assert.equal(peer?.peer, p.name, `${node}: ${p.name} ⇄ ${p.peer}`);
      assert.equal(
        peer?.bridge,
        p.name.startsWith("int-") ? p.name.replace(/^int-/, "") : "br-int",
        `${node}: ${p.peer} bridge`,
      );
    }
  }
  // The network node's br-int drops what arrives from int-br-ex (port 2): no local VLAN for the flat external network.
  assert.equal(ofports("network", "br-int").get(2), "int-br-ex");
  assert.ok(
    vsctlPorts("network").some(
      (p) => p.bridge === "br-ex" && p.name === "qg-35916e1f-36" && p.tag === undefined,
    ),
  );
});

test("VM wiring: libvirt tap → qbr → qvb/qvo → br-int, OVSDB external_ids, hybrid firewall chains", () => {
  let domains = 0;
  for (const node of ["compute", "controller"]) {
    const shown = vsctlPorts(node);
    const brctl = out(node, "bridge-link");
    const iptables = lines(out(node, "iptables-save"));
    const rows = ((): Record<string, unknown>[] => {
      const d = json<{ headings: string[]; data: unknown[][] }>(node, "ovsdb-interface");
      return d.data.map((r) => Object.fromEntries(d.headings.map((h, i) => [h, r[i]])));
    })();
    const extIds = (name: string): Record<string, string> => {
      const row = rows.find((r) => r.name === name);
      assert.ok(row, `${node}: OVSDB row ${name}`);
      return Object.fromEntries((row.external_ids as [string, [string, string][]])[1]);
    };
    for (const dom of lines(out(node, "virsh-list")).filter(Boolean)) {
      domains++;
      const xml = out(node, `libvirt-xml@${dom}`);
      const uuid = /<uuid>([^<]+)<\/uuid>/.exec(xml)![1]!;
      const nics = [
        ...xml.matchAll(
          /<mac address='([^']+)'\/>\s*<source bridge='(qbr[^']+)'\/>\s*<target dev='(tap[^']+)'\/>/g,
        ),
      ];
      assert.ok(nics.length > 0, `${node}/${dom} has interfaces`);
      for (const [, mac, qbr, tap] of nics) {
        const os = portByDevice(tap!);
        assert.ok(os, `${dom}: ${tap} is a Neutron port`);
        assert.equal(os["MAC Address"], mac);
        assert.equal(os["Device Owner"], "compute:nova");
        const suffix = tap!.slice(3);
        assert.equal(qbr, `qbr${suffix}`);
        assert.match(
          brctl,
          new RegExp(`^${qbr}\\t+8000\\.[0-9a-f]{12}\\tno\\t+qvb${suffix}\\n\\t+${tap}$`, "m"),
          `${node}: brctl ${qbr}`,
        );
        const qvo = shown.find((p) => p.bridge === "br-int" && p.name === `qvo${suffix}`);
        assert.ok(qvo, `${node}: qvo${suffix} on br-int`);
        assert.deepEqual(extIds(`qvo${suffix}`), {
          "attached-mac": mac,
          "iface-id": os.ID,
          "iface-status": "active",
          "vm-uuid": uuid,
        });
        const id10 = os.ID.slice(0, 10);
        for (const chain of ["i", "o", "s"])
          assert.ok(
            iptables.includes(`:neutron-openvswi-${chain}${id10} - [0:0]`),
            `${node}: chain ${chain}${id10}`,
          );
        assert.ok(
          iptables.includes(
            `-A neutron-openvswi-sg-chain -m physdev --physdev-out ${tap} --physdev-is-bridged -j neutron-openvswi-i${id10}`,
          ),
        );
        const ip = os["Fixed IP Addresses"][0]!.ip_address;
        assert.ok(
          iptables.includes(
            `-A neutron-openvswi-s${id10} -s ${ip}/32 -m mac --mac-source ${mac!.toUpperCase()} -j RETURN`,
          ),
        );
      }
    }
  }
  // nova hypervisor-stats (the guide's) counts six running VMs on two hypervisors.
  assert.equal(domains, 6);
  // The guide's VM: int-net-324, tag 1 on the compute node.
  assert.equal(vsctlPorts("compute").find((p) => p.name === "qvoff8e411e-6e")?.tag, 1);
  // Network node: every DHCP/router port in OVSDB carries its Neutron port id.
  const d = json<{ headings: string[]; data: unknown[][] }>("network", "ovsdb-interface");
  const named = d.data.map((r) => Object.fromEntries(d.headings.map((h, i) => [h, r[i]])));
  for (const p of vsctlPorts("network").filter((x) => /^(tap|qr-|qg-)/.test(x.name))) {
    const row = named.find((r) => r.name === p.name)!;
    const ids = Object.fromEntries((row.external_ids as [string, [string, string][]])[1]);
    assert.equal(ids["iface-id"], portByDevice(p.name)!.ID, p.name);
  }
});

test("the router: qr-/qg- addresses, default route via the external gateway, SNAT and one floating IP", () => {
  const router = json<
    {
      ID: string;
      "External gateway info": { network_id: string; external_fixed_ips: { ip_address: string }[] };
    }[]
  >(null, "openstack-router-list")[0]!;
  assert.equal(router.ID, "e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5");
  const ext = networks.find((n) => n.ID === router["External gateway info"].network_id)!;
  assert.equal(ext.Name, "ext-net-flat-319");
  const extSubnet = subnets.find((s) => s.Network === ext.ID)!;
  const gwIp = router["External gateway info"].external_fixed_ips[0]!.ip_address;
  const ns = `qrouter-${router.ID}`;
  const addr = out("network", `ns-ip-addr@${ns}`);
  const qr324 = portByDevice("qr-e6256f7d-31")!;
  const qr328 = portByDevice("qr-9ae4acd4-92")!;
  assert.equal(netOfPort(qr324).Name, "int-net-324");
  assert.equal(netOfPort(qr328).Name, "int-net-328");
  assert.equal(netOfPort(portByDevice("tap1474f18d-a9")!)["Segmentation ID"], 327);
  assert.equal(netOfPort(portByDevice("tapd9762af3-4b")!).Name, "enea-net");
  assert.match(addr, new RegExp(`inet ${qr324["Fixed IP Addresses"][0]!.ip_address}/24 .* qr-e6256f7d-31`));
  assert.match(addr, new RegExp(`inet ${gwIp}/24 .* qg-35916e1f-36`));
  assert.ok(
    lines(out("network", `ns-ip-route@${ns}`)).includes(
      `default via ${extSubnet.Gateway} dev qg-35916e1f-36`,
    ),
  );
  const nat = lines(out("network", `ns-iptables-save@${ns}`));
  const fip = ports.find((p) => p["Device Owner"] === "network:floatingip")!["Fixed IP Addresses"][0]!
    .ip_address;
  const fixed = portByDevice("tapff8e411e-6e")!["Fixed IP Addresses"][0]!.ip_address;
  assert.ok(nat.includes(`-A neutron-l3-agent-PREROUTING -d ${fip}/32 -j DNAT --to-destination ${fixed}`));
  assert.ok(nat.includes(`-A neutron-l3-agent-float-snat -s ${fixed}/32 -j SNAT --to-source ${fip}`));
  assert.ok(nat.includes(`-A neutron-l3-agent-snat -s 10.0.24.0/24 -j SNAT --to-source ${gwIp}`));
  assert.match(addr, new RegExp(`inet ${fip}/32 .* qg-35916e1f-36`));
  // One qdhcp namespace per VLAN tenant network (DHCP is off on the two external networks).
  const netns = lines(out("network", "ip-netns"));
  assert.deepEqual(
    netns.filter((n) => n.startsWith("qdhcp-")).sort(),
    networks
      .filter((n) => !n.Name.startsWith("ext-"))
      .map((n) => `qdhcp-${n.ID}`)
      .sort(),
  );
  assert.equal(netns.filter((n) => n.startsWith("qdhcp-"))[0], "qdhcp-f7bff056-1d27-4c12-a917-6ffe2925a44b");
});

test("the guide's own anomaly stays: ml2_vlan_allocations says 0 for VLANs the networks use", () => {
  const rows = lines(out(null, "mysql-ml2-vlan-allocations"))
    .map((l) => /^\|\s*(\S+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null);
  assert.deepEqual(
    rows.map((m) => Number(m[2])),
    [319, 320, 321, 322, 323, 324, 325, 326, 327, 328],
  );
  assert.ok(rows.every((m) => m[1] === "trunknet" && m[3] === "0"));
  const used = networks.filter((n) => n["Physical Network"] === "trunknet").map((n) => n["Segmentation ID"]);
  assert.deepEqual(used.sort(), [319, 320, 324, 325, 327, 328]);
});
