/**
 * snapshot → CloudModel. Pure with respect to the cloud: it reads only the snapshot, and everything it cannot
 * read becomes a ModelIssue naming the file and line, never an exception.
 */
import { parsePs } from "../parse/ps.js";
import { parseSysctl } from "../parse/sysctl.js";
import type { Snapshot } from "../snapshot/reader.js";
import { buildConfig } from "./config.js";
import { EvidenceReader, lineRef } from "./evidence.js";
import { buildFirewall } from "./firewall.js";
import { buildLinks, buildLinuxBridges, buildNamespaces } from "./linux.js";
import { buildLogs } from "./logs.js";
import { classifyDevice } from "./naming.js";
import { buildCloud } from "./neutron.js";
import { buildNics } from "./nics.js";
import { buildBridges } from "./ovs.js";
import type { CloudModel, NodeModel } from "./types.js";
import { deriveVlanTranslations } from "./vlan-translation.js";
import { buildVms } from "./vms.js";

export function buildModel(snap: Snapshot): CloudModel {
  const ev = new EvidenceReader(snap);
  const cloud = buildCloud(ev);
  const nodes: NodeModel[] = [];
  for (const [name, node] of snap.nodes) {
    const links = buildLinks(ev, name);
    const bridges = buildBridges(ev, name);
    const linuxBridges = buildLinuxBridges(ev, name);
    const config = buildConfig(ev, name);
    const sysctl = ev.parse(`node:${name}`, ev.item(name, "sysctl"), parseSysctl);
    const ps = ev.parse(`node:${name}`, ev.item(name, "ps"), parsePs);
    nodes.push({
      name,
      roles: node.meta.roles,
      links,
      nics: buildNics(ev, name, node.meta, links, bridges),
      bridges,
      linuxBridges,
      namespaces: buildNamespaces(ev, name),
      vms: buildVms(ev, name, { links, linuxBridges, bridges }),
      vlanTranslations: deriveVlanTranslations(bridges, config.bridgeMappings),
      config,
      sysctl: sysctl?.value ?? {},
      ...(sysctl ? { sysctlEvidence: sysctl.ref } : {}),
      ...(ps
        ? { processes: ps.value.map((p) => ({ ...p, evidence: lineRef(ps.ref, p.line, p.args) })) }
        : {}),
      firewall: buildFirewall(ev, name),
      logs: buildLogs(ev, name),
    });
  }
  linkNeutronPorts(nodes, cloud.ports);
  return { nodes, ...cloud, issues: ev.issues, warnings: snap.warnings };
}

/** OVS ports without an iface-id are joined to Neutron ports by the 11-character stem in their name. */
function linkNeutronPorts(nodes: NodeModel[], ports: CloudModel["ports"]): void {
  const byStem = new Map(ports.map((p) => [p.id.slice(0, 11), p.id]));
  for (const node of nodes) {
    for (const b of node.bridges) {
      for (const p of b.ports) {
        if (p.neutronPortId !== undefined) continue;
        const stem = classifyDevice(p.name).portStem;
        const id = stem === undefined ? undefined : byStem.get(stem);
        if (id !== undefined) p.neutronPortId = id;
      }
    }
    for (const vm of node.vms) {
      for (const i of vm.interfaces) {
        if (i.neutronPortId !== undefined || i.tap === undefined) continue;
        const stem = classifyDevice(i.tap).portStem;
        const id = stem === undefined ? undefined : byStem.get(stem);
        if (id !== undefined) i.neutronPortId = id;
      }
    }
  }
}
