/**
 * `netdoctor collect --lab`: the evidence catalogue's real commands run inside each lab node (its namespace,
 * its OVS and lldpd at their default paths), plus the Neutron API view. The lab keeps a node's files under the
 * lab dir instead of /etc: the transport maps those paths, the way a real node would show them.
 */
import { join } from "node:path";
import type { CollectTarget } from "../collect/collect.js";
import { LocalTransport } from "../collect/local.js";
import type { Role } from "../snapshot/catalogue.js";
import { execArgv } from "./cli.js";
import { NEUTRON_ENDPOINT } from "./neutron-api.js";
import { LabPaths } from "./paths.js";
import { type LabNode, NODES } from "./topology.js";

/** Where a lab node keeps what a real node keeps under /etc. */
export function labFileMap(paths: LabPaths, node: LabNode): [string, string][] {
  const hp = paths.host(node.name);
  const map: [string, string][] = [
    ["/etc/neutron/neutron.conf", join(hp.neutron, "neutron.conf")],
    ["/etc/neutron/plugins/ml2/openvswitch_agent.ini", join(hp.neutron, "openvswitch_agent.ini")],
    ["/etc/neutron/dhcp_agent.ini", join(hp.neutron, "dhcp_agent.ini")],
    ["/etc/neutron/l3_agent.ini", join(hp.neutron, "l3_agent.ini")],
    ["/etc/libvirt/qemu", join(hp.root, "etc", "libvirt", "qemu")],
  ];
  if (node.services.includes("neutron-server")) {
    map.push(["/etc/neutron/plugins/ml2/ml2_conf.ini", join(paths.neutronServer, "ml2_conf.ini")]);
  }
  return map;
}

function mapPaths(map: [string, string][], argv: readonly string[]): string[] {
  return argv.map((a) => {
    for (const [real, lab] of map)
      if (a === real || a.startsWith(`${real}/`)) return lab + a.slice(real.length);
    return a;
  });
}

/**
 * The lab's nodes share this machine's /run/netns, so `ip netns` inside any of them lists every namespace of
 * the machine. A real node lists only its own: the network node owns the agents' qdhcp-/qrouter- namespaces,
 * the others none.
 */
class LabNodeTransport extends LocalTransport {
  constructor(
    name: string,
    wrap: (argv: readonly string[]) => readonly string[],
    private readonly ownsAgentNamespaces: boolean,
  ) {
    super(name, wrap);
  }

  override async exec(argv: readonly string[], opts: { timeoutMs: number }) {
    const r = await super.exec(argv, opts);
    if (argv.join(" ") !== "ip netns list") return r;
    const own = r.stdout.split("\n").filter((l) => this.ownsAgentNamespaces && /^(qdhcp|qrouter)-/.test(l));
    return { ...r, stdout: own.map((l) => `${l}\n`).join("") };
  }
}

export function labTargets(labDir: string): CollectTarget[] {
  const paths = new LabPaths(labDir);
  return NODES.map((node) => {
    const map = labFileMap(paths, node);
    return {
      name: node.name,
      roles: [...node.roles] as Role[],
      nics: node.nics.map((n) => ({
        name: n.name,
        role: n.role,
        ...(n.bridge ? { bridge: n.bridge } : {}),
        ...(n.physnet ? { physnet: n.physnet } : {}),
      })),
      lldpWaitSeconds: 5,
      transport: new LabNodeTransport(
        `lab:${node.name}`,
        (argv) => execArgv(labDir, node.name, mapPaths(map, argv)),
        node.agents.includes("l3") || node.agents.includes("dhcp"),
      ),
    };
  });
}

export const LAB_API = { network: NEUTRON_ENDPOINT } as const;
