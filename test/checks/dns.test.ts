import assert from "node:assert/strict";
import { test } from "node:test";
import { dnsRules } from "../../src/checks/dns.js";
import { runChecks } from "../../src/checks/engine.js";
import { type Finding, severityRank } from "../../src/checks/types.js";
import type { CloudModel } from "../../src/model/types.js";
import { exampleCopy, fixtureSnapshot, type ScratchSnapshot, withSnapshot } from "../helpers/snapshot.js";

const N = "nodes/network/commands";
const DHCP_INI = "nodes/network/files/etc/neutron/dhcp_agent.ini";
const SUBNETS = "cloud/commands/openstack-subnet-list.txt";
const ROUTER_NS = "qrouter-e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5";
const NET_324 = "13c334c1-ad39-4c51-b396-953430059b22";
const SSH_SLOW =
  "sshd looks the client's address up at every login, so a resolver that does not answer stalls each SSH login " +
  "for up to a minute (the guide's \"Troubleshooting DNS\"): `UseDNS no` in the image's sshd_config avoids the wait.";
const VMS_324_328 =
  "instance-00000009 (port 1d40b89c-fe, 10.0.28.3), instance-0000000a (port ff8e411e-6e, 10.0.24.3), " +
  "instance-0000000b (port 625be014-05, 10.0.24.4) and instance-0000000b (port 6390dbea-72, 10.0.28.4)";

function dns(model: CloudModel): Finding[] {
  return runChecks(model, { rules: dnsRules }).findings;
}

/** The qdhcp `ip addr` of a network: its tap line is line 7 in every one of the reference cloud's. */
const tapLine = (net: string) => ({ path: `${N}/ns-ip-addr@qdhcp-${net}.txt`, line: 7 });

test("reference cloud: subnets without DNS servers and router-less networks without metadata, both only info", () => {
  withSnapshot(exampleCopy(), (s) => {
    const found = dns(s.model());
    assert.deepEqual(found, [
      {
        rule: "dns.no-upstream-resolver",
        severity: "info",
        node: "network",
        object: "subnets int-subnet-324, inaf-subnet, int-subnet-328, ingv-subnet, enea-subnet",
        title: "5 subnets without DNS servers, resolved by dnsmasq on network with no upstream",
        explanation:
          "Their VMs are told to use the DHCP port (10.0.24.2, 10.0.25.2, 10.0.28.2, 10.0.27.2, 10.0.20.2) as resolver, " +
          "and dnsmasq_dns_servers is not set in the configuration collected from network (dnsmasq then forwards nowhere " +
          `unless dnsmasq_local_resolv = True): external names and reverse lookups fail. ${SSH_SLOW}`,
        evidence: [
          { path: SUBNETS },
          tapLine(NET_324),
          tapLine("286f2844-6b76-42e5-9664-ab5123bde2d5"),
          tapLine("c3cfc51b-f07c-47ae-bdb4-b029035c08d7"),
          tapLine("c8a29266-e9ac-45e0-be6d-79c32f501194"),
          tapLine("f7bff056-1d27-4c12-a917-6ffe2925a44b"),
        ],
        fix: [
          `ps -ef | grep dnsmasq | grep ${NET_324}`,
          "openstack subnet set --dns-nameserver <resolver ip> int-subnet-324",
          "openstack subnet set --dns-nameserver <resolver ip> inaf-subnet",
          "openstack subnet set --dns-nameserver <resolver ip> int-subnet-328",
          "openstack subnet set --dns-nameserver <resolver ip> ingv-subnet",
          "openstack subnet set --dns-nameserver <resolver ip> enea-subnet",
          "crudini --set /etc/neutron/dhcp_agent.ini DEFAULT dnsmasq_dns_servers <resolver ip>",
          "systemctl restart neutron-dhcp-agent",
          'echo "UseDNS no" >> /etc/ssh/sshd_config   # in the image, then restart sshd',
        ],
      },
      {
        rule: "dns.metadata-unreachable",
        severity: "info",
        node: "network",
        object: "networks inaf-net, ingv-net, enea-net",
        title: "3 networks without a router get no metadata service from the DHCP agent on network",
        explanation:
          "No router serves them, enable_isolated_metadata is not set in the configuration collected from network " +
          "(default False) and their qdhcp namespaces hold no 169.254.169.254: cloud-init in instance-00000006 " +
          "(port f3b63d31-a0, 10.0.20.3), instance-00000007 (port 65fb5ad8-b5, 10.0.25.3) and instance-00000008 " +
          "(port a6e8c6e3-1c, 10.0.27.3) gets no SSH key or user data (unless they boot with a config drive).",
        evidence: [
          tapLine("286f2844-6b76-42e5-9664-ab5123bde2d5"),
          tapLine("c8a29266-e9ac-45e0-be6d-79c32f501194"),
          tapLine("f7bff056-1d27-4c12-a917-6ffe2925a44b"),
        ],
        fix: [
          "ip netns exec qdhcp-286f2844-6b76-42e5-9664-ab5123bde2d5 ip addr | grep 169.254.169.254",
          "ip netns exec qdhcp-c8a29266-e9ac-45e0-be6d-79c32f501194 ip addr | grep 169.254.169.254",
          "ip netns exec qdhcp-f7bff056-1d27-4c12-a917-6ffe2925a44b ip addr | grep 169.254.169.254",
          "crudini --set /etc/neutron/dhcp_agent.ini DEFAULT enable_isolated_metadata True",
          "systemctl restart neutron-dhcp-agent",
          "curl http://169.254.169.254/openstack   # from a VM, once served",
        ],
      },
    ]);
    assert.ok(found.every((f) => severityRank(f.severity) <= severityRank("info")));
  });
});

