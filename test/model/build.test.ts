import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildModel } from "../../src/model/build.js";
import { vlanTable } from "../../src/report/vlan-table.js";
import { readSnapshot } from "../../src/snapshot/reader.js";
import { SnapshotWriter } from "../../src/snapshot/writer.js";
import { realFixture } from "../helpers/fixtures.js";

const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "reference-cloud");

test("reference cloud: the guide's VLAN translation table, both directions and port tags agreeing", () => {
  const model = buildModel(readSnapshot(EXAMPLE));
  const table = Object.fromEntries(
    vlanTable(model)
      .filter((r) => r.segmentationId !== undefined && Object.keys(r.perNode).length > 0)
      .map((r) => [
        r.segmentationId,
        Object.fromEntries(Object.entries(r.perNode).map(([n, c]) => [n, [c.ingress, c.egress, c.portTags]])),
      ]),
  );
  // Network node values are the guide's own br-int dump: 325→4, 327→3, 328→1, 320→5, 324→2.
  assert.deepEqual(table[324], {
    compute: [[1], [1], [1]],
    controller: [[3], [3], [3]],
    network: [[2], [2], [2]],
  });
  assert.deepEqual(table[320], { compute: [[2], [2], [2]], network: [[5], [5], [5]] });
  assert.deepEqual(table[325]?.network, [[4], [4], [4]]);
  assert.deepEqual(table[327]?.network, [[3], [3], [3]]);
  assert.deepEqual(table[328]?.network, [[1], [1], [1]]);
  // The guide's flow line is cited as the evidence of compute's 324 → 1 translation.
  const compute = model.nodes.find((n) => n.name === "compute")!;
  const t = compute.vlanTranslations.find((x) => x.direction === "ingress" && x.segmentationId === 324)!;
  assert.equal(t.inPort, "int-br-em3");
  assert.equal(t.physnet, "trunknet");
  assert.equal(t.evidence.path, "nodes/compute/commands/ovs-ofctl-dump-flows@br-int.txt");
  assert.match(t.evidence.text!, /priority=3,in_port=1,dl_vlan=324 actions=mod_vlan_vid:1,NORMAL/);
});

test("reference cloud: the guide's VM wired tap → qbr → qvb → qvo on br-int with its network's local VLAN", () => {
  const model = buildModel(readSnapshot(EXAMPLE));
  const compute = model.nodes.find((n) => n.name === "compute")!;
  const vm = compute.vms.find((v) => v.interfaces.some((i) => i.mac === "fa:16:3e:a4:56:3d"))!;
  const iface = vm.interfaces[0]!;
  assert.deepEqual(
    iface.chain.map((c) => [c.device, c.present]),
    [
      ["tapff8e411e-6e", true],
      ["qbrff8e411e-6e", true],
      ["qvbff8e411e-6e", true],
      ["qvoff8e411e-6e", true],
    ],
  );
  const port = model.ports.find((p) => p.id === iface.neutronPortId)!;
  assert.equal(model.networks.find((n) => n.id === port.networkId)?.name, "int-net-324");
  const qvo = compute.bridges
    .find((b) => b.name === "br-int")!
    .ports.find((p) => p.name === "qvoff8e411e-6e")!;
  assert.equal(qvo.tag, 1);
  assert.equal(qvo.ofport, 6);
  // LLDP: em1 faces an access port (PVID 320), em3 a port whose mode LLDP cannot tell (PVID 1, no VLAN list).
  const em1 = compute.nics.find((n) => n.name === "em1")!.lldp!;
  assert.deepEqual(
    [em1.systemName, em1.portDescr, em1.pvid, em1.mode],
    ["stackdr2.GARR", "GigabitEthernet2/0/31", 320, "access"],
  );
  assert.equal(compute.nics.find((n) => n.name === "em3")!.lldp!.mode, "unknown");
  assert.equal(compute.nics.find((n) => n.name === "em3")!.bridge, "br-em3");
});

test("reference cloud: the network node's router namespace, its NAT rules and default route", () => {
  const model = buildModel(readSnapshot(EXAMPLE));
  const network = model.nodes.find((n) => n.name === "network")!;
  const qr = network.namespaces.find((n) => n.name === "qrouter-e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5")!;
  assert.equal(qr.kind, "qrouter");
  assert.deepEqual(qr.links.map((l) => l.name).sort(), [
    "lo",
    "qg-35916e1f-36",
    "qr-9ae4acd4-92",
    "qr-e6256f7d-31",
  ]);
  assert.ok(qr.routes.some((r) => r.dst === "default" && r.dev === "qg-35916e1f-36"));
  assert.ok(qr.natRules.some((r) => /-j SNAT/.test(r.text)));
  assert.ok(qr.natRules.some((r) => /-j DNAT/.test(r.text)));
  assert.equal(network.namespaces.filter((n) => n.kind === "qdhcp").length, 5);
  assert.deepEqual(network.config.bridgeMappings, [
    { physnet: "trunknet", bridge: "br-em3" },
    { physnet: "external", bridge: "br-ex" },
  ]);
});

