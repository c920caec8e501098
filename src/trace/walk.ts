/**
 * Follows one packet through the model hop by hop, offline:
 *
 * - VM side: tap → qbr (Linux bridge) → qvb ⇄ qvo (veth) into br-int, by the model's wiring;
 * - OVS bridges through the pipeline simulator (`simulate()`) with the bridge's ports (tag/trunks) and its MAC
 *   table when the snapshot has one; NORMAL without one floods, and only the copy towards the port where the
 *   destination MAC lives is followed (the others are named as flooded); patch ports jump to the peer bridge;
 * - a NIC in a provider bridge puts the frame on the wire: the switch carries the VLAN or not by the LLDP of both
 *   ends (VLAN list, PVID; else assumed carried, and said so), and the frame reaches the NIC of the node where the
 *   destination MAC lives, on the same physnet;
 * - namespaces: the nat table of the first packet (PREROUTING DNAT, POSTROUTING SNAT, walked chain by chain),
 *   the routing table (longest prefix), the next hop's MAC (ARP assumed answered by the owner of the address);
 *   on the reply, conntrack undoes the request's NAT.
 *
 * Every stop names the hop, the flow or rule and why. One walker traces one direction; trace.ts runs the
 * request, then the reply from where the request arrived.
 */
import { classifyDevice, DEAD_VLAN } from "../model/naming.js";
import type {
  Bridge,
  CloudModel,
  EvidenceRef,
  LldpView,
  Namespace,
  Network,
  Nic,
  NodeModel,
  OvsPort,
  Vm,
  VmInterface,
} from "../model/types.js";
import type { Flow } from "../openflow/flow.js";
import { makePacket, OFPP } from "../openflow/packet.js";
import {
  type CompiledBridge,
  compileBridge,
  simulate,
  type TraceOutput,
  type TraceResult,
} from "../openflow/pipeline.js";
import { flowVlanResult } from "../openflow/vlan.js";
import { mirrorRecipe, tcpdumpCommand } from "./capture.js";
import type { FdbTables } from "./fdb.js";
import { evalNat, formatRoute, localAddresses, lookupRoute, type NatResult, natTable } from "./netns.js";
import {
  addrOf,
  inCidr,
  isPatchLike,
  locateMac,
  type MacLocation,
  namespaceOfDevice,
  networkById,
  nicForPhysnet,
  nicOfPort,
  nodeByName,
  ofportOf,
  ovsPortByName,
  ownerOfIp,
  peerOf,
  physnetOfNic,
  portByMac,
  subnetOfIp,
  vmOfOvsPort,
} from "./topology.js";
import type { FlowCitation, Hop, TracePath, TraceProto, Verdict } from "./types.js";

/** Stands for a MAC outside the snapshot (the external next hop or host); locally administered. */
export const EXTERNAL_MAC = "02:00:00:00:00:ee";
/** Source port of the traced TCP/UDP packet (an ephemeral port; nothing in the dumps depends on it). */
export const EPHEMERAL_PORT = 40000;

const MAX_HOPS = 120;

export interface WalkPacket {
  srcMac: string;
  dstMac: string;
  srcIp?: string;
  dstIp?: string;
  /** 802.1Q tags on the frame, outermost first. */
  vlans: number[];
}

/** NAT a router did to the request, which conntrack undoes on the reply. */
export interface ConntrackEntry {
  node: string;
  ns: string;
  kind: "SNAT" | "DNAT";
  from: string;
  to: string;
  rule?: EvidenceRef;
}

/** Where the walk ended, so the reply can start there. */
export type Arrival =
  | { kind: "vm"; node: NodeModel; vm: Vm; iface: VmInterface; pkt: WalkPacket }
  | { kind: "ns"; node: NodeModel; ns: Namespace; dev?: string; pkt: WalkPacket }
  | {
      kind: "wire";
      node: NodeModel;
      nic: Nic;
      bridge: Bridge;
      port: OvsPort;
      network?: Network;
      pkt: WalkPacket;
    };

export type Start =
  | { kind: "vm"; node: NodeModel; vm: Vm; iface: VmInterface; pkt: WalkPacket }
  /** A packet the namespace itself sends (source address chosen by the route when not given). */
  | { kind: "ns"; node: NodeModel; ns: Namespace; pkt: WalkPacket }
  /** A frame arriving on a NIC from the switch. */
  | {
      kind: "wire-in";
      node: NodeModel;
      nic: Nic;
      bridge: Bridge;
      port: OvsPort;
      pkt: WalkPacket;
      from: string;
    };

export interface WalkContext {
  model: CloudModel;
  proto: TraceProto;
  direction: "request" | "reply";
  fdb?: FdbTables;
  /** Filled by the request, read by the reply. */
  conntrack: ConntrackEntry[];
  assumptions: Set<string>;
  warnings: Set<string>;
  /** The destination is outside the cloud or on an external network with no port: the wire is the end. */
  externalDestination: boolean;
  /** Compiled bridges, shared by both directions. */
  compiled: Map<string, CompiledBridge>;
}

type State =
  | { k: "vm-out"; node: NodeModel; vm: Vm; iface: VmInterface }
  | { k: "ovs"; node: NodeModel; bridge: Bridge; port: OvsPort; via: string }
  | { k: "wire"; node: NodeModel; nic: Nic; bridge: Bridge; port: OvsPort }
  | { k: "to-vm"; node: NodeModel; vm: Vm; iface: VmInterface; port: string }
  | { k: "ns"; node: NodeModel; ns: Namespace; dev?: string; originate: boolean };

/** The part of a flow line an operator recognises: `priority=3,in_port=1,dl_vlan=324 actions=mod_vlan_vid:2,NORMAL`. */
export function flowSummary(flow: Flow): string {
  const prio = flow.info.find((f) => f.name === "priority")?.span[0];
  const match = flow.match[0]?.span[0];
  const actions = flow.actionsSpan[0] - "actions=".length;
  const start = Math.min(prio ?? Number.POSITIVE_INFINITY, match ?? Number.POSITIVE_INFINITY, actions);
  return flow.text.slice(Math.max(0, start)).trim();
}

export function citeFlow(node: string, bridge: Bridge, flow: Flow): FlowCitation {
  const c: FlowCitation = {
    node,
    bridge: bridge.name,
    table: flow.table,
    priority: flow.priority,
    cookie: flow.cookie,
    summary: flowSummary(flow),
    evidence: { path: bridge.flows?.path ?? "", line: flow.line, text: flow.text },
  };
  if (flow.nPackets !== undefined) c.nPackets = flow.nPackets;
  return c;
}

export function describeFlow(c: FlowCitation): string {
  return `table=${c.table} priority=${c.priority} cookie=${c.cookie}${c.nPackets === undefined ? "" : ` n_packets=${c.nPackets}`}: ${c.summary}`;
}

function vlanOf(vlans: readonly number[]): number | "untagged" {
  return vlans[0] ?? "untagged";
}

function vlanText(vlans: readonly number[]): string {
  return vlans.length === 0 ? "untagged" : vlans.map((v) => `VLAN ${v}`).join("+");
}

function portCapture(
  node: NodeModel,
  bridge: Bridge,
  port: OvsPort,
  proto: TraceProto,
  vlan: number | "untagged",
): Pick<Hop, "tcpdump" | "mirror"> {
  if (port.type === "patch") {
    const mirror = mirrorRecipe(bridge.name, port.name, proto, vlan);
    return { tcpdump: mirror.capture, mirror };
  }
  const ns = namespaceOfDevice(node, port.name);
  return { tcpdump: tcpdumpCommand(port.name, proto, vlan, ns?.ns.name) };
}

