/**
 * What a VM needs from the network side besides its address (guide: "Troubleshooting DNS"; F18, F07): a
 * resolver that answers, and the metadata service at 169.254.169.254.
 *
 * A setting absent from the collected configuration is only its default if the file that would set it was
 * collected, which the model cannot tell: such findings stay at info, and become warnings when the running
 * process list confirms them (dnsmasq's command line, no metadata proxy).
 */
import type { CloudModel, EvidenceRef, Namespace, Network, NodeModel, Subnet } from "../model/types.js";
import { describeVmPort, list, uniqueRefs } from "./security-groups.js";
import { type Finding, finding, type Rule } from "./types.js";

const METADATA_IP = "169.254.169.254";

/** Nodes holding the network's DHCP namespace, with it. */
function dhcpServers(model: CloudModel, networkId: string): { node: NodeModel; ns: Namespace }[] {
  return model.nodes.flatMap((node) =>
    node.namespaces
      .filter((ns) => ns.kind === "qdhcp" && ns.objectId === networkId)
      .map((ns) => ({ node, ns })),
  );
}

/** The dnsmasq (or metadata proxy) process serving a network: Neutron puts the network id in its arguments. */
function processFor(node: NodeModel, networkId: string, pattern: RegExp) {
  return node.processes?.find((p) => pattern.test(p.args) && p.args.includes(networkId));
}

function subnetName(s: Subnet): string {
  return s.name || s.id;
}

const SSH_SLOW =
  "sshd looks the client's address up at every login, so a resolver that does not answer stalls each SSH login " +
  "for up to a minute (the guide's \"Troubleshooting DNS\"): `UseDNS no` in the image's sshd_config avoids the wait.";

const noUpstreamResolver: Rule = {
  id: "dns.no-upstream-resolver",
  title: "Subnets without DNS servers, served by a dnsmasq that forwards nowhere",
  severity: "warning",
  category: "dns",
  faults: ["F18", "guide:troubleshooting-dns"],
  doc: {
    checks:
      "For every DHCP-enabled subnet without dns_nameservers: whether the DHCP agent serving its network gives " +
      "dnsmasq an upstream (`dnsmasq_dns_servers` in dhcp_agent.ini, or `--server=` on dnsmasq's command line).",
    why:
      "Without dns_nameservers the VMs are told to use the DHCP port as resolver; dnsmasq runs with --no-resolv and, " +
      "without --server, answers only the network's own names: external lookups fail, and when the resolver does " +
      "not answer at all SSH logins take a minute (sshd's reverse lookup).",
    fix: "`openstack subnet set --dns-nameserver <resolver ip> <subnet>`, or `dnsmasq_dns_servers` in dhcp_agent.ini.",
  },
  run({ model }) {
    const byNode = new Map<NodeModel, { subnet: Subnet; ns: Namespace; proc?: EvidenceRef }[]>();
    const unknown: Subnet[] = [];
    for (const subnet of model.subnets) {
      if (subnet.enableDhcp === false || subnet.dnsNameservers.length > 0 || subnet.networkId === undefined)
        continue;
      const servers = dhcpServers(model, subnet.networkId);
      if (servers.length === 0) unknown.push(subnet);
      for (const { node, ns } of servers) {
        if (node.config.options["DEFAULT.dnsmasq_dns_servers"]?.trim()) continue;
        const proc = processFor(node, subnet.networkId, /\bdnsmasq\b/);
        // With --server dnsmasq forwards; without --no-resolv it reads the host's resolv.conf.
        if (proc && (/--server=/.test(proc.args) || !/--no-resolv\b/.test(proc.args))) continue;
        const entries = byNode.get(node) ?? [];
        entries.push({ subnet, ns, ...(proc ? { proc: proc.evidence } : {}) });
        byNode.set(node, entries);
      }
    }
    const findings: Finding[] = [];
    for (const [node, all] of byNode) {
      // dnsmasq's command line proves what the configuration only suggests: one finding for each kind.
      for (const entries of [all.filter((e) => e.proc), all.filter((e) => !e.proc)]) {
        if (entries.length === 0) continue;
        const confirmed = entries[0]!.proc !== undefined;
        const names = entries.map((e) => subnetName(e.subnet));
        const resolvers = entries.flatMap(({ subnet }) =>
          model.ports
            .filter((p) => p.deviceOwner === "network:dhcp")
            .flatMap((p) => p.fixedIps.filter((f) => f.subnetId === subnet.id).map((f) => f.ip)),
        );
        const one = entries.length === 1;
        findings.push(
          finding(noUpstreamResolver, {
            node: node.name,
            severity: confirmed ? "warning" : "info",
            object: one ? `subnet ${names[0]}` : `subnets ${names.join(", ")}`,
            title: `${one ? "A subnet" : `${entries.length} subnets`} without DNS servers, resolved by dnsmasq on ${node.name} with no upstream`,
            explanation:
              `${one ? "Its" : "Their"} VMs are told to use the DHCP port${resolvers.length > 0 ? ` (${resolvers.join(", ")})` : ""} as resolver, and ` +
              (confirmed
                ? "dnsmasq runs with --no-resolv and no --server"
                : `dnsmasq_dns_servers is not set in the configuration collected from ${node.name} (dnsmasq then forwards nowhere unless dnsmasq_local_resolv = True)`) +
              `: external names and reverse lookups fail. ${SSH_SLOW}`,
            evidence: uniqueRefs([
              ...entries.map((e) => e.subnet.evidence),
              ...entries.map(
                (e) =>
                  e.proc ??
                  e.ns.links.find((l) => l.name.startsWith("tap") || l.name.startsWith("ns-"))?.evidence,
              ),
            ]),
            fix: [
              `ps -ef | grep dnsmasq | grep ${entries[0]!.subnet.networkId}`,
              ...names.map((n) => `openstack subnet set --dns-nameserver <resolver ip> ${n}`),
              "crudini --set /etc/neutron/dhcp_agent.ini DEFAULT dnsmasq_dns_servers <resolver ip>",
              "systemctl restart neutron-dhcp-agent",
              'echo "UseDNS no" >> /etc/ssh/sshd_config   # in the image, then restart sshd',
            ],
          }),
        );
      }
    }
    if (unknown.length > 0) {
      const names = unknown.map(subnetName);
      findings.push(
        finding(noUpstreamResolver, {
          severity: "info",
          object: unknown.length === 1 ? `subnet ${names[0]}` : `subnets ${names.join(", ")}`,
          title: `${unknown.length === 1 ? "A subnet has" : `${unknown.length} subnets have`} no DNS servers; whether their dnsmasq forwards is unknown`,
          explanation:
            "Their VMs are told to use the DHCP port as resolver; the snapshot has no DHCP namespace for their networks, " +
            `so whether dnsmasq there forwards (dnsmasq_dns_servers) is unknown. ${SSH_SLOW}`,
          evidence: uniqueRefs(unknown.map((s) => s.evidence)),
          fix: [
            ...names.map((n) => `openstack subnet show ${n} -c dns_nameservers`),
            "openstack network agent list --agent-type dhcp",
          ],
        }),
      );
    }
    return findings;
  },
};

