import assert from "node:assert/strict";
import { test } from "node:test";
import { runChecks } from "../../src/checks/engine.js";
import { securityGroupRules } from "../../src/checks/security-groups.js";
import { type Finding, severityRank } from "../../src/checks/types.js";
import type { CloudModel } from "../../src/model/types.js";
import { realFixture } from "../helpers/fixtures.js";
import { exampleCopy, fixtureSnapshot, type ScratchSnapshot, withSnapshot } from "../helpers/snapshot.js";

const C = "nodes/compute/commands";
const PORTS = "cloud/commands/neutron-api-ports.txt";
const RULES = "cloud/commands/neutron-api-security-group-rules.txt";
const NOVA_RULES = "cloud/commands/nova-secgroup-list-rules.txt";
/** The admin project's default group (test-324, test-328, admin-tools) and the three other projects' groups. */
const ADMIN_SG = "1e457703-d763-4569-8845-7da1aedd1582";
const OTHER_SGS = [
  "0cc536be-6c93-41e3-b8f4-3c788778409d",
  "f11ba2fb-cd86-443c-a8f3-3c94da1867ad",
  "4e4e1f06-d722-4e71-beac-bf8ae0676bd9",
];

/**
 * The guide's `nova secgroup-list-rules default` before and after its `nova secgroup-add-rule default icmp -1 -1`
 * (shared/seed guide, "iptables and security rules"), its non-breaking spaces read as spaces.
 */
const GUIDE_DEFAULT_RULES = `| IP Protocol | From Port | To Port | IP Range  | Source Group |
|             |           |         |           | default      |
|             |           |         |           | default      |
`;
const GUIDE_DEFAULT_RULES_AFTER_ICMP = `| IP Protocol | From Port | To Port | IP Range  | Source Group |
| icmp        | -1        | -1      | |              |
|             |           |         |           | default      |
|             |           |         |           | default      |
`;

function security(model: CloudModel, ports: number[] = []): Finding[] {
  return runChecks(model, { rules: securityGroupRules, ports }).findings;
}

function sgRule(id: string, group: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    security_group_id: group,
    direction: "ingress",
    ethertype: "IPv4",
    protocol: null,
    port_range_min: null,
    port_range_max: null,
    remote_ip_prefix: null,
    remote_group_id: null,
    ...extra,
  };
}

/** A default group as Neutron creates it: ingress from its own members, egress anywhere. */
const defaultGroup = (g: string) => [
  sgRule(`${g}-in`, g, { remote_group_id: g }),
  sgRule(`${g}-out`, g, { direction: "egress" }),
];
const pingAndSsh = (g: string) => [
  sgRule(`${g}-icmp`, g, { protocol: "icmp", remote_ip_prefix: "0.0.0.0/0" }),
  sgRule(`${g}-ssh`, g, {
    protocol: "tcp",
    port_range_min: 22,
    port_range_max: 22,
    remote_ip_prefix: "0.0.0.0/0",
  }),
];

/** Rewrites one port of the API's `ports` body, found by the start of its id. */
function editPort(
  s: ScratchSnapshot,
  stem: string,
  fn: (p: { status: string; security_groups: string[] }) => void,
): void {
  s.edit(PORTS, (text) => {
    const body = JSON.parse(text) as { ports: { id: string; status: string; security_groups: string[] }[] };
    fn(body.ports.find((p) => p.id.startsWith(stem))!);
    return `${JSON.stringify(body, null, 2)}\n`;
  });
}

function writeRules(s: ScratchSnapshot, rules: Record<string, unknown>[]): void {
  s.write(RULES, `${JSON.stringify({ security_group_rules: rules }, null, 2)}\n`);
}