export class Walker {
  private readonly hops: Hop[] = [];
  private pkt: WalkPacket;
  /** The Neutron network the frame is on. */
  private net?: Network;
  /** The last flow that set the VLAN a frame left with, and the hop. */
  private lastVlanSet?: { hop: number; flow: FlowCitation; vid: number };
  /** An earlier hop that explains a later drop (a VLAN that does not match the network). */
  private cause?: Verdict["cause"];
  private readonly visited = new Set<string>();
  private verdict?: Verdict;
  arrival?: Arrival;

  constructor(
    private readonly ctx: WalkContext,
    private readonly start: Start,
    network?: Network,
  ) {
    this.pkt = { ...start.pkt, vlans: [...start.pkt.vlans] };
    if (network) this.net = network;
  }

  private get model(): CloudModel {
    return this.ctx.model;
  }

  run(): TracePath {
    const first = { ...this.pkt };
    let state: State | undefined = this.initial();
    while (state !== undefined && this.verdict === undefined) {
      if (this.hops.length > MAX_HOPS) {
        this.stop("incomplete", `more than ${MAX_HOPS} hops: stopped (a loop the trace did not recognise?)`);
        break;
      }
      state = this.step(state);
    }
    if (this.verdict === undefined) this.stop("incomplete", "the walk ended without a verdict");
    // A namespace picks its source MAC/IP and the next hop's MAC when it routes: take them from that hop.
    const routed = first.dstMac === "" ? this.hops.find((h) => h.packet.dstMac !== "") : undefined;
    const packet: TracePath["packet"] = {
      srcMac: routed?.packet.srcMac ?? first.srcMac,
      dstMac: routed?.packet.dstMac ?? first.dstMac,
      proto: this.ctx.proto,
    };
    const srcIp = first.srcIp ?? this.hops[0]?.packet.srcIp;
    if (srcIp) packet.srcIp = srcIp;
    if (first.dstIp) packet.dstIp = first.dstIp;
    return { direction: this.ctx.direction, packet, hops: this.hops, verdict: this.verdict as Verdict };
  }

  private initial(): State | undefined {
    const s = this.start;
    switch (s.kind) {
      case "vm":
        return { k: "vm-out", node: s.node, vm: s.vm, iface: s.iface };
      case "ns":
        return { k: "ns", node: s.node, ns: s.ns, originate: true };
      case "wire-in": {
        const lldp = s.nic.lldp;
        const carried = switchCarries(s.nic, lldp, this.pkt.vlans[0]);
        this.hop({
          node: s.node.name,
          component: "wire",
          componentKind: "wire",
          device: `${s.from} → ${lldp ? `${switchName(lldp)} → ` : ""}${s.node.name}:${s.nic.name}`,
          direction: "in",
          action: carried.ok ? "forwarded" : "dropped",
          reason: `${s.from} sends it ${vlanText(this.pkt.vlans)} to ${s.node.name}:${s.nic.name}; ${carried.text}`,
          evidence: lldp ? [lldp.evidence] : [],
          rule: { kind: "switch", text: carried.short, ...(lldp ? { evidence: lldp.evidence } : {}) },
        });
        if (carried.assumed) this.ctx.assumptions.add(carried.assumed);
        if (!carried.ok) {
          this.stop("dropped", carried.text, lldp ? { rule: lldp.evidence } : {});
          return undefined;
        }
        return {
          k: "ovs",
          node: s.node,
          bridge: s.bridge,
          port: s.port,
          via: `from the switch on ${s.nic.name}`,
        };
      }
    }
  }

