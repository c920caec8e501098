/**
 * Security groups (guide: "iptables and security rules"): whether a VM's groups let ping, SSH and the ports
 * the user names (`--port`) in; whether the hybrid driver applied them on the compute node; the kernel settings
 * that silently defeat them (br_netfilter off, conntrack table full); and FWaaS in router namespaces, which
 * drops traffic the same way whatever the groups say.
 *
 * Not checked: allowed_address_pairs and ARP spoofing (F17, F29). The model has no allowed_address_pairs on
 * ports, and the anti-spoofing chain (`neutron-openvswi-s<port>`) only lists the IP/MAC pairs a VM may send
 * from, not the addresses (a keepalived VIP) it really uses: a finding would be a guess.
 */
import {
  type FwChain,
  type FwRule,
  HYBRID_CHAIN_PREFIX,
  type HybridPortChains,
  hybridChainName,
} from "../model/firewall.js";
import type { CloudModel, EvidenceRef, NeutronPort, NodeModel } from "../model/types.js";
import { type CheckOptions, type Finding, finding, type Rule } from "./types.js";

type SgRule = CloudModel["securityGroupRules"][number];

/** Traffic that must get in to a VM: ping, SSH, and each `--port`. */
interface Need {
  label: string;
  protocol: "icmp" | "tcp";
  port?: number;
}

function needsOf(options: CheckOptions): Need[] {
  const extra = [...new Set(options.ports)].filter(
    (p) => Number.isInteger(p) && p > 0 && p < 65536 && p !== 22,
  );
  return [
    { label: "ICMP (ping)", protocol: "icmp" },
    { label: "SSH (tcp 22)", protocol: "tcp", port: 22 },
    ...extra.map((port): Need => ({ label: `tcp ${port}`, protocol: "tcp", port })),
  ];
}

const PROTOCOLS: Record<string, string> = { "1": "icmp", "6": "tcp", "17": "udp" };

function protocolOf(p: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  const lower = p.toLowerCase();
  return PROTOCOLS[lower] ?? lower;
}

/**
 * Does one security-group rule let this traffic in from outside the group? Rules without a direction are
 * nova-era ingress rules. A remote IP prefix is taken to cover the client (its address is not in the
 * snapshot); a remote group admits only that group's members.
 */
function sgRuleAdmits(r: SgRule, need: Need): boolean {
  if (r.direction !== undefined && r.direction.toLowerCase() !== "ingress") return false;
  if (r.ethertype !== undefined && r.ethertype.toLowerCase() !== "ipv4") return false;
  if (r.remoteGroup !== undefined) return false;
  const protocol = protocolOf(r.protocol);
  if (protocol !== undefined && protocol !== need.protocol) return false;
  // For ICMP the "port" is the ICMP type: any (-1 or none) or 8, echo request.
  if (need.protocol === "icmp") return r.portMin === undefined || r.portMin < 0 || r.portMin === 8;
  if (protocol === undefined || r.portMin === undefined || r.portMin < 0) return true;
  return need.port! >= r.portMin && need.port! <= (r.portMax ?? r.portMin);
}

function fwRuleCovers(r: FwRule, need: Need): boolean {
  if (r.protocol !== undefined && r.protocol !== need.protocol) return false;
  if (need.protocol === "icmp")
    return r.icmpType === undefined || ["8", "echo-request", "any"].includes(r.icmpType);
  return r.dports === undefined || r.dports.some(([a, b]) => need.port! >= a && need.port! <= b);
}

interface ChainVerdict {
  /** undefined: the chain ends without deciding (it returns to its caller). */
  admitted?: boolean;
  /** The rule that decided. */
  by?: FwRule;
  /** Rules that let the traffic in only from some sources (a prefix, a remote group's ipset). */
  partial: FwRule[];
}