test("a forwarder in dhcp_agent.ini, a subnet's own DNS server and isolated metadata on: nothing", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(DHCP_INI, (t) => `${t}dnsmasq_dns_servers = 192.0.2.53\nenable_isolated_metadata = True\n`);
    assert.deepEqual(dns(s.model()), []);
    s.edit(DHCP_INI, (t) => t.replace("dnsmasq_dns_servers = 192.0.2.53\n", ""));
    s.edit(SUBNETS, (t) => t.replace(/"Name Servers": \[\]/g, '"Name Servers": ["192.0.2.53"]'));
    assert.deepEqual(dns(s.model()), []);
  });
});

test("dnsmasq's command line proves it forwards nowhere: a warning for that subnet", () => {
  withSnapshot(exampleCopy(), (s) => {
    // Juno's dnsmasq arguments (as yeasy-understand-neutron's `ps` shows them) for int-net-324's DHCP port.
    const dnsmasq =
      "dnsmasq --no-hosts --no-resolv --strict-order --bind-interfaces --interface=tap3c2bad86-80 " +
      `--except-interface=lo --pid-file=/var/lib/neutron/dhcp/${NET_324}/pid ` +
      `--dhcp-hostsfile=/var/lib/neutron/dhcp/${NET_324}/host --leasefile-ro ` +
      "--dhcp-range=tag0,10.0.24.0,static,86400s --conf-file= --domain=openstacklocal";
    s.write(`${N}/ps.txt`, `  PID ELAPSED COMMAND\n 2211  864000 ${dnsmasq}\n`);
    const found = dns(s.model()).filter((f) => f.rule === "dns.no-upstream-resolver");
    assert.deepEqual(
      found.map((f) => [f.severity, f.object]),
      [
        ["warning", "subnet int-subnet-324"],
        ["info", "subnets inaf-subnet, int-subnet-328, ingv-subnet, enea-subnet"],
      ],
    );
    assert.equal(
      found[0]!.explanation,
      "Its VMs are told to use the DHCP port (10.0.24.2) as resolver, and dnsmasq runs with --no-resolv and no " +
        `--server: external names and reverse lookups fail. ${SSH_SLOW}`,
    );
    assert.deepEqual(found[0]!.evidence, [
      { path: SUBNETS },
      { path: `${N}/ps.txt`, line: 2, text: dnsmasq },
    ]);
    // With a forwarder on its command line the same dnsmasq is fine.
    s.write(`${N}/ps.txt`, `  PID ELAPSED COMMAND\n 2211  864000 ${dnsmasq} --server=192.0.2.53\n`);
    assert.deepEqual(
      dns(s.model())
        .filter((f) => f.rule === "dns.no-upstream-resolver")
        .map((f) => f.object),
      ["subnets inaf-subnet, int-subnet-328, ingv-subnet, enea-subnet"],
    );
  });
});