  private step(state: State): State | undefined {
    switch (state.k) {
      case "vm-out":
        return this.vmOut(state.node, state.vm, state.iface);
      case "ovs":
        return this.ovs(state.node, state.bridge, state.port, state.via);
      case "wire":
        return this.wire(state.node, state.nic, state.bridge, state.port);
      case "to-vm":
        return this.toVm(state.node, state.vm, state.iface, state.port);
      case "ns":
        return this.namespace(state.node, state.ns, state.dev, state.originate);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Recording

  private hop(h: Omit<Hop, "index" | "packet" | "vlan"> & { vlan?: Hop["vlan"] }): Hop {
    const packet: Hop["packet"] = { srcMac: this.pkt.srcMac, dstMac: this.pkt.dstMac };
    if (this.pkt.srcIp) packet.srcIp = this.pkt.srcIp;
    if (this.pkt.dstIp) packet.dstIp = this.pkt.dstIp;
    const hop: Hop = { index: this.hops.length + 1, ...h, vlan: h.vlan ?? vlanOf(this.pkt.vlans), packet };
    if (hop.notes?.length === 0) delete hop.notes;
    this.hops.push(hop);
    return hop;
  }

  private stop(
    status: Verdict["status"],
    reason: string,
    extra: { flow?: FlowCitation; rule?: EvidenceRef; where?: string } = {},
  ): void {
    const last = this.hops[this.hops.length - 1];
    const v: Verdict = {
      status,
      where: extra.where ?? (last ? hopWhere(last) : "the start"),
      reason,
    };
    if (last) v.hop = last.index;
    if (extra.flow) v.flow = extra.flow;
    if (extra.rule) v.rule = extra.rule;
    if (status === "dropped" && this.cause && this.cause.hop !== last?.index) v.cause = this.cause;
    this.verdict = v;
  }

  private drop(
    h: Omit<Hop, "index" | "packet" | "vlan" | "action"> & { vlan?: Hop["vlan"] },
    extra: { flow?: FlowCitation; rule?: EvidenceRef } = {},
  ): undefined {
    this.hop({ ...h, action: "dropped" });
    this.stop("dropped", h.reason, extra);
    return undefined;
  }

  private incomplete(
    h: Omit<Hop, "index" | "packet" | "vlan" | "action"> & { vlan?: Hop["vlan"] },
  ): undefined {
    this.hop({ ...h, action: "dropped" });
    this.stop("incomplete", h.reason);
    return undefined;
  }

  private tcpdump(device: string, netns?: string): string {
    return tcpdumpCommand(device, this.ctx.proto, vlanOf(this.pkt.vlans), netns);
  }

  private describeDst(): string {
    const loc = locateMac(this.model, this.pkt.dstMac);
    if (loc) return `${this.pkt.dstMac} (${loc.what} on ${loc.node})`;
    return this.pkt.dstMac === EXTERNAL_MAC ? "the external next hop" : this.pkt.dstMac;
  }

  private packetText(): string {
    const p = this.ctx.proto;
    const what =
      p.name === "icmp"
        ? this.ctx.direction === "request"
          ? "ICMP echo request"
          : "ICMP echo reply"
        : `${p.name.toUpperCase()}${p.port ? ` ${this.ctx.direction === "request" ? "to" : "from"} port ${p.port}` : ""}`;
    return `${what} ${this.pkt.srcIp ?? "?"} → ${this.pkt.dstIp ?? "?"}`;
  }

  // -------------------------------------------------------------------------------------------
  // VM side

  private vmOut(node: NodeModel, vm: Vm, iface: VmInterface): State | undefined {
    const tap = iface.tap ?? iface.chain[0]?.device ?? "?";
    this.hop({
      node: node.name,
      component: tap,
      componentKind: "device",
      direction: "in",
      action: "received",
      reason: `${vm.domain} sends the ${this.packetText()} from ${iface.mac ?? "?"} to ${this.describeDst()}; the host sees it on ${tap}`,
      evidence: [vm.evidence],
      tcpdump: this.tcpdump(tap),
    });
    const missing = iface.chain.find((c) => !c.present);
    if (missing) {
      return this.drop({
        node: node.name,
        component: missing.device,
        componentKind: "device",
        direction: "in",
        reason: `${missing.device} of ${vm.domain}'s wiring is missing${missing.note ? ` (${missing.note})` : ""}: the frame cannot go on from ${tap}`,
        evidence: [vm.evidence],
      });
    }
    const qbr = iface.chain.find((c) => classifyDevice(c.device).role === "hybrid-bridge")?.device;
    const qvb = iface.chain.find((c) => classifyDevice(c.device).role === "hybrid-veth-bridge-side")?.device;
    const qvo = iface.chain.find((c) => classifyDevice(c.device).role === "hybrid-veth-ovs-side")?.device;
    this.ctx.assumptions.add(
      "security groups are not evaluated: the hybrid iptables rules on the qbr bridges and the OVS firewall's ct() tables are taken as allowing the packet (run `netdoctor check` for the rules)",
    );
    if (qbr && qvb && qvo) {
      const lb = node.linuxBridges.find((b) => b.name === qbr);
      if (lb && !(lb.interfaces.includes(tap) && lb.interfaces.includes(qvb))) {
        return this.drop({
          node: node.name,
          component: qbr,
          componentKind: "device",
          direction: "in",
          reason: `Linux bridge ${qbr} holds ${lb.interfaces.join(", ") || "nothing"}, not both ${tap} and ${qvb}: the frame does not reach ${qvb}`,
          evidence: [vm.evidence],
        });
      }
      this.hop({
        node: node.name,
        component: qbr,
        componentKind: "device",
        direction: "in",
        action: "forwarded",
        reason: `Linux bridge ${qbr} forwards it from ${tap} to ${qvb} (hybrid plug: the security-group iptables rules see it here)`,
        evidence: [vm.evidence],
        tcpdump: this.tcpdump(qbr),
      });
      this.hop({
        node: node.name,
        component: qvb,
        componentKind: "device",
        direction: "out",
        action: "forwarded",
        reason: `veth ${qvb} ⇄ ${qvo}: what leaves ${qvb} arrives on ${qvo} in br-int`,
        evidence: [vm.evidence],
        tcpdump: this.tcpdump(qvb),
      });
      const ovs = ovsPortByName(node, qvo);
      if (!ovs) {
        return this.drop({
          node: node.name,
          component: qvo,
          componentKind: "device",
          direction: "in",
          reason: `${qvo} is on no OVS bridge of ${node.name}: the frame goes nowhere`,
          evidence: [vm.evidence],
        });
      }
      return { k: "ovs", node, bridge: ovs.bridge, port: ovs.port, via: `from ${qvb} (veth)` };
    }
    const ovs = ovsPortByName(node, tap);
    if (!ovs) {
      return this.drop({
        node: node.name,
        component: tap,
        componentKind: "device",
        direction: "in",
        reason: `${tap} is neither on a qbr bridge nor on an OVS bridge of ${node.name}`,
        evidence: [vm.evidence],
      });
    }
    return { k: "ovs", node, bridge: ovs.bridge, port: ovs.port, via: `from ${vm.domain}` };
  }

  private toVm(node: NodeModel, vm: Vm, iface: VmInterface, port: string): State | undefined {
    const tap = iface.tap ?? iface.chain[0]?.device ?? "?";
    const qbr = iface.chain.find((c) => classifyDevice(c.device).role === "hybrid-bridge")?.device;
    const qvb = iface.chain.find((c) => classifyDevice(c.device).role === "hybrid-veth-bridge-side")?.device;
    const missing = iface.chain.find((c) => !c.present);
    if (missing) {
      return this.drop({
        node: node.name,
        component: missing.device,
        componentKind: "device",
        direction: "out",
        reason: `${missing.device} of ${vm.domain}'s wiring is missing${missing.note ? ` (${missing.note})` : ""}: the frame from ${port} cannot reach ${tap}`,
        evidence: [vm.evidence],
      });
    }
    if (qbr && qvb && port !== tap) {
      this.hop({
        node: node.name,
        component: qvb,
        componentKind: "device",
        direction: "in",
        action: "received",
        reason: `veth ${port} ⇄ ${qvb}: what br-int sends to ${port} arrives on ${qvb}`,
        evidence: [vm.evidence],
        tcpdump: this.tcpdump(qvb),
      });
      const lb = node.linuxBridges.find((b) => b.name === qbr);
      if (lb && !(lb.interfaces.includes(tap) && lb.interfaces.includes(qvb))) {
        return this.drop({
          node: node.name,
          component: qbr,
          componentKind: "device",
          direction: "out",
          reason: `Linux bridge ${qbr} holds ${lb.interfaces.join(", ") || "nothing"}, not both ${qvb} and ${tap}`,
          evidence: [vm.evidence],
        });
      }
      this.hop({
        node: node.name,
        component: qbr,
        componentKind: "device",
        direction: "out",
        action: "forwarded",
        reason: `Linux bridge ${qbr} forwards it from ${qvb} to ${tap} (hybrid plug: the security-group iptables rules see it here)`,
        evidence: [vm.evidence],
        tcpdump: this.tcpdump(qbr),
      });
    }
    const port0 = iface.neutronPortId
      ? this.model.ports.find((p) => p.id === iface.neutronPortId)
      : portByMac(this.model, iface.mac ?? "");
    const ips = port0?.fixedIps.map((f) => f.ip) ?? [];
    const mine = this.pkt.dstIp === undefined || ips.length === 0 || ips.includes(this.pkt.dstIp);
    if (!mine) {
      return this.drop({
        node: node.name,
        component: tap,
        componentKind: "device",
        direction: "out",
        reason: `the frame reaches ${vm.domain} (${iface.mac}) but ${this.pkt.dstIp} is not its address (${ips.join(", ")}): the VM drops it`,
        evidence: [vm.evidence, ...(port0?.evidence ? [port0.evidence] : [])],
        tcpdump: this.tcpdump(tap),
      });
    }
    this.hop({
      node: node.name,
      component: tap,
      componentKind: "device",
      direction: "out",
      action: "delivered",
      reason: `${tap} hands it to ${vm.domain} (${iface.mac}${ips.length ? `, ${ips.join(", ")}` : ""})`,
      evidence: [vm.evidence, ...(port0?.evidence ? [port0.evidence] : [])],
      tcpdump: this.tcpdump(tap),
    });
    this.stop("delivered", `delivered to ${vm.domain} on ${node.name} (${tap})`, {
      where: `${vm.domain} on ${node.name} (${tap})`,
    });
    this.arrival = { kind: "vm", node, vm, iface, pkt: { ...this.pkt } };
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // OVS

  private compiled(node: NodeModel, bridge: Bridge): CompiledBridge {
    const key = `${node.name}/${bridge.name}`;
    let cb = this.ctx.compiled.get(key);
    if (cb === undefined) {
      const ports = [];
      const seen = new Set<number>();
      for (const p of bridge.ports) {
        const ofport = ofportOf(bridge, p);
        if (ofport === undefined) continue;
        seen.add(ofport);
        ports.push({
          ofport,
          name: p.name,
          ...(p.tag !== undefined ? { tag: p.tag } : {}),
          ...(p.trunks.length > 0 ? { trunks: p.trunks } : {}),
          ...(p.vlanMode ? { vlanMode: p.vlanMode } : {}),
          type: p.type,
        });
      }
      for (const [ofport, name] of bridge.ofports) if (!seen.has(ofport)) ports.push({ ofport, name });
      const fdb = this.ctx.fdb?.get(node.name)?.get(bridge.name)?.records;
      cb = compileBridge({
        name: bridge.name,
        flows: bridge.flows?.flows ?? [],
        ports,
        ...(fdb ? { fdb } : {}),
      });
      this.ctx.compiled.set(key, cb);
    }
    return cb;
  }

  private simPacket(inPort: number) {
    const p = this.pkt;
    const proto = this.ctx.proto;
    const reply = this.ctx.direction === "reply";
    const base = {
      in_port: inPort,
      dl_src: p.srcMac,
      dl_dst: p.dstMac,
      vlans: p.vlans.map((vid) => ({ vid, pcp: 0 })),
      dl_type: 0x0800,
      nw_src: p.srcIp ?? "0.0.0.0",
      nw_dst: p.dstIp ?? "0.0.0.0",
      nw_ttl: 64,
    };
    if (proto.name === "icmp")
      return makePacket({ ...base, nw_proto: 1, icmp_type: reply ? 0 : 8, icmp_code: 0 });
    const port = proto.port ?? 0;
    return makePacket({
      ...base,
      nw_proto: proto.name === "tcp" ? 6 : 17,
      tp_src: reply ? port : EPHEMERAL_PORT,
      tp_dst: reply ? EPHEMERAL_PORT : port,
      ...(proto.name === "tcp" ? { tcp_flags: reply ? 0x012 : 0x002 } : {}),
    });
  }

  /** How well `portName` of `bridge` leads towards the destination: 3 the port itself, 2 via patch/wire, 0 not. */
  private leads(
    node: NodeModel,
    bridge: Bridge,
    portName: string,
    target: MacLocation | undefined,
    seen = new Set<string>(),
  ): number {
    const port = bridge.ports.find((p) => p.name === portName);
    if (!port) return 0;
    seen.add(bridge.name);
    if (target && target.node === node.name) {
      if (target.bridge === bridge.name && target.port === portName) return 3;
      if (isPatchLike(node, port)) {
        const peer = peerOf(node, port);
        if (!peer || seen.has(peer.bridge.name)) return 0;
        return peer.bridge.ports.some(
          (p) => p.name !== peer.port.name && this.leads(node, peer.bridge, p.name, target, seen) > 0,
        )
          ? 2
          : 0;
      }
      return 0;
    }
    if (target === undefined && !this.ctx.externalDestination) return 0;
    const nic = nicOfPort(node, bridge, port);
    if (nic) {
      const physnet = physnetOfNic(node, nic);
      const want = this.net?.physnet;
      if (want !== undefined && physnet !== undefined && want !== physnet) return 0;
      if (target === undefined && want === undefined && nic.role !== "external") return 0;
      return 2;
    }
    if (isPatchLike(node, port)) {
      const peer = peerOf(node, port);
      if (!peer || seen.has(peer.bridge.name)) return 0;
      return peer.bridge.ports.some(
        (p) => p.name !== peer.port.name && this.leads(node, peer.bridge, p.name, target, seen) > 0,
      )
        ? 2
        : 0;
    }
    return 0;
  }

  private ovs(node: NodeModel, bridge: Bridge, port: OvsPort, via: string): State | undefined {
    const key = `${node.name}|${bridge.name}|${port.name}|${this.pkt.vlans.join(".")}|${this.pkt.dstMac}|${this.pkt.dstIp}`;
    const ofport = ofportOf(bridge, port);
    const inVlan = vlanOf(this.pkt.vlans);
    const access = port.tag !== undefined && port.vlanMode !== "trunk";
    const inHop = {
      node: node.name,
      component: bridge.name,
      componentKind: "bridge" as const,
      device: port.name,
      direction: "in" as const,
      ...(access && this.pkt.vlans.length === 0 ? { localVlan: port.tag as number } : {}),
      evidence: [port.evidence],
      ...portCapture(node, bridge, port, this.ctx.proto, inVlan),
    };
    if (this.visited.has(key)) {
      return this.drop({
        ...inHop,
        reason: `loop: the same frame enters ${bridge.name} on ${port.name} a second time`,
      });
    }
    this.visited.add(key);
    if (port.error !== undefined || ofport === -1) {
      return this.drop({
        ...inHop,
        reason: `OVS has no working device behind ${port.name} on ${bridge.name}${port.error ? ` (error: ${port.error})` : ""}${ofport === -1 ? ", ofport -1" : ""}: nothing it sends reaches ${bridge.name}`,
      });
    }
    if (ofport === undefined) {
      return this.incomplete({
        ...inHop,
        reason: `${port.name} on ${bridge.name} has no OpenFlow port number in the snapshot (no ofport in OVSDB, not in ovs-ofctl show): cannot simulate`,
      });
    }
    if (!bridge.flows) {
      return this.incomplete({
        ...inHop,
        reason: `no \`ovs-ofctl dump-flows ${bridge.name}\` for ${node.name} in the snapshot: cannot tell what ${bridge.name} does with it`,
      });
    }
    this.hop({
      ...inHop,
      action: "received",
      reason: `${bridge.name} receives it on ${port.name} (ofport ${ofport}${access ? `, access port of local VLAN ${port.tag}` : ""}) ${via}, ${vlanText(this.pkt.vlans)}`,
    });
    if (access && port.tag === DEAD_VLAN && this.pkt.vlans.length === 0) {
      this.cause = {
        hop: this.hops.length,
        reason: `${port.name} on ${node.name} ${bridge.name} has tag ${DEAD_VLAN}, Neutron's dead VLAN: the OVS agent parked the port (binding failed, port down or not yet processed)`,
      };
    }
    const cb = this.compiled(node, bridge);
    const res = simulate(cb, this.simPacket(ofport), {
      ctState: this.ctx.direction === "request" ? "+trk+new" : "+trk+est+rpl",
    });
    for (const w of res.warnings) this.ctx.warnings.add(`${node.name} ${bridge.name}: ${w}`);
    for (const a of res.assumptions) this.ctx.assumptions.add(`${node.name} ${bridge.name}: ${a}`);
    const flows = res.steps
      .filter((s) => s.flow !== undefined)
      .map((s) => citeFlow(node.name, bridge, s.flow as Flow));
    const flowsText = flows.map(describeFlow).join("; then ");
    const normal = normalEffect(res);
    const outs = res.outputs.filter((o) => o.port !== OFPP.CONTROLLER);
    if (res.dropped || outs.length === 0) {
      const lastFlow = flows[flows.length - 1];
      const why = res.error ?? res.dropReason ?? "nothing sent it anywhere";
      const hint = this.translationHint(node, bridge, port);
      return this.drop(
        {
          node: node.name,
          component: bridge.name,
          componentKind: "bridge",
          device: port.name,
          direction: "in",
          ...(inHop.localVlan !== undefined ? { localVlan: inHop.localVlan } : {}),
          reason: `${bridge.name} drops it: ${why}${flowsText ? ` (${flowsText})` : ""}${hint ? `: ${hint}` : ""}`,
          evidence: flows.map((f) => f.evidence),
          flows,
        },
        lastFlow ? { flow: lastFlow } : {},
      );
    }
    const target = locateMac(this.model, this.pkt.dstMac);
    const scored = outs.map((o) => ({ o, score: this.leads(node, bridge, o.name, target) }));
    const best = scored.reduce<{ o: TraceOutput; score: number } | undefined>(
      (b, x) => (x.score > 0 && (b === undefined || x.score > b.score) ? x : b),
      undefined,
    );
    const sentTo = outs
      .map(
        (o) =>
          `${o.port === OFPP.LOCAL ? "LOCAL" : o.port}(${o.name}) ${vlanText(o.packet.vlans.map((v) => v.vid))}`,
      )
      .join(", ");
    if (best === undefined) {
      const where = target
        ? `${target.what} on ${target.node}${target.bridge ? `, ${target.bridge} port ${target.port}${target.tag !== undefined ? ` (local VLAN ${target.tag})` : ""}` : ""}`
        : "no node of the snapshot";
      const lastFlow = flows[flows.length - 1];
      const hint = this.translationHint(node, bridge, port);
      let vlanNote = hint ? `: ${hint}` : "";
      if (target && target.node === node.name && target.bridge === bridge.name && target.tag !== undefined) {
        const local = outs[0] ? this.localVlanOf(bridge, outs[0]) : undefined;
        if (local !== undefined && local !== target.tag)
          vlanNote += `: the frame is switched in local VLAN ${local}, ${target.port} is in local VLAN ${target.tag}`;
      }
      return this.drop(
        {
          node: node.name,
          component: bridge.name,
          componentKind: "bridge",
          device: port.name,
          direction: "in",
          reason: `${flowsText ? `${flowsText}; ` : ""}${normal ? `NORMAL: ${normal}` : `sent to ${sentTo}`}; the destination ${this.pkt.dstMac} is behind none of these ports (it is at ${where})${vlanNote}`,
          evidence: flows.map((f) => f.evidence),
          flows,
        },
        lastFlow ? { flow: lastFlow } : {},
      );
    }
    const out = best.o;
    const outPort = bridge.ports.find((p) => p.name === out.name);
    const outVlans = out.packet.vlans.map((v) => v.vid);
    this.pkt = { ...this.pkt, srcMac: out.packet.dl_src, dstMac: out.packet.dl_dst, vlans: outVlans };
    const others = outs.filter((o) => o !== out).map((o) => o.name);
    const flooded = normal?.startsWith("flooded") ?? false;
    const notes: string[] = [];
    if (others.length > 0)
      notes.push(`${flooded ? "also flooded to" : "also sent to"} ${others.join(", ")} (not followed)`);
    const local = this.localVlanOf(bridge, out);
    const setter = flows.filter((f) => {
      const fl = res.steps.find((s) => s.flow?.line === f.evidence.line)?.flow;
      return fl !== undefined && typeof flowVlanResult(fl) === "object";
    });
    const outHop = this.hop({
      node: node.name,
      component: bridge.name,
      componentKind: "bridge",
      device: out.name,
      direction: "out",
      action: "forwarded",
      ...(local !== undefined && (outVlans[0] ?? -1) !== local ? { localVlan: local } : {}),
      reason: `${flowsText || "no flow"}${normal ? `; NORMAL: ${normal}` : ""}; followed ${out.name} towards ${this.describeDst()}, ${vlanText(outVlans)}`,
      evidence: flows.map((f) => f.evidence),
      flows,
      ...(outPort ? portCapture(node, bridge, outPort, this.ctx.proto, vlanOf(outVlans)) : {}),
      notes,
    });
    const lastSetter = setter[setter.length - 1];
    if (lastSetter && outVlans[0] !== undefined)
      this.lastVlanSet = { hop: outHop.index, flow: lastSetter, vid: outVlans[0] };
    if (!outPort) {
      return this.incomplete({
        node: node.name,
        component: bridge.name,
        componentKind: "bridge",
        device: out.name,
        direction: "out",
        reason: `${out.name} (ofport ${out.port}) is not in the port list of ${bridge.name}: cannot follow it`,
        evidence: [bridge.evidence],
      });
    }
    return this.afterPort(node, bridge, outPort);
  }

  /** Why a tagged frame from a patch port found no VLAN translation, naming the network and the flow it lacks. */
  private translationHint(node: NodeModel, bridge: Bridge, port: OvsPort): string | undefined {
    if (port.tag === DEAD_VLAN) {
      return `${port.name} is on the dead VLAN ${DEAD_VLAN}: the OVS agent parked it (binding failed, port down or not yet processed)`;
    }
    const vid = this.pkt.vlans[0];
    if (vid === undefined) return undefined;
    const role = classifyDevice(port.name).role;
    const ofport = ofportOf(bridge, port);
    if (role === "patch-int") {
      const has = node.vlanTranslations.some(
        (t) => t.direction === "ingress" && t.bridge === bridge.name && t.segmentationId === vid,
      );
      if (has) return undefined;
      const net = this.model.networks.find((n) => n.segmentationId === vid && n.networkType === "vlan");
      const tag = bridge.ports.find(
        (p) =>
          p.neutronPortId !== undefined &&
          net !== undefined &&
          this.model.ports.find((x) => x.id === p.neutronPortId)?.networkId === net.id,
      )?.tag;
      return `${node.name} ${bridge.name} has no VLAN translation for VLAN ${vid}${net ? ` (${net.name})` : ""} from ${port.name}: the flow \`priority=3,in_port=${ofport ?? port.name},dl_vlan=${vid} actions=mod_vlan_vid:${tag ?? "LOCAL"},NORMAL\` is missing, so the catch-all drop takes it`;
    }
    if (role === "patch-phy") {
      if (vid === DEAD_VLAN)
        return `local VLAN ${DEAD_VLAN} is Neutron's dead VLAN: no network maps it to the wire`;
      const has = node.vlanTranslations.some(
        (t) => t.direction === "egress" && t.bridge === bridge.name && t.localVlan === vid,
      );
      if (has) return undefined;
      return `${node.name} ${bridge.name} has no flow mapping local VLAN ${vid} from ${port.name} to the wire (\`priority=4,in_port=${ofport ?? port.name},dl_vlan=${vid} actions=mod_vlan_vid:SEG,NORMAL\` is missing)`;
    }
    return undefined;
  }

  /** The VLAN the frame had inside the bridge when it left on `out`. */
  private localVlanOf(bridge: Bridge, out: TraceOutput): number | undefined {
    const p = bridge.ports.find((x) => x.name === out.name);
    if (p?.tag !== undefined && p.vlanMode !== "trunk") return p.tag;
    return out.packet.vlans[0]?.vid;
  }

  private afterPort(node: NodeModel, bridge: Bridge, port: OvsPort): State | undefined {
    if (isPatchLike(node, port)) {
      const peer = peerOf(node, port) as { bridge: Bridge; port: OvsPort };
      return {
        k: "ovs",
        node,
        bridge: peer.bridge,
        port: peer.port,
        via: `from its patch peer ${port.name} on ${bridge.name}`,
      };
    }
    const nic = nicOfPort(node, bridge, port);
    if (nic) return { k: "wire", node, nic, bridge, port };
    const vm = vmOfOvsPort(node, port.name);
    if (vm) return { k: "to-vm", node, vm: vm.vm, iface: vm.iface, port: port.name };
    const ns = namespaceOfDevice(node, port.name);
    if (ns) return { k: "ns", node, ns: ns.ns, dev: port.name, originate: false };
    const role = classifyDevice(port.name).role;
    const what =
      role === "tunnel" || ["vxlan", "gre", "geneve", "stt"].includes(port.type)
        ? `${port.name} is a tunnel port: tunnels are not traced`
        : port.name === bridge.name
          ? `${port.name} is ${bridge.name}'s own LOCAL port: the frame leaves OVS for ${node.name}'s host stack, not followed`
          : `${port.name} leads to no VM, namespace, NIC or peer bridge the snapshot knows`;
    return this.incomplete({
      node: node.name,
      component: bridge.name,
      componentKind: "bridge",
      device: port.name,
      direction: "out",
      reason: what,
      evidence: [port.evidence],
    });
  }

  // -------------------------------------------------------------------------------------------
  // The wire

  private wire(node: NodeModel, nic: Nic, bridge: Bridge, port: OvsPort): State | undefined {
    const vlans = this.pkt.vlans;
    const outer = vlans[0];
    const notes: string[] = [];
    const net = this.net;
    if (net?.networkType === "vlan" && net.segmentationId !== undefined && outer !== net.segmentationId) {
      const setBy = this.lastVlanSet;
      const text = `the frame leaves ${node.name}:${nic.name} ${vlanText(vlans)} but ${net.name} is VLAN ${net.segmentationId}${setBy ? ` (set by ${setBy.flow.node} ${setBy.flow.bridge} ${describeFlow(setBy.flow)}, ${setBy.flow.evidence.path}:${setBy.flow.evidence.line})` : ""}`;
      notes.push(text);
      this.cause = {
        hop: setBy?.hop ?? this.hops.length,
        reason: text,
        ...(setBy ? { flow: setBy.flow } : {}),
      };
    } else if (net && (net.networkType === "flat" || net.networkType === "local") && outer !== undefined) {
      const text = `${net.name} is flat but the frame leaves ${node.name}:${nic.name} tagged ${outer}`;
      notes.push(text);
      this.cause = {
        hop: this.lastVlanSet?.hop ?? this.hops.length,
        reason: text,
        ...(this.lastVlanSet ? { flow: this.lastVlanSet.flow } : {}),
      };
    }
    const egress = switchCarries(nic, nic.lldp, outer);
    if (egress.assumed) this.ctx.assumptions.add(egress.assumed);
    const lldpA = nic.lldp;
    const swA = lldpA ? switchName(lldpA) : "the switch";
    const base = {
      node: node.name,
      component: "wire",
      componentKind: "wire" as const,
      direction: "out" as const,
      notes,
    };
    if (!egress.ok) {
      return this.drop(
        {
          ...base,
          device: `${node.name}:${nic.name} → ${swA}`,
          reason: egress.text,
          evidence: lldpA ? [lldpA.evidence] : [],
          rule: { kind: "switch", text: egress.short, ...(lldpA ? { evidence: lldpA.evidence } : {}) },
        },
        lldpA ? { rule: lldpA.evidence } : {},
      );
    }
    const target = locateMac(this.model, this.pkt.dstMac);
    if (target === undefined) {
      if (!this.ctx.externalDestination) {
        return this.drop({
          ...base,
          device: `${node.name}:${nic.name} → ${swA}`,
          reason: `${egress.text}; but no node of the snapshot holds ${this.pkt.dstMac}: nothing to deliver to`,
          evidence: lldpA ? [lldpA.evidence] : [],
        });
      }
      const netName = net
        ? `${net.name}${net.networkType ? ` (${net.networkType}${net.physnet ? ` on ${net.physnet}` : ""})` : ""}`
        : "the physical network";
      const beyond =
        this.pkt.dstMac === EXTERNAL_MAC
          ? `; beyond the wire (the next hop and ${this.pkt.dstIp ?? "the destination"}) is not in the snapshot`
          : "";
      this.hop({
        ...base,
        device: `${node.name}:${nic.name} → ${swA}`,
        action: "delivered",
        reason: `${node.name}:${nic.name} puts it on ${netName}, ${vlanText(vlans)}; ${egress.text}${beyond}`,
        evidence: lldpA ? [lldpA.evidence] : [],
        rule: { kind: "switch", text: egress.short, ...(lldpA ? { evidence: lldpA.evidence } : {}) },
      });
      this.stop(
        "delivered",
        `delivered to ${netName} via ${node.name}:${nic.name}${this.pkt.dstIp ? ` (towards ${this.pkt.dstIp})` : ""}`,
        { where: `${netName} via ${node.name}:${nic.name}` },
      );
      this.arrival = {
        kind: "wire",
        node,
        nic,
        bridge,
        port,
        ...(net ? { network: net } : {}),
        pkt: { ...this.pkt },
      };
      return undefined;
    }
    const destNode = nodeByName(this.model, target.node);
    if (!destNode || target.node === node.name) {
      return this.drop({
        ...base,
        device: `${node.name}:${nic.name} → ${swA}`,
        reason: `the destination ${this.describeDst()} is on ${node.name} itself, yet the frame left on ${nic.name}: the switch does not send it back`,
        evidence: lldpA ? [lldpA.evidence] : [],
      });
    }
    const physnet = physnetOfNic(node, nic) ?? net?.physnet;
    const dest = nicForPhysnet(destNode, physnet);
    if (!dest) {
      return this.drop({
        ...base,
        device: `${node.name}:${nic.name} → ${swA}`,
        reason: `the destination ${this.describeDst()} is on ${destNode.name}, which has no NIC for physnet ${physnet ?? "?"} (bridge_mappings: ${destNode.config.bridgeMappings.map((m) => `${m.physnet}:${m.bridge}`).join(",") || "none"})`,
        evidence: lldpA ? [lldpA.evidence] : [],
      });
    }
    const ingress = switchCarries(dest.nic, dest.nic.lldp, outer);
    if (ingress.assumed) this.ctx.assumptions.add(ingress.assumed);
    const lldpB = dest.nic.lldp;
    const path = `${node.name}:${nic.name} → ${swA}${lldpB ? ` … ${lldpB.portDescr ?? lldpB.portId ?? ""}`.trimEnd() : ""} → ${destNode.name}:${dest.nic.name}`;
    const evidence = [...(lldpA ? [lldpA.evidence] : []), ...(lldpB ? [lldpB.evidence] : [])];
    if (!ingress.ok) {
      return this.drop(
        {
          ...base,
          device: path,
          reason: `${egress.text}; ${ingress.text}`,
          evidence,
          rule: {
            kind: "switch",
            text: `${egress.short}; ${destNode.name}:${ingress.short}`,
            ...(lldpB ? { evidence: lldpB.evidence } : {}),
          },
        },
        lldpB ? { rule: lldpB.evidence } : {},
      );
    }
    this.hop({
      ...base,
      device: path,
      action: "forwarded",
      reason:
        `${egress.text}; ${ingress.text}; ${target.what} lives on ${destNode.name}, reached on its ${physnet ?? ""} NIC ${dest.nic.name}`.replace(
          / {2,}/g,
          " ",
        ),
      evidence,
      rule: {
        kind: "switch",
        text: `${node.name}:${egress.short}; ${destNode.name}:${ingress.short}`,
        ...(lldpA ? { evidence: lldpA.evidence } : lldpB ? { evidence: lldpB.evidence } : {}),
      },
    });
    return {
      k: "ovs",
      node: destNode,
      bridge: dest.bridge,
      port: dest.port,
      via: `from the switch on ${dest.nic.name}`,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Namespaces

  private namespace(
    node: NodeModel,
    ns: Namespace,
    dev: string | undefined,
    originate: boolean,
  ): State | undefined {
    const comp = { node: node.name, component: ns.name, componentKind: "namespace" as const };
    if (!originate && dev) {
      const link = ns.links.find((l) => l.name === dev);
      this.hop({
        ...comp,
        device: dev,
        direction: "in",
        action: "received",
        reason: `${dev} in ${ns.name} receives it (${this.packetText()})`,
        evidence: link ? [link.evidence] : [],
        tcpdump: this.tcpdump(dev, ns.name),
      });
    }
    if (this.pkt.dstIp === undefined) {
      return this.incomplete({
        ...comp,
        direction: "in",
        reason: "the packet has no destination address: cannot route it",
        evidence: [],
      });
    }
    const nat = natTable(ns);
    let dnatted = false;
    if (this.ctx.direction === "reply") {
      for (const ct of this.ctx.conntrack) {
        if (ct.node !== node.name || ct.ns !== ns.name) continue;
        // The reply carries the translated address where the request had it: SNAT → destination, DNAT → source.
        const field = ct.kind === "SNAT" ? "dstIp" : "srcIp";
        if (this.pkt[field] !== ct.to) continue;
        this.pkt[field] = ct.from;
        this.hop({
          ...comp,
          ...(dev ? { device: dev } : {}),
          direction: "in",
          action: "forwarded",
          reason: `conntrack: reply of the request's ${ct.kind} ${ct.from} → ${ct.to}: ${field === "dstIp" ? "destination" : "source"} ${ct.to} → ${ct.from}`,
          evidence: ct.rule ? [ct.rule] : [],
          ...(dev ? { tcpdump: this.tcpdump(dev, ns.name) } : {}),
          rule: {
            kind: "conntrack",
            text: `un-${ct.kind} ${ct.to} → ${ct.from}`,
            ...(ct.rule ? { evidence: ct.rule } : {}),
          },
        });
      }
      this.ctx.assumptions.add(
        "conntrack: the reply matches the connection entry the request created (NAT is undone by conntrack, the nat table is not consulted again)",
      );
    } else if (nat) {
      const chain = originate ? "OUTPUT" : "PREROUTING";
      const r = evalNat(nat, chain, {
        src: this.pkt.srcIp ?? "0.0.0.0",
        dst: this.pkt.dstIp,
        proto: this.ctx.proto,
        ...(dev ? { inDev: dev } : {}),
        dnatted: false,
      });
      this.noteAssumed(ns, r);
      if (r.target === "DNAT" && r.to && r.decided) {
        const before = this.pkt.dstIp;
        this.pkt.dstIp = r.to;
        dnatted = true;
        this.ctx.conntrack.push({
          node: node.name,
          ns: ns.name,
          kind: "DNAT",
          from: before,
          to: r.to,
          rule: r.decided.evidence,
        });
        this.hop({
          ...comp,
          ...(dev ? { device: dev } : {}),
          direction: "in",
          action: "forwarded",
          reason: `${chain} DNAT ${before} → ${r.to}: ${r.decided.rule.text}`,
          evidence: [r.decided.evidence],
          rule: natRule(r),
          ...(dev ? { tcpdump: this.tcpdump(dev, ns.name) } : {}),
        });
      } else if (r.target === "REDIRECT" && r.decided) {
        this.hop({
          ...comp,
          direction: "in",
          action: "delivered",
          reason: `${chain} REDIRECT to local port ${r.to ?? "?"}: ${r.decided.rule.text} (a proxy in ${ns.name} answers, e.g. the metadata proxy)`,
          evidence: [r.decided.evidence],
          rule: natRule(r),
        });
        this.stop("delivered", `redirected to port ${r.to ?? "?"} inside ${ns.name} on ${node.name}`, {
          rule: r.decided.evidence,
        });
        this.arrival = { kind: "ns", node, ns, ...(dev ? { dev } : {}), pkt: { ...this.pkt } };
        return undefined;
      } else if (r.target === "DROP" && r.decided) {
        return this.drop(
          {
            ...comp,
            direction: "in",
            reason: `${chain} drops it: ${r.decided.rule.text}`,
            evidence: [r.decided.evidence],
            rule: natRule(r),
          },
          { rule: r.decided.evidence },
        );
      }
    }
    const local = localAddresses(ns).find((a) => a.ip === this.pkt.dstIp);
    if (local && !originate) {
      this.hop({
        ...comp,
        device: local.dev,
        direction: "in",
        action: "delivered",
        reason: `${this.pkt.dstIp} is ${ns.name}'s own address (on ${local.dev})`,
        evidence: ns.links.filter((l) => l.name === local.dev).map((l) => l.evidence),
      });
      this.stop("delivered", `delivered to ${ns.name} on ${node.name} (${local.dev} ${local.ip})`, {
        where: `${ns.name} on ${node.name} (${local.dev})`,
      });
      this.arrival = { kind: "ns", node, ns, dev: local.dev, pkt: { ...this.pkt } };
      return undefined;
    }
    if (ns.kind === "qdhcp" && !originate) {
      return this.drop({
        ...comp,
        direction: "in",
        reason: `${this.pkt.dstIp} is not an address of ${ns.name}, and DHCP namespaces do not route`,
        evidence: ns.evidence ? [ns.evidence] : [],
      });
    }
    const routeEvidence: EvidenceRef = { path: `nodes/${node.name}/commands/ns-ip-route@${ns.name}.txt` };
    const rc = lookupRoute(ns, this.pkt.dstIp);
    if (!rc) {
      return this.drop({
        ...comp,
        direction: "in",
        reason: `no route to ${this.pkt.dstIp} in ${ns.name} (routes: ${ns.routes.map(formatRoute).join("; ") || "none in the snapshot"}${ns.routes.length === 0 ? ", connected routes only" : ""})`,
        evidence: ns.routes.length ? [routeEvidence] : [],
      });
    }
    let outDev = rc.route.dev;
    if (outDev === undefined) {
      outDev = ns.links.find((l) =>
        l.addresses.some((a) => a.family === "inet" && inCidr(rc.nextHop, a.cidr)),
      )?.name;
    }
    const outLink = outDev ? ns.links.find((l) => l.name === outDev) : undefined;
    if (!outDev || !outLink) {
      return this.drop({
        ...comp,
        direction: "in",
        reason: `route ${formatRoute(rc.route)} names no device of ${ns.name}`,
        evidence: [routeEvidence],
      });
    }
    if (originate && this.pkt.srcIp === undefined) {
      const addr =
        outLink.addresses.find((a) => a.family === "inet" && !a.cidr.endsWith("/32")) ??
        outLink.addresses.find((a) => a.family === "inet");
      if (addr) this.pkt.srcIp = addrOf(addr.cidr);
    }
    // The next hop's MAC (ARP assumed answered): the frame gets its new Ethernet header here.
    const outRole = classifyDevice(outDev).role;
    const owner = ownerOfIp(this.model, rc.nextHop);
    const ownerIsSelf = owner?.ns?.ns.name === ns.name && owner.node === node.name;
    this.ctx.assumptions.add(
      "ARP is assumed resolved: every sender knows the next hop's MAC (the snapshot's owner of that address)",
    );
    const outPort = portByMac(this.model, outLink.mac ?? "");
    const outNet =
      networkById(this.model, outPort?.networkId) ??
      networkById(this.model, subnetOfIp(this.model, rc.nextHop)?.networkId);
    const routeText = `route ${formatRoute(rc.route)}: longest prefix /${rc.len} for ${this.pkt.dstIp}${rc.connected ? " (connected route, from the device's address)" : ""}; next hop ${rc.nextHop}`;
    const routeEv: EvidenceRef[] = rc.connected
      ? [outLink.evidence]
      : [{ ...routeEvidence, text: formatRoute(rc.route) }];
    let external = false;
    if (owner?.mac && !ownerIsSelf) this.pkt.dstMac = owner.mac;
    else if (outRole === "router-gateway" || outNet?.external) {
      this.pkt.dstMac = EXTERNAL_MAC;
      external = true;
      this.ctx.assumptions.add(
        `the MAC of ${rc.nextHop} (outside the snapshot) is taken as known; ${EXTERNAL_MAC} stands for it`,
      );
    } else {
      return this.drop({
        ...comp,
        device: outDev,
        direction: "out",
        reason: `${routeText}; ARP for ${rc.nextHop} on ${outDev} gets no answer: no Neutron port, VM or namespace of the snapshot holds ${rc.nextHop}`,
        evidence: routeEv,
        rule: { kind: "arp", text: `no owner of ${rc.nextHop}` },
      });
    }
    if (outLink.mac) this.pkt.srcMac = outLink.mac;
    this.pkt.vlans = [];
    this.hop({
      ...comp,
      device: outDev,
      direction: "out",
      action: "forwarded",
      reason: `${originate ? `${ns.name} sends the ${this.packetText()}; ` : ""}${routeText}`,
      evidence: routeEv,
      rule: { kind: "route", text: formatRoute(rc.route), ...(routeEv[0] ? { evidence: routeEv[0] } : {}) },
      tcpdump: this.tcpdump(outDev, ns.name),
    });
    if (this.ctx.direction === "request" && nat) {
      const r = evalNat(nat, "POSTROUTING", {
        src: this.pkt.srcIp ?? "0.0.0.0",
        dst: this.pkt.dstIp,
        proto: this.ctx.proto,
        ...(dev ? { inDev: dev } : {}),
        outDev,
        dnatted,
      });
      this.noteAssumed(ns, r);
      if ((r.target === "SNAT" || r.target === "MASQUERADE") && r.decided) {
        const before = this.pkt.srcIp ?? "0.0.0.0";
        const to = r.to ?? addrOf(outLink.addresses.find((a) => a.family === "inet")?.cidr ?? before);
        this.pkt.srcIp = to;
        this.ctx.conntrack.push({
          node: node.name,
          ns: ns.name,
          kind: "SNAT",
          from: before,
          to,
          rule: r.decided.evidence,
        });
        this.hop({
          ...comp,
          device: outDev,
          direction: "out",
          action: "forwarded",
          reason: `POSTROUTING SNAT ${before} → ${to}: ${r.decided.rule.text}${r.path.length ? ` (POSTROUTING → ${r.path.map((p) => p.rule.target).join(" → ")})` : ""}`,
          evidence: [r.decided.evidence],
          rule: natRule(r),
          tcpdump: this.tcpdump(outDev, ns.name),
        });
      } else if (r.target === "DROP" && r.decided) {
        return this.drop(
          {
            ...comp,
            device: outDev,
            direction: "out",
            reason: `POSTROUTING drops it: ${r.decided.rule.text}`,
            evidence: [r.decided.evidence],
            rule: natRule(r),
          },
          { rule: r.decided.evidence },
        );
      } else if (outRole === "router-gateway" && !localAddresses(ns).some((a) => a.ip === this.pkt.srcIp)) {
        const decided = r.decided ? `; the walk ended at ${r.decided.rule.text}` : "";
        const why =
          ns.natRules.length === 0
            ? `${ns.name} has no nat rule at all in the snapshot (ns-iptables-save missing or empty)`
            : `no SNAT rule of ${ns.name}'s nat table matches source ${this.pkt.srcIp} out of ${outDev}${decided}`;
        return this.drop(
          {
            ...comp,
            device: outDev,
            direction: "out",
            reason: `${why}: the packet would leave ${outDev} with its private source ${this.pkt.srcIp} and no reply could come back`,
            evidence: ns.natRules.length ? [{ path: ns.natRules[0]?.evidence.path ?? "" }] : [],
            rule: {
              kind: "nat",
              text: "no SNAT rule matches",
              ...(ns.natRules[0] ? { evidence: { path: ns.natRules[0].evidence.path } } : {}),
            },
          },
          r.decided
            ? { rule: r.decided.evidence }
            : ns.natRules[0]
              ? {
                  rule: {
                    path: ns.natRules[0].evidence.path,
                    text: `no SNAT rule for ${this.pkt.srcIp} out of ${outDev}`,
                  },
                }
              : {},
        );
      }
    } else if (
      this.ctx.direction === "request" &&
      outRole === "router-gateway" &&
      !nat &&
      !localAddresses(ns).some((a) => a.ip === this.pkt.srcIp)
    ) {
      return this.drop({
        ...comp,
        device: outDev,
        direction: "out",
        reason: `${ns.name} has no nat rule at all in the snapshot (ns-iptables-save missing or empty): no SNAT for ${this.pkt.srcIp} out of ${outDev}, the reply could not come back`,
        evidence: [],
      });
    }
    this.ctx.externalDestination = external;
    if (outNet) this.net = outNet;
    this.hop({
      ...comp,
      device: outDev,
      direction: "out",
      action: "forwarded",
      reason: `${outDev} sends it to ${rc.nextHop}: ${this.pkt.srcMac} → ${external ? `${this.pkt.dstMac} (the next hop's MAC, outside the snapshot)` : this.describeDst()}`,
      evidence: [outLink.evidence],
      tcpdump: this.tcpdump(outDev, ns.name),
    });
    const ovs = ovsPortByName(node, outDev);
    if (!ovs) {
      return this.incomplete({
        ...comp,
        device: outDev,
        direction: "out",
        reason: `${outDev} is on no OVS bridge of ${node.name} (a veth to a Linux bridge?): not followed`,
        evidence: [outLink.evidence],
      });
    }
    return { k: "ovs", node, bridge: ovs.bridge, port: ovs.port, via: `from ${outDev} in ${ns.name}` };
  }

  private noteAssumed(ns: Namespace, r: NatResult): void {
    for (const a of r.assumed) this.ctx.warnings.add(`${ns.name} nat: ${a}`);
  }
}

function natRule(r: NatResult): Hop["rule"] {
  const d = r.decided;
  const text = d ? `${d.rule.chain}: -j ${d.rule.target}${r.to ? ` ${r.to}` : ""}` : "no nat rule";
  return { kind: "nat", text, ...(d ? { evidence: d.evidence } : {}) };
}

function hopWhere(h: Hop): string {
  if (h.componentKind === "wire") return `wire ${h.device ?? ""}`.trim();
  return `${h.node} ${h.component}${h.device && h.device !== h.component ? ` (${h.device} ${h.direction})` : ""}`;
}

function normalEffect(res: TraceResult): string | undefined {
  for (const s of res.steps) {
    for (const a of s.actions) {
      if (/^normal$/i.test(a.text) && a.effect) return a.effect;
    }
  }
  return undefined;
}

export function switchName(l: LldpView): string {
  return `${l.systemName ?? "switch"} ${l.portDescr ?? l.portId ?? ""}`.trim();
}

/** Whether the switch port behind a NIC carries a frame with outer tag `vid` (undefined: untagged), by LLDP. */
export function switchCarries(
  nic: Nic,
  lldp: LldpView | undefined,
  vid: number | undefined,
): { ok: boolean; text: string; short: string; assumed?: string } {
  if (!lldp) {
    const text = `no LLDP on ${nic.name}: ${vid === undefined ? "untagged frames" : `VLAN ${vid}`} assumed carried (no LLDP evidence)`;
    return { ok: true, text, short: `${nic.name}: no LLDP, assumed carried`, assumed: `switch: ${text}` };
  }
  const sw = switchName(lldp);
  if (vid === undefined) {
    return {
      ok: true,
      text: `untagged on ${sw}${lldp.pvid !== undefined ? `: the switch puts it in its native VLAN ${lldp.pvid} (PVID)` : ""}`,
      short: `${nic.name}: untagged, PVID ${lldp.pvid ?? "?"}`,
    };
  }
  if (lldp.vlans.length > 0) {
    const ok = lldp.vlans.includes(vid) || (lldp.pvid === vid && lldp.mode !== "access");
    return {
      ok,
      short: `${nic.name}: VLAN ${vid} ${ok ? "in" : "not in"} the LLDP VLAN list`,
      text: ok
        ? `${sw} carries VLAN ${vid} (LLDP VLAN list ${lldp.vlans.join(",")})`
        : `${sw} does not carry VLAN ${vid}: LLDP lists VLANs ${lldp.vlans.join(",")}${lldp.pvid !== undefined ? `, PVID ${lldp.pvid}` : ""}; the switch drops the frame`,
    };
  }
  if (lldp.mode === "access" && lldp.pvid !== undefined && lldp.pvid !== vid) {
    return {
      ok: false,
      text: `${sw} is an access port of VLAN ${lldp.pvid} (${lldp.modeReason}): a frame tagged ${vid} is dropped there`,
      short: `${nic.name}: access port of VLAN ${lldp.pvid}`,
    };
  }
  const text = `${sw}: PVID ${lldp.pvid ?? "?"}, no VLAN list in LLDP: VLAN ${vid} assumed carried (no LLDP evidence of the VLAN list)`;
  return {
    ok: true,
    text,
    short: `${nic.name}: PVID ${lldp.pvid ?? "?"}, no VLAN list, assumed carried`,
    assumed: `switch: ${nic.name} → ${text}`,
  };
}