/** Walks a chain in order, as the kernel does, for a new connection of this kind from an arbitrary source. */
function chainVerdict(chain: FwChain, need: Need): ChainVerdict {
  const partial: FwRule[] = [];
  for (const r of chain.rules) {
    // RELATED,ESTABLISHED and INVALID rules never decide a new, valid connection.
    if (r.states !== undefined && !r.states.includes("NEW")) continue;
    if (!fwRuleCovers(r, need)) continue;
    const accepts = r.target === "RETURN" || r.target === "ACCEPT";
    const drops = r.target === "DROP" || r.target === "REJECT" || r.target?.endsWith("-sg-fallback") === true;
    const unrestricted =
      r.source === undefined &&
      r.sourceSet === undefined &&
      r.destination === undefined &&
      r.inInterface === undefined &&
      r.outInterface === undefined &&
      r.physdevIn === undefined &&
      r.physdevOut === undefined &&
      r.otherMatches.length === 0;
    if (!unrestricted) {
      if (accepts) partial.push(r);
      continue;
    }
    if (accepts) return { admitted: true, by: r, partial };
    if (drops) return { admitted: false, by: r, partial };
  }
  return { partial };
}

function hostsPort(node: NodeModel, hostId: string | undefined): boolean {
  return hostId !== undefined && (hostId === node.name || hostId.split(".")[0] === node.name);
}

const isVmPort = (p: NeutronPort) => p.deviceOwner?.startsWith("compute:") === true;

/** `instance-0000000a (port ff8e411e-6e, 10.0.24.3)`: the VM as libvirt names it when the snapshot has it. */
export function describeVmPort(model: CloudModel, port: NeutronPort): string {
  const vm = model.nodes
    .flatMap((n) => n.vms)
    .find((v) => v.interfaces.some((i) => i.neutronPortId === port.id));
  const name = vm?.domain ?? (port.deviceId !== undefined ? `server ${port.deviceId}` : "VM");
  const ips = port.fixedIps.map((f) => f.ip).join(", ");
  return `${name} (port ${port.id.slice(0, 11)}${ips ? `, ${ips}` : ""})`;
}

/** `a, b and c`. */
export function list(items: string[], conjunction = "and"): string {
  return items.length <= 1
    ? (items[0] ?? "")
    : `${items.slice(0, -1).join(", ")} ${conjunction} ${items.at(-1)}`;
}