test("bad input: a truncated dump and a garbled line give issues naming file and line; the rest of the model stands", () => {
  const root = mkdtempSync(join(tmpdir(), "nd-model-"));
  try {
    cpSync(EXAMPLE, root, { recursive: true });
    const flows = join(root, "nodes/network/commands/ovs-ofctl-dump-flows@br-int.txt");
    const lines = readFileSync(flows, "utf8").split("\n");
    lines[3] = "cookie=0x0, duration=67 this line is garbage ((( actions=";
    writeFileSync(flows, lines.slice(0, 7).join("\n").slice(0, -20));
    rmSync(join(root, "nodes/compute/commands/ovs-vsctl-show.txt"));
    const model = buildModel(readSnapshot(root));
    const flowIssues = model.issues.filter(
      (i) => i.evidence?.path === "nodes/network/commands/ovs-ofctl-dump-flows@br-int.txt",
    );
    assert.ok(
      flowIssues.some((i) => i.evidence?.line === 4),
      JSON.stringify(flowIssues),
    );
    // The network node still has translations from the lines that did parse.
    const network = model.nodes.find((n) => n.name === "network")!;
    assert.ok(network.vlanTranslations.some((t) => t.direction === "ingress" && t.segmentationId === 325));
    // Without `ovs-vsctl show` the compute node's bridges come from OVSDB Interface rows only if the Bridge
    // table is there; here it is not, so the gap is reported, and the node's VMs are still modelled.
    const compute = model.nodes.find((n) => n.name === "compute")!;
    assert.ok(model.issues.some((i) => i.object === "node:compute" && /Open vSwitch view/.test(i.message)));
    assert.equal(compute.vms.length, 5);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("real sosreport data (hotsos, Ussuri DVR): bridges, ofports, iface-ids and the flat physnet translation", () => {
  const root = mkdtempSync(join(tmpdir(), "nd-model-"));
  try {
    const w = new SnapshotWriter(root, { kind: "test", detail: "hotsos fixtures" });
    w.node({
      name: "compute4",
      roles: ["compute"],
      nics: [{ name: "ens7", role: "provider", bridge: "br-data", physnet: "physnet1" }],
      warnings: [],
    });
    const put = (id: string, file: string, param?: string) =>
      w.evidence(
        "compute4",
        {
          id,
          ...(param ? { param } : {}),
          command: id,
          exitCode: 0,
          stderr: "",
          origin: `sosreport:${file}`,
        },
        realFixture(`hotsos-ussuri-dvr/${file}`),
      );
    put("ovs-vsctl-show", "ovs-vsctl-show.txt");
    put("ovsdb-interface", "ovs-vsctl-list-interface.txt");
    put("ovsdb-bridge", "ovs-vsctl-list-bridge.txt");
    put("ovs-ofctl-show", "ovs-ofctl-show-br-int.txt", "br-int");
    put("ovs-ofctl-show", "ovs-ofctl-show-br-data.txt", "br-data");
    put("ovs-ofctl-dump-flows", "ovs-ofctl-dump-flows-br-int.txt", "br-int");
    put("ovs-ofctl-dump-flows", "ovs-ofctl-dump-flows-br-data.txt", "br-data");
    put("ip-addr", "ip-d-address.txt");
    put("ip-netns", "ip-netns.txt");
    w.configFile(
      "compute4",
      "/etc/neutron/plugins/ml2/openvswitch_agent.ini",
      realFixture("hotsos-ussuri-dvr/openvswitch_agent.ini"),
    );
    w.finish();
    const model = buildModel(readSnapshot(root));
    assert.deepEqual(
      model.issues.filter((i) => i.severity === "error"),
      [],
    );
    const node = model.nodes[0]!;
    assert.deepEqual(node.bridges.map((b) => b.name).sort(), ["br-data", "br-ex", "br-int", "br-tun"]);
    const brInt = node.bridges.find((b) => b.name === "br-int")!;
    assert.equal(brInt.failMode, "secure");
    const tap = brInt.ports.find((p) => p.name === "tap0e778df8-ca")!;
    assert.match(tap.neutronPortId ?? "", /^0e778df8-ca/);
    assert.equal(typeof tap.ofport, "number");
    assert.equal(brInt.ofports.get(tap.ofport!), "tap0e778df8-ca");
    // The flat physnet: br-int pushes a local VLAN onto untagged frames from int-br-data, br-data strips it.
    const ingress = node.vlanTranslations.filter(
      (t) => t.direction === "ingress" && t.inPort === "int-br-data",
    );
    const egress = node.vlanTranslations.filter((t) => t.direction === "egress" && t.bridge === "br-data");
    assert.ok(
      ingress.length > 0 && egress.length > 0,
      JSON.stringify(node.vlanTranslations.map((t) => [t.direction, t.bridge, t.inPort])),
    );
    assert.equal(ingress[0]!.segmentationId, undefined);
    assert.equal(ingress[0]!.localVlan, egress[0]!.localVlan);
    assert.equal(ingress[0]!.physnet, "physnet1");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
