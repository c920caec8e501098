import assert from "node:assert/strict";
import { test } from "node:test";
import { runChecks } from "../../src/checks/engine.js";
import { interfaceRules } from "../../src/checks/interfaces.js";
import { type Finding, severityRank } from "../../src/checks/types.js";
import type { CloudModel } from "../../src/model/types.js";
import { realFixture } from "../helpers/fixtures.js";
import { exampleCopy, fixtureSnapshot, type ScratchSnapshot, withSnapshot } from "../helpers/snapshot.js";

const C = "nodes/compute/commands";
const N = "nodes/network/commands";
const NETWORKS = "cloud/commands/neutron-api-networks.txt";
const H = "hotsos-ussuri-dvr/";
const S = "9506hqwy-study-notes-2024/";
const HOTSOS_INI = "nodes/compute4/files/etc/neutron/plugins/ml2/openvswitch_agent.ini";

function interfaceFindings(model: CloudModel): Finding[] {
  return runChecks(model, { rules: interfaceRules }).findings;
}

const aboveInfo = (fs: Finding[]) => fs.filter((f) => severityRank(f.severity) > severityRank("info"));

/** Adds `"mtu": <mtu>` to a network of the reference cloud's API view (Mitaka and later return it). */
function setMtu(s: ScratchSnapshot, name: string, mtu: number): void {
  s.edit(NETWORKS, (t) => {
    const body = JSON.parse(t) as { networks: Record<string, unknown>[] };
    for (const n of body.networks) if (n["name"] === name) n["mtu"] = mtu;
    return JSON.stringify(body, null, 2);
  });
}

test("reference cloud: every NIC up, in its bridge, MTUs unknown in Juno's API: nothing", () => {
  withSnapshot(exampleCopy(), (s) => {
    assert.deepEqual(interfaceFindings(s.model()), []);
  });
});

test("F15: compute's em3 loses carrier (NO-CARRIER, state DOWN); the missing LLDP is listed under it", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${C}/ip-addr.txt`, (t) =>
      t.replace(
        "2: em3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master ovs-system state UP",
        "2: em3: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc mq master ovs-system state DOWN",
      ),
    );
    // No link, no LLDP frame.
    s.remove(`${C}/lldp@em3.txt`);
    s.remove(`${C}/lldp@em3.meta.json`);
    const model = s.model();
    const down = {
      rule: "interfaces.nic-down",
      severity: "critical",
      node: "compute",
      object: "NIC em3",
      title: "em3 (provider NIC of physnet trunknet) has no carrier on compute",
      explanation:
        "`ip` shows em3 UP but without LOWER_UP (state DOWN, NO-CARRIER): there is no link to the switch. Every " +
        "network of physnet trunknet on compute is cut off from the other nodes: its VMs reach only each other on " +
        "this host (no DHCP, no router, no VM elsewhere).",
      evidence: [
        { path: `${C}/ip-addr.txt`, line: 7 },
        { path: `${C}/ovs-vsctl-show.txt`, line: 34 },
      ],
      fix: [
        "ethtool em3",
        "ip link show em3",
        "# check the cable and that the switch port of em3 is not shut down",
      ],
      group: "nic:compute:em3",
      root: true,
    };
    assert.deepEqual(interfaceFindings(model), [down]);
    const report = runChecks(model, { only: ["switch.*", "interfaces.*"] });
    assert.deepEqual(report.groups[0]!.head, down);
    assert.deepEqual(
      report.groups[0]!.consequences.map((f) => [f.rule, f.severity, f.object]),
      [["switch.lldp-missing", "info", "NIC em3"]],
    );
  });
});

test("F15: the network node's em4 not brought up after a reboot (no UP flag)", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${N}/ip-addr.txt`, (t) =>
      t.replace(
        "5: em4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master ovs-system state UP",
        "5: em4: <BROADCAST,MULTICAST> mtu 1500 qdisc mq master ovs-system state DOWN",
      ),
    );
    assert.deepEqual(interfaceFindings(s.model()), [
      {
        rule: "interfaces.nic-down",
        severity: "critical",
        node: "network",
        object: "NIC em4",
        title: "em4 (external NIC of physnet external) is administratively down on network",
        explanation:
          "`ip` shows em4 without the UP flag (state DOWN): nobody brought it up. Routers on network lose the " +
          "external network: floating IPs and SNAT stop.",
        evidence: [
          { path: `${N}/ip-addr.txt`, line: 19 },
          { path: `${N}/ovs-vsctl-show.txt`, line: 57 },
        ],
        fix: [
          "ip link set em4 up",
          "ip link show em4",
          "ovs-ofctl show br-ex",
          '# persist: give em4 ONBOOT=yes / "auto em4" in the host network config so it comes up after a reboot',
        ],
        group: "nic:network:em4",
        root: true,
      },
    ]);
  });
});