/** Evidence without repeats (one line quoted once), in order. */
export function uniqueRefs(refs: (EvidenceRef | undefined)[]): EvidenceRef[] {
  const seen = new Set<string>();
  return refs.filter((r): r is EvidenceRef => {
    if (r === undefined) return false;
    const key = `${r.path}:${r.line ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function createCommands(group: string, needs: Need[], novaEra: boolean): string[] {
  return needs.flatMap((n) => {
    const osc =
      n.protocol === "icmp"
        ? `openstack security group rule create --ingress --protocol icmp ${group}`
        : `openstack security group rule create --ingress --protocol tcp --dst-port ${n.port} ${group}`;
    const nova =
      n.protocol === "icmp"
        ? `nova secgroup-add-rule ${group} icmp -1 -1 0.0.0.0/0`
        : `nova secgroup-add-rule ${group} tcp ${n.port} ${n.port} 0.0.0.0/0`;
    return novaEra ? [osc, nova] : [osc];
  });
}

/**
 * The group a `nova secgroup-list-rules <group>` table belongs to: the table has no group column, but a
 * default group's rows admit its own members, so they name it. Undefined when the rows name no single group.
 */
function listedGroupName(rules: SgRule[]): string | undefined {
  const named = new Set(rules.flatMap((r) => (r.remoteGroup === undefined ? [] : [r.remoteGroup])));
  return named.size === 1 ? [...named][0] : undefined;
}

const ingressAllowed: Rule = {
  id: "security.ingress-not-allowed",
  title: "Security groups let no ICMP/SSH (or a port asked about) in to VMs",
  severity: "warning",
  category: "security",
  faults: ["F01", "guide:iptables-and-security-rules"],
  doc: {
    checks:
      "For every VM port: whether one of its security groups has an ingress rule for ICMP, tcp 22 and each " +
      "`--port`, from outside the group (any remote IP prefix). From the security-group rules when the " +
      "snapshot has them, otherwise from the port's hybrid ingress chain `neutron-openvswi-i<port[:10]>` on " +
      "its compute node.",
    why:
      "A default group admits only its own members: the VM boots, gets its address, reaches out, but ping and " +
      "SSH to it time out. The most common 'my VM is unreachable' report.",
    fix: "`openstack security group rule create --ingress --protocol icmp <group>` (and `--protocol tcp --dst-port 22`).",
  },
  run({ model, options }) {
    const needs = needsOf(options);
    const byGroup = new Map<string | undefined, SgRule[]>();
    for (const r of model.securityGroupRules)
      byGroup.set(r.securityGroup, [...(byGroup.get(r.securityGroup) ?? []), r]);
    // A nova table names no group id: its rules count for ports only when the rows name the group.
    const listed = byGroup.get(undefined);
    const listedName = listed ? listedGroupName(listed) : undefined;
    const rulesOf = (g: string): SgRule[] | undefined =>
      byGroup.get(g) ?? (g === listedName ? listed : undefined);
    const admitsBy = (g: string, n: Need) => rulesOf(g)?.some((r) => sgRuleAdmits(r, n)) === true;
    const vmPorts = model.ports.filter(isVmPort);
    /** Ports whose every group's rules are known: the rules decide for them, not the chains. */
    const covered = (p: NeutronPort) =>
      p.securityGroups !== undefined &&
      p.securityGroups.length > 0 &&
      p.securityGroups.every((g) => rulesOf(g) !== undefined);
    const findings: Finding[] = [];
    for (const [key, rules] of byGroup) {
      const group = key ?? listedName;
      const missingInGroup = needs.filter((n) => !rules.some((r) => sgRuleAdmits(r, n)));
      if (missingInGroup.length === 0) continue;
      const users = group === undefined ? [] : vmPorts.filter((p) => p.securityGroups?.includes(group));
      const affected = users
        .filter(covered)
        .map((p) => ({
          p,
          missing: missingInGroup.filter((n) => !p.securityGroups!.some((g) => admitsBy(g, n))),
        }))
        .filter((a) => a.missing.length > 0);
      // A group no VM uses affects no traffic, nor one whose users get it from another group; only a nova
      // listing whose users are unknown is reported without them.
      if (affected.length === 0 && (key !== undefined || users.length > 0)) continue;
      const missing =
        affected.length > 0
          ? missingInGroup.filter((n) => affected.some((a) => a.missing.includes(n)))
          : missingInGroup;
      const labels = missing.map((n) => n.label);
      // Remote-group rules that would admit the traffic: from those groups' members only.
      const members = [
        ...new Set(
          rules
            .filter(
              (r) =>
                r.remoteGroup !== undefined &&
                missing.some((n) => sgRuleAdmits({ ...r, remoteGroup: undefined }, n)),
            )
            .map((r) => r.remoteGroup!),
        ),
      ];
      const name = group ?? "<group>";
      const vms =
        affected.length > 0
          ? `Affected: ${list(affected.map((a) => describeVmPort(model, a.p)))}.`
          : `Which VM ports use it is not in the snapshot (the listing names no group id): \`openstack port list --security-group ${name}\`.`;
      const chainEvidence = affected.flatMap(({ p, missing: m }) => {
        const node = model.nodes.find((n) => hostsPort(n, p.hostId));
        const chain = node?.firewall?.hybridPorts.find((h) => h.stem === p.id.slice(0, 10))?.ingress;
        return chain
          ? m
              .map((n) => chainVerdict(chain, n))
              .filter((v) => v.admitted === false)
              .map((v) => v.by?.evidence)
          : [];
      });
      findings.push(
        finding(ingressAllowed, {
          object:
            group === undefined
              ? `the security group listed in ${rules[0]!.evidence.path}`
              : `security group ${group}`,
          title: `Security group ${name} lets no ${list(labels, "or")} in from outside the group`,
          explanation:
            `No ingress rule of ${name} admits ${list(labels, "or")} ${members.length > 0 ? `except from members of ${list(members)}` : "at all"}: ` +
            `from any other address ${labels.length > 1 ? "they are" : "it is"} dropped at the VM's port (on a hybrid compute node, by neutron-openvswi-sg-fallback). ${vms}`,
          evidence: uniqueRefs([
            ...rules.map((r) => r.evidence),
            ...affected.map((a) => a.p.evidence),
            ...chainEvidence,
          ]),
          fix: [
            ...createCommands(name, missing, key === undefined),
            `openstack security group rule list ${name} --long`,
          ],
        }),
      );
    }
    findings.push(...chainFindings(model, needs, covered));
    return findings;
  },
};