const metadataUnreachable: Rule = {
  id: "dns.metadata-unreachable",
  title: "Metadata service (169.254.169.254) not served to VMs",
  severity: "warning",
  category: "dns",
  faults: ["F07"],
  doc: {
    checks:
      "For every network with VMs: with a router, the router namespace's NAT redirects 169.254.169.254:80 to " +
      "the metadata proxy (9697); without one, the DHCP agent serves isolated metadata (enable_isolated_metadata, " +
      "169.254.169.254 in the qdhcp namespace, a metadata proxy process).",
    why:
      "cloud-init fetches the SSH key and user data from 169.254.169.254: without an answer the instance boots " +
      "without its key and SSH with the keypair fails.",
    fix: "`enable_isolated_metadata = True` in dhcp_agent.ini for router-less networks; restart the L3 agent when the redirect is missing.",
  },
  run({ model }) {
    const vmPorts = model.ports.filter((p) => p.deviceOwner?.startsWith("compute:"));
    const routerOf = new Map<string, string[]>();
    for (const p of model.ports) {
      if (!p.deviceOwner?.startsWith("network:router_interface") || !p.networkId || !p.deviceId) continue;
      routerOf.set(p.networkId, [...(routerOf.get(p.networkId) ?? []), p.deviceId]);
    }
    const isolated = new Map<NodeModel, { net: Network; ns: Namespace; confirmedBy?: EvidenceRef }[]>();
    const noRedirect = new Map<string, { node: NodeModel; ns: Namespace; nets: Network[] }>();
    for (const net of model.networks) {
      if (!vmPorts.some((p) => p.networkId === net.id)) continue;
      const servers = dhcpServers(model, net.id);
      // A qdhcp namespace holding the metadata address serves it, router or not (force_metadata).
      if (
        servers.some(({ ns }) =>
          ns.links.some((l) => l.addresses.some((a) => a.cidr.startsWith(`${METADATA_IP}/`))),
        )
      )
        continue;
      const routers = routerOf.get(net.id) ?? [];
      for (const node of model.nodes) {
        for (const ns of node.namespaces) {
          if (ns.kind !== "qrouter" || !routers.includes(ns.objectId ?? "") || ns.natRules.length === 0)
            continue;
          if (ns.natRules.some((r) => r.text.includes(METADATA_IP))) continue;
          const entry = noRedirect.get(`${node.name}/${ns.name}`) ?? { node, ns, nets: [] };
          entry.nets.push(net);
          noRedirect.set(`${node.name}/${ns.name}`, entry);
        }
      }
      if (routers.length > 0) continue;
      for (const { node, ns } of servers) {
        const option = node.config.options["DEFAULT.enable_isolated_metadata"];
        if (option !== undefined && /^(true|1|yes)$/i.test(option)) continue;
        if (processFor(node, net.id, /metadata-proxy|haproxy/)) continue;
        // Confirmed by an explicit `enable_isolated_metadata = False`, or by a process list without the proxy.
        const confirmedBy =
          node.config.evidence["DEFAULT.enable_isolated_metadata"] ??
          (node.processes?.[0] ? { path: node.processes[0].evidence.path } : undefined);
        const entries = isolated.get(node) ?? [];
        entries.push({ net, ns, ...(confirmedBy ? { confirmedBy } : {}) });
        isolated.set(node, entries);
      }
    }
    const vmsOn = (nets: Network[]) =>
      vmPorts.filter((p) => nets.some((n) => n.id === p.networkId)).map((p) => describeVmPort(model, p));
    const findings: Finding[] = [];
    for (const [node, entries] of isolated) {
      const nets = entries.map((e) => e.net);
      const confirmed = entries.some((e) => e.confirmedBy !== undefined);
      const option = node.config.options["DEFAULT.enable_isolated_metadata"];
      findings.push(
        finding(metadataUnreachable, {
          node: node.name,
          severity: confirmed ? "warning" : "info",
          object: `${nets.length === 1 ? "network" : "networks"} ${nets.map((n) => n.name).join(", ")}`,
          title: `${nets.length === 1 ? "A network without a router gets" : `${nets.length} networks without a router get`} no metadata service from the DHCP agent on ${node.name}`,
          explanation: `${list([
            "No router serves them",
            option !== undefined
              ? `enable_isolated_metadata = ${option}`
              : `enable_isolated_metadata is not set in the configuration collected from ${node.name} (default False)`,
            ...(node.processes ? ["no metadata proxy runs for them"] : []),
            ...(entries.every((e) => e.ns.links.length > 0)
              ? [`their qdhcp namespaces hold no ${METADATA_IP}`]
              : []),
          ])}: cloud-init in ${list(vmsOn(nets))} gets no SSH key or user data (unless they boot with a config drive).`,
          evidence: uniqueRefs([
            ...entries.map(
              (e) => e.ns.links.find((l) => l.name.startsWith("tap") || l.name.startsWith("ns-"))?.evidence,
            ),
            ...entries.map((e) => e.confirmedBy),
          ]),
          fix: [
            ...entries.map((e) => `ip netns exec ${e.ns.name} ip addr | grep ${METADATA_IP}`),
            "crudini --set /etc/neutron/dhcp_agent.ini DEFAULT enable_isolated_metadata True",
            "systemctl restart neutron-dhcp-agent",
            `curl http://${METADATA_IP}/openstack   # from a VM, once served`,
          ],
        }),
      );
    }
    for (const { node, ns, nets } of noRedirect.values()) {
      const router = model.routers.find((r) => r.id === ns.objectId);
      findings.push(
        finding(metadataUnreachable, {
          node: node.name,
          object: `router ${router?.name ?? ns.objectId} (${ns.name})`,
          title: `Router ${router?.name ?? ns.objectId} does not redirect ${METADATA_IP} to the metadata proxy`,
          explanation:
            `The NAT table of ${ns.name} has no rule for ${METADATA_IP} (the L3 agent's REDIRECT to port 9697), so metadata requests ` +
            `from ${list(nets.map((n) => n.name))} go nowhere: cloud-init in ${list(vmsOn(nets))} gets no SSH key or user data.`,
          evidence: [{ path: ns.natRules[0]!.evidence.path }],
          fix: [
            `ip netns exec ${ns.name} iptables -t nat -S | grep ${METADATA_IP}`,
            "grep enable_metadata_proxy /etc/neutron/l3_agent.ini",
            "openstack network agent list --agent-type metadata",
            "systemctl restart neutron-l3-agent",
          ],
        }),
      );
    }
    return findings;
  },
};

export const dnsRules: Rule[] = [noUpstreamResolver, metadataUnreachable];