test("a declared NIC renamed by the kernel (em3 → eno3) is reported absent, not guessed down", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${C}/ip-addr.txt`, (t) => t.replace("2: em3:", "2: eno3:"));
    assert.deepEqual(interfaceFindings(s.model()), [
      {
        rule: "interfaces.nic-absent",
        severity: "warning",
        node: "compute",
        object: "NIC em3",
        title: "em3 (provider NIC of physnet trunknet) is not in `ip addr` on compute",
        explanation:
          "node.json declares em3 but the node's `ip` output has no such device: it was renamed or removed, or " +
          "node.json is stale. Whether physnet trunknet still has a NIC is unknown until the real device is identified.",
        evidence: [{ path: `${C}/ip-addr.txt` }],
        fix: ["ip -br link", "ovs-vsctl list-ports br-em3", "ip link show em3"],
      },
    ]);
  });
});

test("F09: em3 and em4 swapped between br-em3 and br-ex on the network node: both NICs reported, roots first", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${N}/ovs-vsctl-show.txt`, (t) =>
      t
        .replace(/"em3"/g, "@@")
        .replace(/"em4"|\bem4\b/g, '"em3"')
        .replace(/@@/g, '"em4"'),
    );
    const model = s.model();
    const mapping = {
      path: "nodes/network/files/etc/neutron/plugins/ml2/openvswitch_agent.ini",
      line: 6,
      text: "bridge_mappings = trunknet:br-em3,external:br-ex",
    };
    const found = interfaceFindings(model);
    assert.deepEqual(found, [
      {
        rule: "interfaces.nic-not-in-bridge",
        severity: "error",
        node: "network",
        object: "NIC em3",
        title: "em3 (physnet trunknet) is a port of br-ex, not of br-em3 on network",
        explanation:
          "bridge_mappings sends physnet trunknet through br-em3, and node.json says em3 is its NIC, but em3 is plugged " +
          "into br-ex and br-em3 holds em4 instead: either the NICs were swapped (cabling, renamed devices) or node.json " +
          "names the wrong one. Traffic of physnet trunknet leaves network through em4, and br-ex's traffic through em3.",
        evidence: [
          { path: `${N}/ovs-vsctl-show.txt`, line: 2 },
          { path: `${N}/ovs-vsctl-show.txt`, line: 3 },
          { path: `${N}/ovs-vsctl-show.txt`, line: 57 },
          { path: `${N}/ip-addr.txt`, line: 15 },
          mapping,
        ],
        fix: [
          "ovs-vsctl list-ports br-em3",
          "tcpdump -vvv -s 1500 -c 1 ether proto 0x88cc -i em3",
          "ovs-vsctl del-port br-ex em3",
          "ovs-vsctl add-port br-em3 em3",
          "ip link set em3 up",
        ],
        group: "nic:network:em3",
        root: true,
      },
      {
        rule: "interfaces.nic-not-in-bridge",
        severity: "error",
        node: "network",
        object: "NIC em4",
        title: "em4 (physnet external) is a port of br-em3, not of br-ex on network",
        explanation:
          "bridge_mappings sends physnet external through br-ex, and node.json says em4 is its NIC, but em4 is plugged " +
          "into br-em3 and br-ex holds em3 instead: either the NICs were swapped (cabling, renamed devices) or node.json " +
          "names the wrong one. Traffic of physnet external leaves network through em3, and br-em3's traffic through em4.",
        evidence: [
          { path: `${N}/ovs-vsctl-show.txt`, line: 53 },
          { path: `${N}/ovs-vsctl-show.txt`, line: 57 },
          { path: `${N}/ovs-vsctl-show.txt`, line: 3 },
          { path: `${N}/ip-addr.txt`, line: 19 },
          mapping,
        ],
        fix: [
          "ovs-vsctl list-ports br-ex",
          "tcpdump -vvv -s 1500 -c 1 ether proto 0x88cc -i em4",
          "ovs-vsctl del-port br-em3 em4",
          "ovs-vsctl add-port br-ex em4",
          "ip link set em4 up",
        ],
        group: "nic:network:em4",
        root: true,
      },
    ]);
    const heads = runChecks(model, { only: ["switch.*", "interfaces.*"] }).groups.slice(0, 2);
    assert.deepEqual(
      heads.map((g) => [g.head.rule, g.head.object, g.consequences.map((c) => c.rule)]),
      [
        ["interfaces.nic-not-in-bridge", "NIC em4", ["switch.lldp-missing"]],
        ["interfaces.nic-not-in-bridge", "NIC em3", []],
      ],
    );
  });
});