/** The name of the tap a hybrid port chain filters, from the sg-chain jump to it. */
function tapOf(node: NodeModel, hp: HybridPortChains): string | undefined {
  const sg = node.firewall?.host?.chains.find((c) => c.name === `${HYBRID_CHAIN_PREFIX}sg-chain`);
  return sg?.rules.find((r) => r.target === hp.ingress?.name)?.physdevOut;
}

/** Ports the rules do not cover: their ingress chains on the host say what the agent enforces. */
function chainFindings(model: CloudModel, needs: Need[], covered: (p: NeutronPort) => boolean): Finding[] {
  const findings: Finding[] = [];
  for (const node of model.nodes) {
    const bySet = new Map<
      string,
      { needs: Need[]; ports: { hp: HybridPortChains; port?: NeutronPort; verdicts: ChainVerdict[] }[] }
    >();
    for (const hp of node.firewall?.hybridPorts ?? []) {
      if (!hp.ingress) continue;
      const port = model.ports.find((p) => p.id.startsWith(hp.stem));
      if (port && covered(port)) continue;
      const verdicts = needs.map((n) => chainVerdict(hp.ingress!, n));
      const missing = needs.filter((_, i) => verdicts[i]!.admitted === false);
      if (missing.length === 0) continue;
      const key = missing.map((n) => n.label).join("|");
      const entry = bySet.get(key) ?? { needs: missing, ports: [] };
      entry.ports.push({
        hp,
        ...(port ? { port } : {}),
        verdicts: verdicts.filter((v) => v.admitted === false),
      });
      bySet.set(key, entry);
    }
    for (const { needs: missing, ports } of bySet.values()) {
      const names = ports.map(({ hp, port }) =>
        port ? describeVmPort(model, port) : (tapOf(node, hp) ?? hp.ingress!.name),
      );
      const remoteSets = [
        ...new Set(
          ports.flatMap(({ verdicts }) =>
            verdicts.flatMap((v) => v.partial.flatMap((r) => (r.sourceSet ? [r.sourceSet] : []))),
          ),
        ),
      ];
      // A rule in any one group of a port lets the traffic in: the first group of each port is enough.
      const groups = [...new Set(ports.flatMap(({ port }) => port?.securityGroups?.slice(0, 1) ?? []))];
      const unknown = ports.filter(({ port }) => !port?.securityGroups?.length);
      const label = list(
        missing.map((n) => n.label),
        "or",
      );
      const one = ports.length === 1;
      findings.push(
        finding(ingressAllowed, {
          node: node.name,
          object: one ? `VM port ${names[0]}` : `${ports.length} VM ports: ${names.join(", ")}`,
          title: `${one ? "A VM port admits" : `${ports.length} VM ports admit`} no ${label} from outside ${one ? "its" : "their"} security groups`,
          explanation:
            `${one ? "Its ingress chain reaches" : "Their ingress chains reach"} ${ports[0]!.verdicts[0]!.by?.target} before any rule for ${label}` +
            `${remoteSets.length > 0 ? ` other than for members of ipset ${list(remoteSets)} (remote-group rules)` : ""}: ` +
            `that traffic from any other address is dropped on the VM's qbr bridge. The snapshot has no security-group rules for ${one ? "this port" : "these ports"}: the chain is what the agent enforces.`,
          evidence: uniqueRefs(
            ports.flatMap(({ verdicts }) =>
              verdicts.flatMap((v) => [v.by?.evidence, ...v.partial.map((r) => r.evidence)]),
            ),
          ),
          fix: [
            ...unknown.map(({ hp, port }) =>
              port
                ? `openstack port show ${port.id} -c security_group_ids`
                : `openstack port list --long -f value -c ID -c "Security Groups" | grep ^${hp.stem}`,
            ),
            ...groups.flatMap((g) => createCommands(g, missing, false)),
            ...(unknown.length > 0 ? createCommands("<security group of the port>", missing, false) : []),
            ...ports.map(({ hp }) => `iptables -S ${hp.ingress!.name}`),
          ],
        }),
      );
    }
  }
  return findings;
}