function sysctl(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} = ${v}\n`)
    .join("");
}

test("reference cloud: its hybrid chains admit ping and SSH everywhere, no security finding at all", () => {
  withSnapshot(exampleCopy(), (s) => assert.deepEqual(security(s.model()), []));
});

test("the guide's default group admits only its own members: F01 for default, the guide's fix in the commands", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.write(NOVA_RULES, GUIDE_DEFAULT_RULES);
    assert.deepEqual(security(s.model()), [
      {
        rule: "security.ingress-not-allowed",
        severity: "warning",
        object: "security group default",
        title: "Security group default lets no ICMP (ping) or SSH (tcp 22) in from outside the group",
        explanation:
          "No ingress rule of default admits ICMP (ping) or SSH (tcp 22) except from members of default: from any " +
          "other address they are dropped at the VM's port (on a hybrid compute node, by neutron-openvswi-sg-fallback). Which VM ports " +
          "use it is not in the snapshot (the listing names no group id): `openstack port list --security-group default`.",
        evidence: [{ path: NOVA_RULES }],
        fix: [
          "openstack security group rule create --ingress --protocol icmp default",
          "nova secgroup-add-rule default icmp -1 -1 0.0.0.0/0",
          "openstack security group rule create --ingress --protocol tcp --dst-port 22 default",
          "nova secgroup-add-rule default tcp 22 22 0.0.0.0/0",
          "openstack security group rule list default --long",
        ],
      },
    ]);
    // After the guide's `nova secgroup-add-rule default icmp -1 -1`: ping gets in, SSH still does not.
    s.write(NOVA_RULES, GUIDE_DEFAULT_RULES_AFTER_ICMP);
    const after = security(s.model());
    assert.deepEqual(
      after.map((f) => [f.title, f.fix]),
      [
        [
          "Security group default lets no SSH (tcp 22) in from outside the group",
          [
            "openstack security group rule create --ingress --protocol tcp --dst-port 22 default",
            "nova secgroup-add-rule default tcp 22 22 0.0.0.0/0",
            "openstack security group rule list default --long",
          ],
        ],
      ],
    );
  });
});

test("security-group rules from the API: one finding for the group, listing the VMs it leaves unreachable", () => {
  withSnapshot(exampleCopy(), (s) => {
    writeRules(s, [
      ...defaultGroup(ADMIN_SG),
      ...OTHER_SGS.flatMap((g) => [...defaultGroup(g), ...pingAndSsh(g)]),
    ]);
    assert.deepEqual(security(s.model()), [
      {
        rule: "security.ingress-not-allowed",
        severity: "warning",
        object: `security group ${ADMIN_SG}`,
        title: `Security group ${ADMIN_SG} lets no ICMP (ping) or SSH (tcp 22) in from outside the group`,
        explanation:
          `No ingress rule of ${ADMIN_SG} admits ICMP (ping) or SSH (tcp 22) except from members of ${ADMIN_SG}: from ` +
          "any other address they are dropped at the VM's port (on a hybrid compute node, by neutron-openvswi-sg-fallback). Affected: " +
          "instance-00000009 (port 1d40b89c-fe, 10.0.28.3), instance-0000000a (port ff8e411e-6e, 10.0.24.3), " +
          "instance-0000000b (port 625be014-05, 10.0.24.4) and instance-0000000b (port 6390dbea-72, 10.0.28.4).",
        evidence: [{ path: RULES }, { path: PORTS }],
        fix: [
          `openstack security group rule create --ingress --protocol icmp ${ADMIN_SG}`,
          `openstack security group rule create --ingress --protocol tcp --dst-port 22 ${ADMIN_SG}`,
          `openstack security group rule list ${ADMIN_SG} --long`,
        ],
      },
    ]);
    // A second group on the guide's VM that admits both takes it off the list.
    editPort(s, "ff8e411e", (p) => p.security_groups.push("sg-web"));
    writeRules(s, [...defaultGroup(ADMIN_SG), ...pingAndSsh("sg-web"), ...OTHER_SGS.flatMap(pingAndSsh)]);
    assert.doesNotMatch(security(s.model())[0]!.explanation, /ff8e411e/);
    // Every group admitting ping and SSH: nothing.
    writeRules(
      s,
      [ADMIN_SG, ...OTHER_SGS].flatMap((g) => [...defaultGroup(g), ...pingAndSsh(g)]),
    );
    assert.deepEqual(security(s.model()), []);
  });
});

test("--port 8080: no chain on the hybrid nodes admits it, one finding per node naming the groups to fix", () => {
  withSnapshot(exampleCopy(), (s) => {
    const found = security(s.model(), [8080]);
    assert.deepEqual(
      found.map((f) => [f.rule, f.node, f.title]),
      [
        [
          "security.ingress-not-allowed",
          "compute",
          "5 VM ports admit no tcp 8080 from outside their security groups",
        ],
        [
          "security.ingress-not-allowed",
          "controller",
          "2 VM ports admit no tcp 8080 from outside their security groups",
        ],
      ],
    );
    const controller = found[1]!;
    assert.equal(
      controller.object,
      "2 VM ports: instance-0000000b (port 625be014-05, 10.0.24.4), instance-0000000b (port 6390dbea-72, 10.0.28.4)",
    );
    assert.equal(
      controller.explanation,
      "Their ingress chains reach neutron-openvswi-sg-fallback before any rule for tcp 8080 other than for members " +
        "of ipset IPv41e457703-d763-4569-8 (remote-group rules): that traffic from any other address is dropped on " +
        "the VM's qbr bridge. The snapshot has no security-group rules for these ports: the chain is what the agent enforces.",
    );
    const ipt = "nodes/controller/commands/iptables-save.txt";
    assert.deepEqual(controller.evidence, [
      { path: ipt, line: 79, text: "-A neutron-openvswi-i625be014-0 -j neutron-openvswi-sg-fallback" },
      {
        path: ipt,
        line: 78,
        text: "-A neutron-openvswi-i625be014-0 -m set --match-set IPv41e457703-d763-4569-8 src -j RETURN",
      },
      { path: ipt, line: 86, text: "-A neutron-openvswi-i6390dbea-7 -j neutron-openvswi-sg-fallback" },
      {
        path: ipt,
        line: 85,
        text: "-A neutron-openvswi-i6390dbea-7 -m set --match-set IPv41e457703-d763-4569-8 src -j RETURN",
      },
    ]);
    assert.deepEqual(controller.fix, [
      `openstack security group rule create --ingress --protocol tcp --dst-port 8080 ${ADMIN_SG}`,
      "iptables -S neutron-openvswi-i625be014-0",
      "iptables -S neutron-openvswi-i6390dbea-7",
    ]);
  });
});

test("an active hybrid-plugged port without its chains: security groups not applied (error)", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(`${C}/iptables-save.txt`, (t) =>
      t
        .split("\n")
        .filter((l) => !l.includes("ff8e411e-6"))
        .join("\n"),
    );
    assert.deepEqual(security(s.model()), [
      {
        rule: "security.hybrid-chains-missing",
        severity: "error",
        node: "compute",
        object: "port instance-0000000a (port ff8e411e-6e, 10.0.24.3)",
        title: "No hybrid firewall chain on compute for an active port: security groups not applied",
        explanation:
          "The OVS agent creates neutron-openvswi-iff8e411e-6 when it wires a hybrid-plugged port; the other ports " +
          "have theirs: the VM's traffic passes unfiltered (FORWARD policy ACCEPT), whatever its security groups say.",
        evidence: [
          { path: `${C}/iptables-save.txt`, line: 43, text: ":neutron-openvswi-sg-chain - [0:0]" },
          { path: `${C}/iptables-save.txt`, line: 24, text: ":FORWARD ACCEPT [0:0]" },
          { path: PORTS },
        ],
        fix: [
          "openstack network agent list --host compute --agent-type open-vswitch",
          "systemctl restart neutron-openvswitch-agent",
          "iptables -S neutron-openvswi-iff8e411e-6",
        ],
      },
    ]);
    // No per-port chain left on the controller: the agent applies nothing there.
    s.edit("nodes/controller/commands/iptables-save.txt", (t) =>
      t
        .split("\n")
        .filter((l) => !/neutron-openvswi-[ios][0-9a-f]{8}-/.test(l))
        .join("\n"),
    );
    assert.deepEqual(
      security(s.model()).map((f) => [f.node, f.object, f.explanation.split(": ")[0]]),
      [
        [
          "compute",
          "port instance-0000000a (port ff8e411e-6e, 10.0.24.3)",
          "The OVS agent creates neutron-openvswi-iff8e411e-6 when it wires a hybrid-plugged port; the other ports have theirs",
        ],
        [
          "controller",
          "2 ports: instance-0000000b (port 625be014-05, 10.0.24.4), instance-0000000b (port 6390dbea-72, 10.0.28.4)",
          "The OVS agent creates neutron-openvswi-i625be014-0 and neutron-openvswi-i6390dbea-7 when it wires a " +
            "hybrid-plugged port; this host has no per-port chain at all, so the agent applies no security group here",
        ],
      ],
    );
    // The same port DOWN is not filtered by design.
    editPort(s, "ff8e411e", (p) => {
      p.status = "DOWN";
    });
    assert.deepEqual(
      security(s.model()).map((f) => f.node),
      ["controller"],
    );
  });
});

test("br_netfilter off or not loaded on a hybrid compute node: security groups not enforced (F40)", () => {
  withSnapshot(exampleCopy(), (s) => {
    const healthy = {
      "net.bridge.bridge-nf-call-iptables": 1,
      "net.bridge.bridge-nf-call-ip6tables": 1,
      "net.ipv4.ip_forward": 1,
    };
    s.write(`${C}/sysctl.txt`, sysctl(healthy));
    assert.deepEqual(security(s.model()), []);
    s.write(`${C}/sysctl.txt`, sysctl({ ...healthy, "net.bridge.bridge-nf-call-iptables": 0 }));
    assert.deepEqual(security(s.model()), [
      {
        rule: "security.br-netfilter-off",
        severity: "error",
        node: "compute",
        object: "sysctl net.bridge.bridge-nf-call-iptables",
        title: "net.bridge.bridge-nf-call-iptables = 0 on compute: security groups not enforced",
        explanation:
          "Bridged frames are not passed to iptables: traffic crossing the qbr bridges of the hybrid firewall skips " +
          "every neutron-openvswi chain, so the VMs on compute get whatever their security groups should drop.",
        evidence: [
          { path: `${C}/sysctl.txt` },
          { path: `${C}/iptables-save.txt`, line: 30, text: ":neutron-openvswi-i1d40b89c-f - [0:0]" },
        ],
        fix: [
          "modprobe br_netfilter",
          "sysctl -w net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1",
          "echo br_netfilter > /etc/modules-load.d/br_netfilter.conf",
          "printf 'net.bridge.bridge-nf-call-iptables = 1\\nnet.bridge.bridge-nf-call-ip6tables = 1\\n' > /etc/sysctl.d/99-bridge-nf.conf",
          "iptables -vnL neutron-openvswi-sg-chain",
        ],
      },
    ]);
    // `sysctl -a` without the net.bridge keys: the module is not loaded.
    s.write(`${C}/sysctl.txt`, sysctl({ "net.ipv4.ip_forward": 1 }));
    assert.deepEqual(
      security(s.model()).map((f) => f.title),
      ["br_netfilter not loaded on compute: security groups not enforced"],
    );
    // The network node filters no hybrid port: its bridge-nf setting does not matter.
    s.remove(`${C}/sysctl.txt`);
    s.write("nodes/network/commands/sysctl.txt", sysctl({ "net.bridge.bridge-nf-call-iptables": 0 }));
    assert.deepEqual(security(s.model()), []);
  });
});

test("conntrack table above 90% is a warning, full is an error (F33)", () => {
  withSnapshot(exampleCopy(), (s) => {
    const table = (count: number) =>
      sysctl({
        "net.bridge.bridge-nf-call-iptables": 1,
        "net.netfilter.nf_conntrack_count": count,
        "net.netfilter.nf_conntrack_max": 262144,
      });
    s.write(`${C}/sysctl.txt`, table(131072));
    assert.deepEqual(security(s.model()), []);
    s.write(`${C}/sysctl.txt`, table(240000));
    assert.deepEqual(security(s.model()), [
      {
        rule: "security.conntrack-full",
        severity: "warning",
        node: "compute",
        object: "sysctl net.netfilter.nf_conntrack_count",
        title: "conntrack table 91% full on compute (240000 of 262144)",
        explanation:
          'Once the table is full the kernel drops every new connection through compute ("nf_conntrack: table full, ' +
          'dropping packet"): new pings, SSH sessions and NATed flows time out at random while established ones keep working.',
        evidence: [{ path: `${C}/sysctl.txt` }],
        fix: [
          "conntrack -S",
          "dmesg | grep 'nf_conntrack: table full'",
          "sysctl -w net.netfilter.nf_conntrack_max=524288",
          "echo 'net.netfilter.nf_conntrack_max = 524288' > /etc/sysctl.d/99-conntrack.conf",
        ],
      },
    ]);
    s.write(`${C}/sysctl.txt`, table(262144));
    assert.deepEqual(
      security(s.model()).map((f) => [f.severity, f.title]),
      [["error", "conntrack table full on compute (262144 of 262144)"]],
    );
  });
});

test("real Newton hybrid iptables-save: two VM ports admit SSH and their group, not ping (F01 from the chains)", () => {
  const ipt = "nodes/aio/commands/iptables-save.txt";
  withSnapshot(
    fixtureSnapshot([
      {
        name: "aio",
        roles: ["compute", "network", "controller"],
        evidence: {
          "iptables-save": "github-notes-newton-aio-hybrid/iptables-save-compute-hybrid-firewall.txt",
        },
      },
    ]),
    (s) =>
      assert.deepEqual(security(s.model()), [
        {
          rule: "security.ingress-not-allowed",
          severity: "warning",
          node: "aio",
          object: "2 VM ports: tap0695f2ca-bf, tap839737e6-15",
          title: "2 VM ports admit no ICMP (ping) from outside their security groups",
          explanation:
            "Their ingress chains reach neutron-openvswi-sg-fallback before any rule for ICMP (ping) other than for " +
            "members of ipset NIPv4e7b85005-a11b-405e-a60f- (remote-group rules): that traffic from any other address " +
            "is dropped on the VM's qbr bridge. The snapshot has no security-group rules for these ports: the chain is what the agent enforces.",
          evidence: [
            {
              path: ipt,
              line: 134,
              text: '-A neutron-openvswi-i0695f2ca-b -m comment --comment "Send unmatched traffic to the fallback chain." -j neutron-openvswi-sg-fallback',
            },
            {
              path: ipt,
              line: 132,
              text: "-A neutron-openvswi-i0695f2ca-b -m set --match-set NIPv4e7b85005-a11b-405e-a60f- src -j RETURN",
            },
            {
              path: ipt,
              line: 141,
              text: '-A neutron-openvswi-i839737e6-1 -m comment --comment "Send unmatched traffic to the fallback chain." -j neutron-openvswi-sg-fallback',
            },
            {
              path: ipt,
              line: 139,
              text: "-A neutron-openvswi-i839737e6-1 -m set --match-set NIPv4e7b85005-a11b-405e-a60f- src -j RETURN",
            },
          ],
          fix: [
            'openstack port list --long -f value -c ID -c "Security Groups" | grep ^0695f2ca-b',
            'openstack port list --long -f value -c ID -c "Security Groups" | grep ^839737e6-1',
            "openstack security group rule create --ingress --protocol icmp <security group of the port>",
            "iptables -S neutron-openvswi-i0695f2ca-b",
            "iptables -S neutron-openvswi-i839737e6-1",
          ],
        },
      ]),
  );
});

test("real Icehouse -vnL chain listings and the Havana compute excerpt admit ping and SSH: no finding", () => {
  const yeasy = [
    "FORWARD",
    "INPUT",
    "OUTPUT",
    "neutron-openvswi-FORWARD",
    "neutron-openvswi-i583c7038-d",
    "neutron-openvswi-o583c7038-d",
    "neutron-openvswi-s583c7038-d",
    "neutron-openvswi-sg-chain",
  ]
    .map((c) => realFixture(`yeasy-understand-neutron/iptables-vnL-${c}.txt`))
    .join("\n");
  withSnapshot(
    fixtureSnapshot([
      { name: "yeasy", roles: ["compute"], evidence: { "iptables-save": { text: yeasy } } },
      {
        name: "havana",
        roles: ["compute"],
        evidence: {
          "iptables-save": "github-blog-havana-2013/iptables-save-filter-excerpt-compute-hybrid-havana.txt",
        },
      },
    ]),
    (s) => {
      const model = s.model();
      assert.deepEqual(security(model), []);
      // The listing is read as well as iptables-save: yeasy's port admits tcp 22 and ICMP only, the Havana port
      // tcp 1:65535, so port 80 is missing on yeasy's alone (its chain is the 5th listing: rows from line 30).
      assert.deepEqual(
        security(model, [80]).map((f) => [f.node, f.object, f.evidence[0]]),
        [
          [
            "yeasy",
            "VM port tap583c7038-d3",
            {
              path: "nodes/yeasy/commands/iptables-save.txt",
              line: 35,
              text: "6     3885 1197K neutron-openvswi-sg-fallback  all  --  *      *       0.0.0.0/0            0.0.0.0/0",
            },
          ],
        ],
      );
    },
  );
});

test("real hotsos host with the openvswitch firewall: no hybrid chains expected, none reported", () => {
  const binding = {
    ports: [
      {
        id: "0e778df8-ca1d-4e9e-9c37-ef6cfd7fe0d6",
        device_owner: "compute:nova",
        status: "ACTIVE",
        "binding:host_id": "compute4",
        "binding:vif_details": { ovs_hybrid_plug: true, port_filter: true },
        security_groups: ["sg-1"],
        fixed_ips: [],
      },
    ],
  };
  withSnapshot(
    fixtureSnapshot(
      [
        {
          name: "compute4",
          roles: ["compute"],
          evidence: { "iptables-save": "hotsos-ussuri-dvr/iptables-vnxL-host.txt" },
          files: {
            "/etc/neutron/plugins/ml2/openvswitch_agent.ini": "hotsos-ussuri-dvr/openvswitch_agent.ini",
          },
        },
      ],
      { "neutron-api-ports": { text: JSON.stringify(binding) } },
    ),
    (s) => {
      const model = s.model();
      assert.equal(model.nodes[0]!.firewall!.host!.complete, true);
      assert.deepEqual(model.nodes[0]!.firewall!.hybridPorts, []);
      assert.deepEqual(security(model), []);
    },
  );
});

test("real Havana FWaaS router namespace: ICMP dropped both ways by the firewall (info)", () => {
  const ns = "qrouter-80daec7b-0000-4000-8000-000000000000";
  const path = `nodes/network/commands/ns-iptables-save@${ns}.txt`;
  withSnapshot(
    fixtureSnapshot([
      {
        name: "network",
        roles: ["network"],
        evidence: {
          [`ns-iptables-save@${ns}`]:
            "github-blog-havana-2013/ip-netns-exec-qrouter-iptables-save-filter-fwaas-icmp-deny.txt",
        },
      },
    ]),
    (s) => {
      const found = security(s.model());
      assert.deepEqual(found, [
        {
          rule: "security.fwaas-drops-icmp",
          severity: "info",
          node: "network",
          object: `router 80daec7b-0000-4000-8000-000000000000 (${ns})`,
          title: `FWaaS on ${ns} drops ICMP routed to the tenant networks and from them`,
          explanation:
            "neutron-l3-agent-iv480daec7b drops ICMP by rule and neutron-l3-agent-ov480daec7b drops ICMP by rule: " +
            "pings across this router fail whatever the VMs' security groups allow; pings inside one network are not affected.",
          evidence: [
            { path, line: 28, text: "-A neutron-l3-agent-iv480daec7b -p icmp -j DROP" },
            { path, line: 31, text: "-A neutron-l3-agent-ov480daec7b -p icmp -j DROP" },
          ],
          fix: [
            `ip netns exec ${ns} iptables -S neutron-l3-agent-iv480daec7b`,
            `ip netns exec ${ns} iptables -S neutron-l3-agent-ov480daec7b`,
            "openstack firewall group list --long   # FWaaS v2; v1: neutron firewall-list",
            "neutron firewall-rule-create --protocol icmp --action allow --name allow-icmp",
            "neutron firewall-policy-insert-rule <firewall policy> allow-icmp",
          ],
        },
      ]);
      assert.ok(found.every((f) => severityRank(f.severity) <= severityRank("info")));
    },
  );
});

test("the reference cloud's router namespace has no FWaaS chain: nothing", () => {
  withSnapshot(exampleCopy(), (s) => {
    const model = s.model();
    const network = model.nodes.find((n) => n.name === "network")!;
    assert.deepEqual(
      network.firewall!.namespaces.map((n) => n.name),
      ["qrouter-e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5"],
    );
    assert.deepEqual(runChecks(model, { only: ["security.fwaas-drops-icmp"] }).findings, []);
  });
});