test("isolated metadata switched off explicitly: a warning quoting the option", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(DHCP_INI, (t) => `${t}enable_isolated_metadata = False\n`);
    const found = dns(s.model()).filter((f) => f.rule === "dns.metadata-unreachable");
    assert.deepEqual(
      found.map((f) => [f.severity, f.object, f.explanation]),
      [
        [
          "warning",
          "networks inaf-net, ingv-net, enea-net",
          "No router serves them, enable_isolated_metadata = False and their qdhcp namespaces hold no 169.254.169.254: " +
            "cloud-init in instance-00000006 (port f3b63d31-a0, 10.0.20.3), instance-00000007 (port 65fb5ad8-b5, " +
            "10.0.25.3) and instance-00000008 (port a6e8c6e3-1c, 10.0.27.3) gets no SSH key or user data (unless they " +
            "boot with a config drive).",
        ],
      ],
    );
    assert.deepEqual(found[0]!.evidence.at(-1), {
      path: DHCP_INI,
      line: 7,
      text: "enable_isolated_metadata = False",
    });
  });
});

test("router namespace without the 169.254.169.254 redirect: metadata unreachable behind it (warning)", () => {
  withSnapshot(exampleCopy(), (s) => {
    s.edit(DHCP_INI, (t) => `${t}enable_isolated_metadata = True\n`);
    s.edit(`${N}/ns-iptables-save@${ROUTER_NS}.txt`, (t) =>
      t.replace(
        "-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697\n",
        "",
      ),
    );
    assert.deepEqual(
      dns(s.model()).filter((f) => f.rule === "dns.metadata-unreachable"),
      [
        {
          rule: "dns.metadata-unreachable",
          severity: "warning",
          node: "network",
          object: `router router-int (${ROUTER_NS})`,
          title: "Router router-int does not redirect 169.254.169.254 to the metadata proxy",
          explanation:
            `The NAT table of ${ROUTER_NS} has no rule for 169.254.169.254 (the L3 agent's REDIRECT to port 9697), so ` +
            `metadata requests from int-net-324 and int-net-328 go nowhere: cloud-init in ${VMS_324_328} gets no SSH key or user data.`,
          evidence: [{ path: `${N}/ns-iptables-save@${ROUTER_NS}.txt` }],
          fix: [
            `ip netns exec ${ROUTER_NS} iptables -t nat -S | grep 169.254.169.254`,
            "grep enable_metadata_proxy /etc/neutron/l3_agent.ini",
            "openstack network agent list --agent-type metadata",
            "systemctl restart neutron-l3-agent",
          ],
        },
      ],
    );
  });
});

/** A network with one VM and no router, as the API would list it, for the real qdhcp outputs below. */
function isolatedNetwork(net: string): Record<string, { text: string }> {
  return {
    "neutron-api-networks": {
      text: JSON.stringify({ networks: [{ id: net, name: "provider-100", subnets: [] }] }),
    },
    "neutron-api-ports": {
      text: JSON.stringify({
        ports: [
          {
            id: "0ab9a23c-9900-4000-8000-000000000000",
            network_id: net,
            device_owner: "compute:nova",
            fixed_ips: [],
          },
        ],
      }),
    },
  };
}

test("real qdhcp namespaces: 2024's holds 169.254.169.254 (served), the Icehouse one does not (info)", () => {
  const served = "d46c9e95-3ec9-4066-a5f4-6fb6aa96d386";
  withSnapshot(
    fixtureSnapshot(
      [
        {
          name: "controller",
          roles: ["network"],
          evidence: {
            "ip-netns": "9506hqwy-study-notes-2024/controller-ip-netns.txt",
            [`ns-ip-addr@qdhcp-${served}`]:
              "9506hqwy-study-notes-2024/controller-ip-netns-exec-qdhcp-ip-addr-show.txt",
          },
        },
      ],
      isolatedNetwork(served),
    ),
    (s) => assert.deepEqual(dns(s.model()), []),
  );
  const bare = "ea3928dc-b1fd-4a1a-940e-82b8c55214e6";
  withSnapshot(
    fixtureSnapshot(
      [
        {
          name: "network",
          roles: ["network"],
          evidence: {
            "ip-netns": "yeasy-understand-neutron/ip-netns.txt",
            [`ns-ip-addr@qdhcp-${bare}`]: "yeasy-understand-neutron/ip-netns-exec-qdhcp-ip-addr.txt",
          },
        },
      ],
      isolatedNetwork(bare),
    ),
    (s) =>
      assert.deepEqual(
        dns(s.model()).map((f) => [f.rule, f.severity, f.object, f.evidence]),
        [
          [
            "dns.metadata-unreachable",
            "info",
            "network provider-100",
            [{ path: `nodes/network/commands/ns-ip-addr@qdhcp-${bare}.txt`, line: 1 }],
          ],
        ],
      ),
  );
});