const hybridChainsMissing: Rule = {
  id: "security.hybrid-chains-missing",
  title: "Security groups not applied: hybrid firewall chains missing for an active port",
  severity: "error",
  category: "security",
  faults: ["F06"],
  doc: {
    checks:
      "For every ACTIVE VM port bound with ovs_hybrid_plug=true: the host's iptables has the port's chain " +
      "`neutron-openvswi-i<port[:10]>` (only when the host's whole filter table is in the snapshot and its " +
      "firewall_driver is the hybrid one).",
    why:
      "The OVS agent writes these chains when it wires the port; without them the VM's traffic is not filtered " +
      "by its security groups at all. Usually the agent is dead or failed on the port (F06).",
    fix: "Restart neutron-openvswitch-agent on the node, then check the chain exists (`iptables -S neutron-openvswi-i<port[:10]>`).",
  },
  run({ model }) {
    const findings: Finding[] = [];
    for (const node of model.nodes) {
      const host = node.firewall?.host;
      if (!host?.complete) continue;
      const driver = node.config.options["securitygroup.firewall_driver"];
      if (driver !== undefined && !/hybrid/i.test(driver)) continue;
      if (/^(false|0|no)$/i.test(node.config.options["securitygroup.enable_security_group"] ?? "")) continue;
      const missing = model.ports.filter(
        (p) =>
          isVmPort(p) &&
          p.status === "ACTIVE" &&
          p.ovsHybridPlug === true &&
          (p.securityGroups?.length ?? 0) > 0 &&
          hostsPort(node, p.hostId) &&
          !node.firewall!.hybridPorts.some((h) => h.stem === p.id.slice(0, 10) && h.ingress),
      );
      if (missing.length === 0) continue;
      const sgChain = host.chains.find((c) => c.name === `${HYBRID_CHAIN_PREFIX}sg-chain`);
      const none = node.firewall!.hybridPorts.length === 0;
      const forward = host.chains.find((c) => c.name === "FORWARD");
      const policy = forward?.policy;
      findings.push(
        finding(hybridChainsMissing, {
          node: node.name,
          object:
            missing.length === 1
              ? `port ${describeVmPort(model, missing[0]!)}`
              : `${missing.length} ports: ${missing.map((p) => describeVmPort(model, p)).join(", ")}`,
          title: `No hybrid firewall chain on ${node.name} for ${missing.length === 1 ? "an active port" : `${missing.length} active ports`}: security groups not applied`,
          explanation:
            `The OVS agent creates ${list(missing.map((p) => hybridChainName("i", p.id)))} when it wires a hybrid-plugged port; ` +
            `${none ? `this host has no per-port chain at all, so the agent applies no security group here` : "the other ports have theirs"}: ` +
            (policy === "DROP"
              ? "the VM's traffic falls through to the FORWARD policy DROP, whatever its security groups allow."
              : `the VM's traffic passes unfiltered${policy === undefined ? " (unless the FORWARD policy is DROP)" : ` (FORWARD policy ${policy})`}, whatever its security groups say.`),
          evidence: uniqueRefs([
            sgChain?.evidence ?? host.evidence,
            forward?.evidence,
            ...missing.map((p) => p.evidence),
          ]),
          fix: [
            `openstack network agent list --host ${node.name} --agent-type open-vswitch`,
            `systemctl restart neutron-openvswitch-agent`,
            ...missing.map((p) => `iptables -S ${hybridChainName("i", p.id)}`),
          ],
        }),
      );
    }
    return findings;
  },
};