test("F09 (Juno): br-ex, the external_network_bridge and not mapped, lost em4: the router's qg- is cut off", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit("nodes/network/files/etc/neutron/plugins/ml2/openvswitch_agent.ini", (t) =>
      t.replace("trunknet:br-em3,external:br-ex", "trunknet:br-em3"),
    );
    s.edit(`${N}/ovs-vsctl-show.txt`, (t) => t.replace(/ *Port "?em4"?\n *Interface "?em4"?\n/, ""));
    assert.deepEqual(interfaceFindings(s.model()), [
      {
        rule: "interfaces.nic-not-in-bridge",
        severity: "error",
        node: "network",
        object: "bridge br-ex",
        title: "br-ex (external_network_bridge) has no physical NIC on network",
        explanation:
          "The L3 agent plugs router gateways straight into br-ex, which holds no NIC: qg-35916e1f-36 reaches nothing " +
          "beyond network, so floating IPs and SNAT of its router are dead.",
        evidence: [
          { path: `${N}/ovs-vsctl-show.txt`, line: 53 },
          {
            path: "nodes/network/files/etc/neutron/l3_agent.ini",
            line: 5,
            text: "external_network_bridge = br-ex",
          },
        ],
        fix: ["ovs-vsctl list-ports br-ex", "ovs-vsctl add-port br-ex em4", "ip link set em4 up"],
        group: "bridge:network:br-ex",
        root: true,
      },
    ]);
  });
});

test("F25: int-net-324 set to jumbo frames (mtu 9000) while every em3 stays at 1500", () => {
  withSnapshot(exampleCopy(), (s) => {
    setMtu(s, "int-net-324", 9000);
    const found = interfaceFindings(s.model());
    assert.deepEqual(
      found.map((f) => [f.node, f.object, f.evidence[0]]),
      [
        ["compute", "NIC em3", { path: `${C}/ip-addr.txt`, line: 7 }],
        ["controller", "NIC em3", { path: "nodes/controller/commands/ip-addr.txt", line: 15 }],
        ["network", "NIC em3", { path: `${N}/ip-addr.txt`, line: 15 }],
      ],
    );
    assert.deepEqual(found[0], {
      rule: "interfaces.mtu-too-small",
      severity: "error",
      node: "compute",
      object: "NIC em3",
      title: "em3 (mtu 1500) is too small for physnet trunknet's networks (up to 9000) on compute",
      explanation:
        "int-net-324 (9000) has a larger MTU than em3, but em3 in br-em3 carries 1500: VMs send frames up to 9000 bytes " +
        "that em3 cannot transmit, so large packets between nodes are lost while small ones (ping, DHCP) pass.",
      evidence: [{ path: `${C}/ip-addr.txt`, line: 7 }, { path: NETWORKS }],
      fix: [
        "ip link show em3",
        "ip link set em3 mtu 9000   # and the switch port, persistently",
        "openstack network set --mtu 1500 int-net-324   # or lower the network MTU instead",
        "ping -M do -s 8972 <address of a VM on another node>   # from a VM: must pass",
      ],
    });
    // The rest of the cloud at 1500 is fine.
    setMtu(s, "int-net-324", 1500);
    setMtu(s, "enea-net", 1500);
    assert.deepEqual(interfaceFindings(s.model()), []);
  });
});

