/**
 * `netdoctor show` for people: per node the NICs, the bridge → port chain with tags and peers, namespaces
 * and VMs; then the cloud-wide VLAN translation table.
 */
import Table from "cli-table3";
import pc from "picocolors";
import type { Bridge, CloudModel, NeutronPort, NodeModel, OvsPort } from "../model/types.js";
import { vlanTable } from "./vlan-table.js";

function portLine(p: OvsPort, model: CloudModel): string {
  const parts = [p.ofport !== undefined ? String(p.ofport).padStart(3) : "  -", p.name];
  if (p.type && p.type !== "") parts.push(pc.dim(p.type));
  if (p.tag !== undefined) parts.push(p.tag === 4095 ? pc.red("tag 4095 (dead VLAN)") : `tag ${p.tag}`);
  if (p.trunks.length > 0) parts.push(`trunks ${p.trunks.join(",")}`);
  if (p.peer !== undefined) parts.push(`⇄ ${p.peer}`);
  const port = p.neutronPortId ? model.ports.find((x) => x.id === p.neutronPortId) : undefined;
  if (port) parts.push(pc.dim(describePort(port, model)));
  if (p.error !== undefined) parts.push(pc.red(`error: ${p.error}`));
  return parts.join("  ");
}

function describePort(port: NeutronPort, model: CloudModel): string {
  const net = model.networks.find((n) => n.id === port.networkId);
  const ips = port.fixedIps.map((f) => f.ip).join(",");
  return [
    `port ${port.id.slice(0, 8)}`,
    net ? `net ${net.name}` : undefined,
    ips || undefined,
    port.deviceOwner,
  ]
    .filter(Boolean)
    .join(" ");
}

function bridgeBlock(b: Bridge, model: CloudModel): string[] {
  const head = [pc.bold(b.name)];
  if (b.failMode) head.push(`fail_mode ${b.failMode}`);
  if (b.datapathType) head.push(`datapath ${b.datapathType}`);
  if (b.flows) head.push(pc.dim(`${b.flows.flows.length} flows`));
  const ports = [...b.ports].sort(
    (x, y) => (x.ofport ?? 1e9) - (y.ofport ?? 1e9) || x.name.localeCompare(y.name),
  );
  return [`  ${head.join("  ")}`, ...ports.map((p) => `    ${portLine(p, model)}`)];
}

function nodeBlock(node: NodeModel, model: CloudModel): string[] {
  const out = [
    pc.bold(pc.cyan(`node ${node.name}`)) + (node.roles.length ? `  [${node.roles.join(", ")}]` : ""),
  ];
  if (node.nics.length) {
    out.push("  NICs");
    for (const nic of node.nics) {
      const l = nic.link;
      const bits = [`    ${nic.name}`, nic.role ? `${nic.role}${nic.physnet ? `(${nic.physnet})` : ""}` : ""];
      if (l)
        bits.push(
          l.up && l.lowerUp ? pc.green("UP") : pc.red(l.up ? "NO-CARRIER" : "DOWN"),
          l.mtu ? `mtu ${l.mtu}` : "",
        );
      if (nic.bridge) bits.push(`in ${nic.bridge}`);
      if (nic.driver?.driver) bits.push(pc.dim(`driver ${nic.driver.driver}`));
      if (nic.lldp) {
        const x = nic.lldp;
        bits.push(
          `— switch ${x.systemName ?? "?"} port ${x.portDescr ?? x.portId ?? "?"}${x.pvid !== undefined ? ` PVID ${x.pvid}` : ""} ${x.mode}`,
        );
      } else bits.push(pc.dim("— no LLDP seen"));
      out.push(bits.filter(Boolean).join("  "));
    }
  }
  for (const b of node.bridges) out.push(...bridgeBlock(b, model));
  for (const lb of node.linuxBridges)
    out.push(`  ${pc.bold(lb.name)}  ${pc.dim("linux bridge")}  ${lb.interfaces.join(", ")}`);
  for (const ns of node.namespaces) {
    const owner =
      ns.kind === "qrouter"
        ? model.routers.find((r) => r.id === ns.objectId)?.name
        : ns.kind === "qdhcp"
          ? model.networks.find((n) => n.id === ns.objectId)?.name
          : undefined;
    out.push(`  ${pc.bold(ns.name)}${owner ? `  (${owner})` : ""}`);
    for (const l of ns.links.filter((x) => x.name !== "lo")) {
      out.push(`    ${l.name}  ${l.up ? "UP" : pc.red("DOWN")}  ${l.addresses.map((a) => a.cidr).join(" ")}`);
    }
    const def = ns.routes.find((r) => r.dst === "default" && (r.table === undefined || r.table === "main"));
    if (def) out.push(`    default via ${def.via ?? "?"} dev ${def.dev ?? "?"}`);
    if (ns.natRules.length) out.push(pc.dim(`    ${ns.natRules.length} NAT rules`));
  }
  for (const vm of node.vms) {
    out.push(`  ${pc.bold(`VM ${vm.domain}`)}${vm.uuid ? pc.dim(` ${vm.uuid}`) : ""}`);
    for (const i of vm.interfaces) {
      const chain = i.chain
        .map(
          (c) =>
            (c.present ? c.device : pc.red(`${c.device} (missing)`)) + (c.note ? pc.dim(` [${c.note}]`) : ""),
        )
        .join(" → ");
      const port = i.neutronPortId ? model.ports.find((p) => p.id === i.neutronPortId) : undefined;
      out.push(`    ${i.mac ?? "?"}  ${chain}${port ? pc.dim(`  ${describePort(port, model)}`) : ""}`);
    }
  }
  return out;
}

export function renderShowText(model: CloudModel): string {
  const out: string[] = [];
  for (const node of model.nodes) out.push(...nodeBlock(node, model), "");
  const nodes = model.nodes.map((n) => n.name);
  const table = new Table({
    head: ["network", "type", "physnet", "seg id", ...nodes.map((n) => `${n} in/out/tags`)],
    style: { head: [], border: [] },
  });
  for (const row of vlanTable(model)) {
    table.push([
      row.network ?? pc.dim("(not in Neutron view)"),
      row.networkType ?? "",
      row.physnet ?? "",
      row.segmentationId ?? "untagged",
      ...nodes.map((n) => {
        const c = row.perNode[n];
        if (!c) return "";
        const fmt = (xs: number[]) => (xs.length ? xs.join(",") : "-");
        const all = new Set([...c.ingress, ...c.egress, ...c.portTags]);
        const cell = `${fmt(c.ingress)} / ${fmt(c.egress)} / ${fmt(c.portTags)}`;
        return all.size > 1 ? pc.red(cell) : cell;
      }),
    ]);
  }
  out.push(
    pc.bold(
      "VLAN translation (local VLAN per node: br-int ingress flow / provider-bridge egress flow / port tags)",
    ),
  );
  out.push(table.toString());
  const problems = [
    ...model.warnings.map((w) => `${w.object}: ${w.message}`),
    ...model.issues.map((i) => `${i.object}: ${i.message}`),
  ];
  if (problems.length) {
    out.push("", pc.yellow(`${problems.length} gaps in the evidence (parsing goes on without them):`));
    for (const p of problems) out.push(`  ${p}`);
  }
  return `${out.join("\n")}\n`;
}
