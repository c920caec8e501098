/**
 * `netdoctor trace`'s core: endpoints → the request walked hop by hop → the reply walked back from where the
 * request arrived (the guide's "request goes out, no reply comes back" case) → one verdict.
 */
import type { CloudModel, Nic, NodeModel } from "../model/types.js";
import type { CompiledBridge } from "../openflow/pipeline.js";
import { EndpointError, endpointNamespace, resolveEndpoints } from "./endpoints.js";
import type { FdbTables } from "./fdb.js";
import {
  inCidr,
  networkById,
  nicForPhysnet,
  nodeByName,
  ovsPortByName,
  ownerOfIp,
  portByMac,
  subnetById,
  subnetOfIp,
} from "./topology.js";
import type { Endpoint, TracePath, TraceProto, TraceReport } from "./types.js";
import {
  type Arrival,
  type ConntrackEntry,
  EXTERNAL_MAC,
  type Start,
  type WalkContext,
  Walker,
  type WalkPacket,
} from "./walk.js";

export { EndpointError } from "./endpoints.js";

export interface TraceOptions {
  from: string;
  to: string;
  proto?: TraceProto;
  /** Trace the reply too (default true). */
  reply?: boolean;
  /** MAC tables from the snapshot (fdb.ts). */
  fdb?: FdbTables;
}