test("F25 from the config: global_physnet_mtu = 9000 with networks whose MTU the API does not give is a warning", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit("nodes/controller/files/etc/neutron/neutron.conf", (t) =>
      t.replace("core_plugin = ml2", "core_plugin = ml2\nglobal_physnet_mtu = 9000"),
    );
    const found = interfaceFindings(s.model());
    assert.deepEqual(
      found.map((f) => [f.severity, f.node, f.object]),
      [
        ["warning", "compute", "NIC em3"],
        ["warning", "controller", "NIC em3"],
        ["warning", "network", "NIC em3"],
        ["warning", "network", "NIC em4"],
      ],
    );
    assert.equal(
      found[3]!.explanation,
      "global_physnet_mtu = 9000 gives the networks of physnet external (ext-net-flat-319) an MTU of up to 9000, but em4 " +
        "in br-ex carries 1500: VMs send frames up to 9000 bytes that em4 cannot transmit, so large packets between " +
        "nodes are lost while small ones (ping, DHCP) pass.",
    );
    assert.deepEqual(found[3]!.evidence, [
      { path: `${N}/ip-addr.txt`, line: 19 },
      { path: "nodes/controller/files/etc/neutron/neutron.conf", line: 6, text: "global_physnet_mtu = 9000" },
    ]);
    assert.deepEqual(found[3]!.fix.slice(1, 3), [
      "ip link set em4 mtu 9000   # and the switch port, persistently",
      "crudini --set /etc/neutron/neutron.conf DEFAULT global_physnet_mtu 1500   # or lower Neutron's MTU instead",
    ]);
  });
});

test("F05: VXLAN enabled on compute (local_ip on em1, mtu 1500) and a VXLAN network left at mtu 1500", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit("nodes/compute/files/etc/neutron/plugins/ml2/openvswitch_agent.ini", (t) =>
      t
        .replace("enable_tunneling = False", "enable_tunneling = True\nlocal_ip = 10.10.10.31")
        .replace("polling_interval = 2", "polling_interval = 2\ntunnel_types = vxlan"),
    );
    s.edit(NETWORKS, (t) => {
      const body = JSON.parse(t) as { networks: unknown[] };
      body.networks.push({
        id: "5b0c1e2a-7d3f-4c8e-9a61-2f4d8b7e6c10",
        name: "vx-net",
        status: "ACTIVE",
        admin_state_up: true,
        shared: false,
        subnets: [],
        "router:external": false,
        "provider:network_type": "vxlan",
        "provider:physical_network": null,
        "provider:segmentation_id": 1001,
        mtu: 1500,
      });
      return JSON.stringify(body, null, 2);
    });
    const ini = "nodes/compute/files/etc/neutron/plugins/ml2/openvswitch_agent.ini";
    assert.deepEqual(interfaceFindings(s.model()), [
      {
        rule: "interfaces.mtu-too-small",
        severity: "error",
        node: "compute",
        object: "NIC em1",
        title: "em1 (tunnel underlay, mtu 1500) is too small for vx-net on compute",
        explanation:
          "vx-net (1500) is tunnelled from local_ip 10.10.10.31 on em1, which adds 20 bytes of outer IP header plus the " +
          "vxlan encapsulation: full-size frames need up to 1550 bytes but em1 carries 1500, so large packets between " +
          "nodes are dropped (PMTU black hole: SSH hangs, downloads stall) while small ones pass.",
        evidence: [
          { path: `${C}/ip-addr.txt`, line: 15 },
          { path: ini, line: 6, text: "local_ip = 10.10.10.31" },
          { path: ini, line: 11, text: "tunnel_types = vxlan" },
          { path: NETWORKS },
        ],
        fix: [
          "ip link show em1",
          "openstack network set --mtu 1450 vx-net   # then renew DHCP in its VMs",
          "ip link set em1 mtu 1550   # or raise the underlay instead (NIC and switch ports)",
          "ping -M do -s 1472 <address of a VM on another node>   # from a VM: must pass",
        ],
      },
    ]);
    // At Neutron's own 1450 the network fits the 1500 underlay.
    setMtu(s, "vx-net", 1450);
    assert.deepEqual(interfaceFindings(s.model()), []);
  });
});

