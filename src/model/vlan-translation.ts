/**
 * Neutron's VLAN translation per node (neutron-ovs-facts §3), read from the flows themselves:
 * br-int:   in_port=int-<phys>, dl_vlan=SEG   → set local VLAN   (ingress, from the wire)
 * <phys>:   in_port=phy-<phys>, dl_vlan=LOCAL → set SEG or strip (egress, to the wire)
 * Flat networks match/produce untagged frames (segmentationId undefined).
 */
import { flowVlanResult, matchInPort, matchVlan } from "../openflow/vlan.js";
import { lineRef } from "./evidence.js";
import { classifyDevice } from "./naming.js";
import { resolvePort } from "./ovs.js";
import type { Bridge, VlanTranslation } from "./types.js";

export function deriveVlanTranslations(
  bridges: readonly Bridge[],
  bridgeMappings: readonly { physnet: string; bridge: string }[],
): VlanTranslation[] {
  const physnetOf = (bridge: string | undefined) => bridgeMappings.find((m) => m.bridge === bridge)?.physnet;
  const out: VlanTranslation[] = [];
  for (const bridge of bridges) {
    if (!bridge.flows) continue;
    for (const flow of bridge.flows.flows) {
      const rawIn = matchInPort(flow.match);
      if (rawIn === undefined) continue;
      const inPort = resolvePort(bridge, rawIn) ?? rawIn;
      const dev = classifyDevice(inPort);
      // An unresolved port number still counts on br-int / a mapped bridge: the guide's network node has
      // flows with `in_port=1` and no port map.
      const direction =
        dev.role === "patch-int" || (dev.role === "other" && /^\d+$/.test(inPort) && bridge.name === "br-int")
          ? "ingress"
          : dev.role === "patch-phy" || (/^\d+$/.test(inPort) && physnetOf(bridge.name) !== undefined)
            ? "egress"
            : undefined;
      if (direction === undefined) continue;
      const vlan = matchVlan(flow.match);
      const result = flowVlanResult(flow);
      if (result === undefined) continue;
      const providerBridge = direction === "ingress" ? dev.peerBridge : bridge.name;
      const base = {
        direction,
        bridge: bridge.name,
        inPort,
        flow,
        evidence: lineRef({ path: bridge.flows.path }, flow.line, flow.text),
      } as const;
      let t: VlanTranslation | undefined;
      if (direction === "ingress" && typeof result === "object") {
        if (vlan.kind === "vid") t = { ...base, segmentationId: vlan.vid, localVlan: result.set };
        else if (vlan.kind === "untagged") t = { ...base, localVlan: result.set };
      } else if (direction === "egress" && vlan.kind === "vid") {
        if (typeof result === "object") t = { ...base, segmentationId: result.set, localVlan: vlan.vid };
        else t = { ...base, localVlan: vlan.vid };
      }
      if (!t) continue;
      if (providerBridge !== undefined) t.providerBridge = providerBridge;
      const physnet = physnetOf(providerBridge);
      if (physnet !== undefined) t.physnet = physnet;
      out.push(t);
    }
  }
  return out;
}