/** `icmp`, `tcp:22`, `udp:53` (a bare `tcp`/`udp` means port 0: give one). */
export function parseProto(text: string): TraceProto {
  const m = /^(icmp|tcp|udp)(?::(\d{1,5}))?$/i.exec(text.trim());
  if (!m) throw new EndpointError(`--proto ${text}: expected icmp, tcp:PORT or udp:PORT`);
  const name = (m[1] as string).toLowerCase() as TraceProto["name"];
  if (name === "icmp") {
    if (m[2] !== undefined) throw new EndpointError(`--proto ${text}: icmp has no port`);
    return { name };
  }
  if (m[2] === undefined)
    throw new EndpointError(`--proto ${text}: give the destination port (${name}:PORT)`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new EndpointError(`--proto ${text}: port out of range`);
  return { name, port };
}

/** The MAC a host on `cidr` sends to for `dstIp`: the owner if on-link, else the gateway's. */
function firstHopMac(
  model: CloudModel,
  cidr: string | undefined,
  gateway: string | undefined,
  dstIp: string,
  net: string,
): { mac: string } | { error: string } {
  if (cidr !== undefined && inCidr(dstIp, cidr)) {
    const owner = ownerOfIp(model, dstIp);
    if (owner?.mac) return { mac: owner.mac };
    return {
      error: `ARP for ${dstIp} on ${net} (${cidr}) gets no answer: no Neutron port, VM or namespace of the snapshot holds ${dstIp}`,
    };
  }
  if (gateway === undefined)
    return {
      error: `${dstIp} is off ${net}${cidr ? ` (${cidr})` : ""} and the subnet has no gateway: no route`,
    };
  const gw = ownerOfIp(model, gateway);
  if (gw?.mac) return { mac: gw.mac };
  return {
    error: `${dstIp} is off ${net} (${cidr ?? "?"}); its gateway ${gateway} answers no ARP: no router interface or port holds ${gateway}`,
  };
}

function droppedAtStart(
  direction: TracePath["direction"],
  proto: TraceProto,
  node: string,
  device: string,
  pkt: WalkPacket,
  reason: string,
  evidence: TracePath["hops"][number]["evidence"],
): TracePath {
  const packet: TracePath["packet"] = { srcMac: pkt.srcMac, dstMac: pkt.dstMac, proto };
  if (pkt.srcIp) packet.srcIp = pkt.srcIp;
  if (pkt.dstIp) packet.dstIp = pkt.dstIp;
  const hopPacket: TracePath["hops"][number]["packet"] = { srcMac: pkt.srcMac, dstMac: pkt.dstMac };
  if (pkt.srcIp) hopPacket.srcIp = pkt.srcIp;
  if (pkt.dstIp) hopPacket.dstIp = pkt.dstIp;
  return {
    direction,
    packet,
    hops: [
      {
        index: 1,
        node,
        component: device,
        componentKind: "device",
        direction: "in",
        action: "dropped",
        vlan: "untagged",
        packet: hopPacket,
        reason,
        evidence,
      },
    ],
    verdict: { status: "dropped", hop: 1, where: `${node} ${device}`, reason },
  };
}

interface Planned {
  start?: Start;
  network?: import("../model/types.js").Network;
  /** The path when the packet cannot even leave (ARP, no gateway). */
  failed?: TracePath;
}

function vmStart(
  model: CloudModel,
  ctx: WalkContext,
  node: NodeModel,
  ep: { domain: string; device?: string; mac?: string },
  srcIp: string | undefined,
  dstIp: string,
): Planned {
  const vm = node.vms.find((v) => v.domain === ep.domain);
  const iface =
    vm?.interfaces.find(
      (i) => (ep.device !== undefined && i.tap === ep.device) || (ep.mac !== undefined && i.mac === ep.mac),
    ) ?? vm?.interfaces[0];
  if (!vm || !iface) throw new EndpointError(`${ep.domain} has no interface in the snapshot`);
  const port = iface.neutronPortId
    ? model.ports.find((p) => p.id === iface.neutronPortId)
    : portByMac(model, iface.mac ?? "");
  const fixed = port?.fixedIps.find((f) => f.ip === srcIp) ?? port?.fixedIps[0];
  const subnet =
    subnetById(model, fixed?.subnetId) ?? (fixed ? subnetOfIp(model, fixed.ip, port?.networkId) : undefined);
  const network = networkById(model, port?.networkId ?? subnet?.networkId);
  const pkt: WalkPacket = { srcMac: iface.mac ?? "00:00:00:00:00:00", dstMac: "", vlans: [], dstIp };
  const ip = srcIp ?? fixed?.ip;
  if (ip) pkt.srcIp = ip;
  const hop = firstHopMac(model, subnet?.cidr, subnet?.gatewayIp, dstIp, network?.name ?? "its network");
  if ("error" in hop) {
    return {
      failed: droppedAtStart(
        ctx.direction,
        ctx.proto,
        node.name,
        iface.tap ?? "?",
        { ...pkt, dstMac: "ff:ff:ff:ff:ff:ff" },
        `${vm.domain}: ${hop.error}`,
        [vm.evidence, ...(subnet?.evidence ? [subnet.evidence] : [])],
      ),
    };
  }
  pkt.dstMac = hop.mac;
  ctx.assumptions.add(
    "ARP is assumed resolved: every sender knows the next hop's MAC (the snapshot's owner of that address)",
  );
  return { start: { kind: "vm", node, vm, iface, pkt }, ...(network ? { network } : {}) };
}

function wireStart(node: NodeModel, nic: Nic, pkt: WalkPacket, from: string): Start {
  const ovs = ovsPortByName(node, nic.name);
  if (!ovs)
    throw new EndpointError(
      `${node.name}:${nic.name} is not in an OVS bridge: the trace starts where OVS receives the frame`,
    );
  return { kind: "wire-in", node, nic, bridge: ovs.bridge, port: ovs.port, pkt, from };
}

/** The request's start from the source endpoint. */
function planRequest(model: CloudModel, ctx: WalkContext, from: Endpoint, to: Endpoint): Planned {
  const dstIp = to.ip;
  if (dstIp === undefined) throw new EndpointError(`--to ${to.spec}: no IPv4 address known for it`);
  switch (from.kind) {
    case "vm": {
      const node = nodeByName(model, from.node ?? "") as NodeModel;
      return vmStart(
        model,
        ctx,
        node,
        {
          domain: from.vm?.domain ?? "",
          ...(from.device ? { device: from.device } : {}),
          ...(from.mac ? { mac: from.mac } : {}),
        },
        from.ip,
        dstIp,
      );
    }
    case "router":
    case "namespace": {
      const found = endpointNamespace(model, from);
      if (!found)
        throw new EndpointError(
          `--from ${from.spec}: ${from.label} has no namespace in the snapshot to send from`,
        );
      return {
        start: {
          kind: "ns",
          node: found.node,
          ns: found.ns,
          pkt: { srcMac: from.mac ?? "00:00:00:00:00:00", dstMac: "", vlans: [], dstIp },
        },
      };
    }
    case "nic": {
      const node = nodeByName(model, from.node ?? "") as NodeModel;
      const nic = node.nics.find((n) => n.name === from.device) ?? {
        name: from.device ?? "",
        ...(node.links.find((l) => l.name === from.device)
          ? { link: node.links.find((l) => l.name === from.device) }
          : {}),
      };
      const owner = ownerOfIp(model, dstIp);
      if (!owner?.mac)
        throw new EndpointError(
          `--to ${to.spec}: no port or namespace of the snapshot holds ${dstIp}, so a frame from the switch has no MAC to go to`,
        );
      const port = owner.neutronPort ?? portByMac(model, owner.mac);
      const network = networkById(model, port?.networkId);
      const physnet =
        nic.physnet ??
        node.config.bridgeMappings.find(
          (m) => m.bridge === (nic.bridge ?? ovsPortByName(node, nic.name)?.bridge.name),
        )?.physnet;
      const vlans =
        network?.networkType === "vlan" &&
        network.segmentationId !== undefined &&
        (physnet === undefined || network.physnet === physnet)
          ? [network.segmentationId]
          : [];
      const pkt: WalkPacket = {
        srcMac: EXTERNAL_MAC,
        dstMac: owner.mac,
        vlans,
        dstIp,
        srcIp: from.ip ?? "198.51.100.1",
      };
      if (from.ip === undefined)
        ctx.assumptions.add(
          `${from.spec} has no IPv4 address: the frame's source 198.51.100.1 stands for a host behind the switch`,
        );
      ctx.assumptions.add(
        `a frame from the switch on ${from.spec}: source MAC ${EXTERNAL_MAC} stands for the sender, ${vlans.length ? `tagged ${vlans[0]} (${network?.name})` : "untagged"}`,
      );
      return {
        start: wireStart(node, nic, pkt, `the switch`),
        ...(network ? { network } : {}),
      };
    }
    case "external": {
      const srcIp = from.ip as string;
      // Enter where the destination faces the external network.
      let gatewayNs = endpointNamespace(model, to);
      let dstMac = to.mac;
      if (to.kind === "vm" || !gatewayNs) {
        // A tenant address: through the router that has an interface on its subnet.
        for (const node of model.nodes) {
          for (const ns of node.namespaces) {
            if (ns.kind !== "qrouter") continue;
            const onSubnet =
              to.cidr !== undefined &&
              ns.links.some((l) =>
                l.addresses.some(
                  (a) => a.family === "inet" && inCidr(dstIp, a.cidr) && !a.cidr.endsWith("/32"),
                ),
              );
            const qg = ns.links.find((l) => l.name.startsWith("qg-"));
            if (onSubnet && qg) {
              gatewayNs = { node, ns };
              dstMac = qg.mac;
              const gwIp = qg.addresses.find((a) => a.family === "inet")?.cidr.split("/")[0];
              ctx.assumptions.add(
                `the upstream router is assumed to route ${to.cidr} to ${ns.name}'s gateway ${gwIp ?? "?"} (no floating IP is used)`,
              );
            }
          }
        }
      }
      if (!gatewayNs || !dstMac)
        throw new EndpointError(
          `--from ${from.spec} --to ${to.spec}: no router of the snapshot faces the outside for ${dstIp}`,
        );
      const qg =
        gatewayNs.ns.links.find((l) => l.mac === dstMac) ??
        gatewayNs.ns.links.find((l) => l.name.startsWith("qg-"));
      const qgPort = qg?.mac ? portByMac(model, qg.mac) : undefined;
      const network =
        networkById(model, qgPort?.networkId) ?? networkById(model, subnetOfIp(model, dstIp)?.networkId);
      const entry = nicForPhysnet(gatewayNs.node, network?.physnet);
      if (!entry)
        throw new EndpointError(
          `${gatewayNs.node.name} has no NIC for the external network ${network?.name ?? "?"} (physnet ${network?.physnet ?? "?"})`,
        );
      const vlans =
        network?.networkType === "vlan" && network.segmentationId !== undefined
          ? [network.segmentationId]
          : [];
      const pkt: WalkPacket = { srcMac: EXTERNAL_MAC, dstMac: dstMac as string, vlans, srcIp, dstIp };
      ctx.assumptions.add(`the external sender's MAC is not in the snapshot: ${EXTERNAL_MAC} stands for it`);
      return {
        start: wireStart(gatewayNs.node, entry.nic, pkt, `${srcIp} (outside)`),
        ...(network ? { network } : {}),
      };
    }
  }
}

/** The reply's start from where the request arrived. */
function planReply(model: CloudModel, ctx: WalkContext, arrival: Arrival): Planned | { skipped: string } {
  const req = arrival.pkt;
  if (req.srcIp === undefined || req.dstIp === undefined)
    return { skipped: "the request has no source or destination address to reply between" };
  switch (arrival.kind) {
    case "vm":
      return vmStart(
        model,
        ctx,
        arrival.node,
        {
          domain: arrival.vm.domain,
          ...(arrival.iface.tap ? { device: arrival.iface.tap } : {}),
          ...(arrival.iface.mac ? { mac: arrival.iface.mac } : {}),
        },
        req.dstIp,
        req.srcIp,
      );
    case "ns": {
      const pkt: WalkPacket = {
        srcMac: "00:00:00:00:00:00",
        dstMac: "",
        vlans: [],
        srcIp: req.dstIp,
        dstIp: req.srcIp,
      };
      return { start: { kind: "ns", node: arrival.node, ns: arrival.ns, pkt } };
    }
    case "wire": {
      const pkt: WalkPacket = {
        srcMac: EXTERNAL_MAC,
        dstMac: req.srcMac,
        vlans: [...req.vlans],
        srcIp: req.dstIp,
        dstIp: req.srcIp,
      };
      return {
        start: {
          kind: "wire-in",
          node: arrival.node,
          nic: arrival.nic,
          bridge: arrival.bridge,
          port: arrival.port,
          pkt,
          from: `${req.dstIp} (outside)`,
        },
        ...(arrival.network ? { network: arrival.network } : {}),
      };
    }
  }
}

function summary(p: TracePath): string {
  const v = p.verdict;
  if (v.status === "delivered") return v.reason;
  const by = v.flow ? ` by ${v.flow.summary}` : v.rule?.text ? ` by ${v.rule.text.trim()}` : "";
  const cause = v.cause
    ? `; cause at hop ${v.cause.hop}${v.cause.flow ? ` (${v.cause.flow.node} ${v.cause.flow.bridge}: ${v.cause.flow.summary})` : ""}`
    : "";
  return `${v.status} at hop ${v.hop ?? "?"} (${v.where})${by}${cause}`;
}

export function traceRoute(model: CloudModel, opts: TraceOptions): TraceReport {
  const proto = opts.proto ?? { name: "icmp" };
  const { from, to } = resolveEndpoints(model, opts.from, opts.to);
  const assumptions = new Set<string>();
  const warnings = new Set<string>();
  const conntrack: ConntrackEntry[] = [];
  const compiled = new Map<string, CompiledBridge>();
  const base = {
    model,
    proto,
    conntrack,
    assumptions,
    warnings,
    compiled,
    ...(opts.fdb ? { fdb: opts.fdb } : {}),
  };
  const reqCtx: WalkContext = { ...base, direction: "request", externalDestination: to.kind === "external" };
  const plan = planRequest(model, reqCtx, from, to);
  let request: TracePath;
  let arrival: Arrival | undefined;
  if (plan.failed) request = plan.failed;
  else {
    const w = new Walker(reqCtx, plan.start as Start, plan.network);
    request = w.run();
    arrival = w.arrival;
  }
  assumptions.add(
    "conntrack: the request is the first packet of a new connection (the nat table decides its NAT; OVS ct() returns +trk+new), the reply belongs to it (+trk+est+rpl)",
  );
  if (!opts.fdb || opts.fdb.size === 0)
    assumptions.add(
      "no MAC table (ovs-appctl fdb/show) in the snapshot: NORMAL floods unicast frames, the trace follows the copy towards the destination",
    );

  let reply: TracePath | undefined;
  let replySkipped: string | undefined;
  if (opts.reply === false) replySkipped = "not asked for (--no-reply)";
  else if (request.verdict.status !== "delivered" || arrival === undefined)
    replySkipped = "the request does not arrive, so no reply is sent";
  else if (from.kind === "nic" && from.ip === undefined)
    replySkipped = `${from.spec} has no address of its own to reply to`;
  else {
    const repCtx: WalkContext = {
      ...base,
      direction: "reply",
      externalDestination: from.kind === "external",
    };
    const rp = planReply(model, repCtx, arrival);
    if ("skipped" in rp) replySkipped = rp.skipped;
    else if (rp.failed) reply = rp.failed;
    else {
      const w = new Walker(repCtx, rp.start as Start, rp.network);
      reply = w.run();
    }
  }
  let verdict: TraceReport["verdict"];
  if (request.verdict.status !== "delivered")
    verdict = { status: request.verdict.status, summary: `request ${summary(request)}` };
  else if (reply && reply.verdict.status !== "delivered")
    verdict = {
      status: reply.verdict.status,
      summary: `request ${request.verdict.reason}; reply ${summary(reply)}`,
    };
  else
    verdict = {
      status: "delivered",
      summary: `request ${request.verdict.reason}${reply ? `; reply ${reply.verdict.reason}` : ""}`,
    };
  for (const n of [...from.notes, ...to.notes]) assumptions.add(n);
  const report: TraceReport = {
    from,
    to,
    proto,
    request,
    verdict,
    assumptions: [...assumptions],
    warnings: [...warnings],
  };
  if (reply) report.reply = reply;
  if (replySkipped) report.replySkipped = replySkipped;
  return report;
}