const brNetfilterOff: Rule = {
  id: "security.br-netfilter-off",
  title: "br_netfilter off: security groups silently not enforced (hybrid driver)",
  severity: "error",
  category: "security",
  faults: ["F40"],
  doc: {
    checks:
      "On nodes that filter hybrid-plugged ports (per-port neutron-openvswi chains, or ports bound there with " +
      "ovs_hybrid_plug): `net.bridge.bridge-nf-call-iptables` is 1. Absent from a sysctl listing means the " +
      "br_netfilter module is not loaded.",
    why:
      "The hybrid driver filters in iptables the frames crossing the qbr Linux bridge; without br_netfilter " +
      "bridged frames never reach iptables, so every rule is skipped and the chains' counters stay at 0.",
    fix: "`modprobe br_netfilter; sysctl -w net.bridge.bridge-nf-call-iptables=1`, persisted in /etc/modules-load.d and /etc/sysctl.d.",
  },
  run({ model }) {
    const findings: Finding[] = [];
    for (const node of model.nodes) {
      if (!node.sysctlEvidence) continue;
      const hybrid =
        (node.firewall?.hybridPorts.length ?? 0) > 0 ||
        model.ports.some((p) => p.ovsHybridPlug === true && hostsPort(node, p.hostId));
      if (!hybrid) continue;
      const key = "net.bridge.bridge-nf-call-iptables";
      const value = node.sysctl[key];
      if (value === "1") continue;
      // A listing without any net.* key says nothing about br_netfilter.
      if (value === undefined && !Object.keys(node.sysctl).some((k) => k.startsWith("net."))) continue;
      const chain = node.firewall?.hybridPorts[0]?.ingress;
      findings.push(
        finding(brNetfilterOff, {
          node: node.name,
          object: `sysctl ${key}`,
          title:
            value === undefined
              ? `br_netfilter not loaded on ${node.name}: security groups not enforced`
              : `${key} = ${value} on ${node.name}: security groups not enforced`,
          explanation:
            `${value === undefined ? `${key} is absent from the sysctl output, so the br_netfilter module is not loaded` : `Bridged frames are not passed to iptables`}: ` +
            `traffic crossing the qbr bridges of the hybrid firewall skips every neutron-openvswi chain, so the VMs on ${node.name} get whatever their security groups should drop.`,
          evidence: uniqueRefs([node.sysctlEvidence, chain?.evidence]),
          fix: [
            "modprobe br_netfilter",
            "sysctl -w net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1",
            "echo br_netfilter > /etc/modules-load.d/br_netfilter.conf",
            "printf 'net.bridge.bridge-nf-call-iptables = 1\\nnet.bridge.bridge-nf-call-ip6tables = 1\\n' > /etc/sysctl.d/99-bridge-nf.conf",
            "iptables -vnL neutron-openvswi-sg-chain",
          ],
        }),
      );
    }
    return findings;
  },
};

const conntrackFull: Rule = {
  id: "security.conntrack-full",
  title: "conntrack table near full",
  severity: "warning",
  category: "security",
  faults: ["F33"],
  doc: {
    checks:
      "`net.netfilter.nf_conntrack_count` against `net.netfilter.nf_conntrack_max`: above 90% (error when full).",
    why:
      "Security groups and NAT track every connection; when the table is full the kernel drops new connections " +
      "('nf_conntrack: table full, dropping packet'): random timeouts under load, established sessions unaffected.",
    fix: "Raise nf_conntrack_max (and persist it), then find the source of the connections.",
  },
  run({ model }) {
    const findings: Finding[] = [];
    for (const node of model.nodes) {
      const count = Number(node.sysctl["net.netfilter.nf_conntrack_count"]);
      const max = Number(
        node.sysctl["net.netfilter.nf_conntrack_max"] ?? node.sysctl["net.nf_conntrack_max"],
      );
      if (!Number.isFinite(count) || !Number.isFinite(max) || max <= 0 || count / max <= 0.9) continue;
      const full = count >= max;
      findings.push(
        finding(conntrackFull, {
          node: node.name,
          object: "sysctl net.netfilter.nf_conntrack_count",
          severity: full ? "error" : "warning",
          title: `conntrack table ${full ? "full" : `${Math.floor((count / max) * 100)}% full`} on ${node.name} (${count} of ${max})`,
          explanation:
            `Once the table is full the kernel drops every new connection through ${node.name} ("nf_conntrack: table full, dropping packet"): ` +
            "new pings, SSH sessions and NATed flows time out at random while established ones keep working.",
          evidence: uniqueRefs([node.sysctlEvidence]),
          fix: [
            "conntrack -S",
            "dmesg | grep 'nf_conntrack: table full'",
            `sysctl -w net.netfilter.nf_conntrack_max=${max * 2}`,
            `echo 'net.netfilter.nf_conntrack_max = ${max * 2}' > /etc/sysctl.d/99-conntrack.conf`,
          ],
        }),
      );
    }
    return findings;
  },
};