/** The real hotsos compute node (VXLAN from br-ens3, flat physnet1 on br-data with ens7). */
function hotsos(cloud: Record<string, string | { text: string }> = {}): ScratchSnapshot {
  return fixtureSnapshot(
    [
      {
        name: "compute4",
        roles: ["compute"],
        evidence: { "ip-addr": `${H}ip-d-address.txt`, "ovs-vsctl-show": `${H}ovs-vsctl-show.txt` },
        files: { "/etc/neutron/plugins/ml2/openvswitch_agent.ini": `${H}openvswitch_agent.ini` },
      },
    ],
    cloud,
  );
}

test("real hotsos sosreport (Ussuri, DVR, VXLAN): healthy, nothing from the NIC checks and only info from the switch", () => {
  withSnapshot(hotsos(), (s) => {
    const model = s.model();
    assert.deepEqual(interfaceFindings(model), []);
    assert.deepEqual(
      runChecks(model, { only: ["switch.*"] }).findings.map((f) => [f.rule, f.severity, f.object]),
      [["switch.lldp-missing", "info", "NIC ens7"]],
    );
  });
});

test("real VXLAN network at Neutron's 1450 over hotsos's 1500 underlay fits; the same network at 1500 is F05", () => {
  const vxlan = `${S}openstack-network-create-selfservice-vxlan.txt`;
  withSnapshot(hotsos({ "openstack-network-list": vxlan }), (s) => {
    assert.deepEqual(interfaceFindings(s.model()), []);
  });
  const at1500 = {
    text: realFixture(vxlan).replace(
      "| mtu                       | 1450 ",
      "| mtu                       | 1500 ",
    ),
  };
  withSnapshot(hotsos({ "openstack-network-list": at1500 }), (s) => {
    const found = interfaceFindings(s.model());
    assert.deepEqual(
      found.map((f) => [f.severity, f.object, f.title, f.evidence]),
      [
        [
          "error",
          "NIC br-ens3",
          "br-ens3 (tunnel underlay, mtu 1500) is too small for selfservice on compute4",
          [
            { path: "nodes/compute4/commands/ip-addr.txt", line: 35 },
            { path: HOTSOS_INI, line: 9, text: "local_ip = 10.0.0.128" },
            { path: HOTSOS_INI, line: 14, text: "tunnel_types = vxlan,gre" },
            { path: "cloud/commands/openstack-network-list.txt" },
          ],
        ],
      ],
    );
  });
});

test("real 9506 lab compute node (VLAN 100 at 1500 on eth2 in br-provider): healthy; jumbo provider-100 is F25", () => {
  const vlan100 = `${S}openstack-network-create-vlan-provider-100.txt`;
  const lab = (network: string | { text: string }) =>
    fixtureSnapshot(
      [
        {
          name: "compute",
          roles: ["compute"],
          evidence: {
            "ip-addr": `${S}compute-ip-d-link-show.txt`,
            "ovs-vsctl-show": `${S}compute-ovs-vsctl-show-vxlan.txt`,
          },
          // The lab's agent config as SOURCES.md describes it (the notes show no ini file).
          files: {
            "/etc/neutron/plugins/ml2/openvswitch_agent.ini": {
              text: "[ovs]\nbridge_mappings = provider:br-provider,mgmt:br-mgmt\n",
            },
          },
        },
      ],
      { "openstack-network-list": network },
    );
  withSnapshot(lab(vlan100), (s) => {
    assert.deepEqual(aboveInfo(runChecks(s.model(), { only: ["switch.*", "interfaces.*"] }).findings), []);
  });
  const jumbo = {
    text: realFixture(vlan100).replace(
      "| mtu                       | 1500 ",
      "| mtu                       | 9000 ",
    ),
  };
  withSnapshot(lab(jumbo), (s) => {
    assert.deepEqual(
      interfaceFindings(s.model()).map((f) => [f.severity, f.object, f.title, f.fix[2]]),
      [
        [
          "error",
          "NIC eth2",
          "eth2 (mtu 1500) is too small for physnet provider's networks (up to 9000) on compute",
          "openstack network set --mtu 1500 provider-100   # or lower the network MTU instead",
        ],
      ],
    );
  });
});
