/**
 * What `netdoctor trace` produces: a packet's path hop by hop across the nodes of a snapshot, each hop an
 * observation that cites its evidence and says how to see the packet there for real (tcpdump, or a mirror for
 * OVS ports the kernel cannot capture), then a verdict for the request and for its reply.
 */
import type { EvidenceRef } from "../model/types.js";

/** The protocol of the traced packet (`--proto icmp|tcp:22|udp:53`). */
export interface TraceProto {
  name: "icmp" | "tcp" | "udp";
  /** Destination port (tcp/udp). */
  port?: number;
}

/** Where a packet starts or is meant to end (endpoints.ts). */
export interface Endpoint {
  kind: "vm" | "namespace" | "nic" | "external" | "router";
  /** What the operator typed. */
  spec: string;
  /** One line for humans: `instance-0000000a (test-324) fa:16:3e:a4:56:3d 10.0.24.3 on compute`. */
  label: string;
  node?: string;
  /** The device the packet leaves or reaches (tap, qr-, tap of a qdhcp, NIC). */
  device?: string;
  mac?: string;
  ip?: string;
  networkId?: string;
  networkName?: string;
  subnetId?: string;
  cidr?: string;
  gateway?: string;
  portId?: string;
  vm?: { domain: string; uuid?: string; name?: string };
  namespace?: string;
  routerId?: string;
  evidence: EvidenceRef[];
  /** Facts the resolution took for granted (an interface picked among several…). */
  notes: string[];
}

/** A flow that ran at a hop, with what an operator greps for. */
export interface FlowCitation {
  node: string;
  bridge: string;
  table: number;
  priority: number;
  cookie: string;
  nPackets?: number;
  /** `priority=3,in_port=1,dl_vlan=324 actions=mod_vlan_vid:2,NORMAL` */
  summary: string;
  evidence: EvidenceRef;
}

/** How to see the packet on an OVS port that has no kernel device (patch ports): a mirror to a scratch port. */
export interface MirrorRecipe {
  bridge: string;
  port: string;
  /** Run first: creates the internal port and the mirror in one ovs-vsctl transaction. */
  setup: string[];
  /** The capture itself. */
  capture: string;
  /** Run after: removes the mirror and the port. */
  cleanup: string[];
  /** One-command alternative when the ovs-tcpdump helper is installed. */
  ovsTcpdump: string;
  note: string;
}

export type HopAction = "received" | "forwarded" | "delivered" | "dropped";

export interface Hop {
  /** 1-based position in its path. */
  index: number;
  /** Node name; for a wire hop, the node the frame leaves. */
  node: string;
  /** Device, bridge or namespace name, or `wire`. */
  component: string;
  componentKind: "device" | "bridge" | "namespace" | "wire";
  /** The port of the bridge / interface of the namespace, when the component has several. */
  device?: string;
  direction: "in" | "out";
  action: HopAction;
  /** The 802.1Q tag on the frame at this point, or untagged. */
  vlan: number | "untagged";
  /** The VLAN the frame is switched in inside an OVS bridge (br-int's local VLAN), when it differs from the tag. */
  localVlan?: number;
  /** Addresses at this point (after any NAT so far). */
  packet: { srcMac: string; dstMac: string; srcIp?: string; dstIp?: string };
  reason: string;
  evidence: EvidenceRef[];
  /** The flows that ran, in order, when the hop is an OVS bridge. */
  flows?: FlowCitation[];
  /** What decided at a non-OVS hop: the nat rule, the route, the switch port's VLANs, conntrack. */
  rule?: { kind: "nat" | "route" | "switch" | "conntrack" | "arp"; text: string; evidence?: EvidenceRef };
  /** The exact command that shows this packet at this hop. */
  tcpdump?: string;
  /** For OVS ports without a kernel device (patch ports): the mirror recipe behind `tcpdump`. */
  mirror?: MirrorRecipe;
  /** Things worth knowing at this hop (a VLAN that does not match the network, flooding…). */
  notes?: string[];
}

export interface Verdict {
  status: "delivered" | "dropped" | "incomplete";
  /** The hop where it ended. */
  hop?: number;
  /** `instance-0000000b on controller (tap625be014-05)`, `network br-int (int-br-em3 in)`. */
  where: string;
  reason: string;
  /** The flow or rule that decided, when one did. */
  flow?: FlowCitation;
  rule?: EvidenceRef;
  /** An earlier hop that caused it (a flow that set the wrong VLAN), when it is not the stopping hop. */
  cause?: { hop: number; reason: string; flow?: FlowCitation };
}

export interface TracePath {
  direction: "request" | "reply";
  /** The packet as it started. */
  packet: { srcMac: string; dstMac: string; srcIp?: string; dstIp?: string; proto: TraceProto };
  hops: Hop[];
  verdict: Verdict;
}

export interface TraceReport {
  from: Endpoint;
  to: Endpoint;
  proto: TraceProto;
  request: TracePath;
  /** The reply, traced from where the request arrived; undefined when the request did not arrive or has no return address. */
  reply?: TracePath;
  /** Why there is no reply trace. */
  replySkipped?: string;
  /** Overall: delivered when the request (and its reply, when traced) got through. */
  verdict: { status: Verdict["status"]; summary: string };
  /** What the trace took for granted (ARP, conntrack, the switch, security groups). */
  assumptions: string[];
  /** Gaps in the evidence and simulator warnings. */
  warnings: string[];
}