/** FWaaS chains in a router namespace: `neutron-l3-agent-iv4<firewall>` (to the tenant side), `-ov4…` (from it). */
const FWAAS_CHAIN = /-([io])v4[0-9a-f]+$/;

const fwaasDropsIcmp: Rule = {
  id: "security.fwaas-drops-icmp",
  title: "FWaaS in a router namespace drops ICMP",
  severity: "info",
  category: "security",
  faults: ["guide:iptables-and-security-rules"],
  doc: {
    checks:
      "In each router namespace's iptables-save: whether the FWaaS chains (`neutron-l3-agent-iv4…`/`-ov4…`) let " +
      "new ICMP through, or drop it by a rule or by the firewall's default DROP (`fwaas-defau`).",
    why:
      "A firewall policy on the router drops routed pings whatever the security groups allow: 'ping fails across " +
      "the router but works inside the network'. Often deliberate, hence info.",
    fix: "Add an ICMP allow rule to the firewall policy, above the deny.",
  },
  run({ model }) {
    const icmp: Need = { label: "ICMP", protocol: "icmp" };
    const findings: Finding[] = [];
    for (const node of model.nodes) {
      for (const { name: ns, filter } of node.firewall?.namespaces ?? []) {
        const defaultDrop = filter.chains
          .find((c) => c.name.endsWith("-fwaas-defau"))
          ?.rules.find((r) => r.target === "DROP" && r.protocol === undefined && r.otherMatches.length === 0);
        const drops = filter.chains
          .filter((c) => FWAAS_CHAIN.test(c.name))
          .flatMap((c) => {
            const v = chainVerdict(c, icmp);
            const by = v.admitted === false ? v.by : v.admitted === undefined ? defaultDrop : undefined;
            return by ? [{ chain: c, by, toTenant: FWAAS_CHAIN.exec(c.name)![1] === "i" }] : [];
          });
        if (drops.length === 0) continue;
        const objectId = node.namespaces.find((n) => n.name === ns)?.objectId;
        const router = model.routers.find((r) => r.id === objectId);
        const where = list([
          ...new Set(drops.map((d) => (d.toTenant ? "to the tenant networks" : "from them"))),
        ]);
        findings.push(
          finding(fwaasDropsIcmp, {
            node: node.name,
            object: `router ${router?.name ?? objectId ?? ns} (${ns})`,
            title: `FWaaS on ${router?.name ?? ns} drops ICMP routed ${where}`,
            explanation:
              `${list(drops.map((d) => `${d.chain.name} ${d.by === defaultDrop ? "ends in the firewall's default DROP" : "drops ICMP by rule"}`))}: ` +
              "pings across this router fail whatever the VMs' security groups allow; pings inside one network are not affected.",
            evidence: uniqueRefs(drops.map((d) => d.by.evidence)),
            fix: [
              ...drops.map((d) => `ip netns exec ${ns} iptables -S ${d.chain.name}`),
              "openstack firewall group list --long   # FWaaS v2; v1: neutron firewall-list",
              "neutron firewall-rule-create --protocol icmp --action allow --name allow-icmp",
              "neutron firewall-policy-insert-rule <firewall policy> allow-icmp",
            ],
          }),
        );
      }
    }
    return findings;
  },
};

export const securityGroupRules: Rule[] = [
  ingressAllowed,
  hybridChainsMissing,
  brNetfilterOff,
  conntrackFull,
  fwaasDropsIcmp,
];
