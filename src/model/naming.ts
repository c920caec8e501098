/**
 * Neutron's device naming conventions in one place (docs: neutron-ovs-facts §5). Names are a prefix plus the
 * first 11 characters of the Neutron port id (8 hex, dash, 2 hex); the OVS `iface-id` external id is the
 * authoritative link, names are the fallback when a snapshot lacks OVSDB data.
 */

export type DeviceRole =
  | "vm-tap" // tapXXXXXXXX-XX: VM vNIC, or the DHCP port (OVS internal) — disambiguated by where it lives
  | "hybrid-bridge" // qbr
  | "hybrid-veth-bridge-side" // qvb
  | "hybrid-veth-ovs-side" // qvo
  | "router-interface" // qr-
  | "router-gateway" // qg-
  | "ha" // ha-
  | "dvr-fip-gateway" // fg-
  | "dvr-snat" // sg-
  | "dvr-rfp" // rfp-
  | "dvr-fpr" // fpr-
  | "dhcp-veth-ns-side" // ns- (ovs_use_veth)
  | "patch-int" // int-<bridge>
  | "patch-phy" // phy-<bridge>
  | "tunnel" // vxlan-/gre-/geneve-
  | "other";

const PREFIXES: readonly [string, DeviceRole][] = [
  ["tap", "vm-tap"],
  ["qbr", "hybrid-bridge"],
  ["qvb", "hybrid-veth-bridge-side"],
  ["qvo", "hybrid-veth-ovs-side"],
  ["qr-", "router-interface"],
  ["qg-", "router-gateway"],
  ["ha-", "ha"],
  ["fg-", "dvr-fip-gateway"],
  ["sg-", "dvr-snat"],
  ["rfp-", "dvr-rfp"],
  ["fpr-", "dvr-fpr"],
  ["ns-", "dhcp-veth-ns-side"],
];

/** The 11-character port-id stem a device name carries (`qvoff8e411e-6e` → `ff8e411e-6e`). */
const STEM = /^[0-9a-f]{8}-[0-9a-f]{2}$/;

export interface DeviceName {
  role: DeviceRole;
  /** First 11 characters of the Neutron port id, when the name carries one. */
  portStem?: string;
  /** For patch ports: the bridge at the other end as the name says (`int-br-em3` → `br-em3`). */
  peerBridge?: string;
}

export function classifyDevice(name: string): DeviceName {
  for (const [prefix, role] of PREFIXES) {
    if (name.startsWith(prefix)) {
      const stem = name.slice(prefix.length);
      if (STEM.test(stem)) return { role, portStem: stem };
      // rfp-/fpr- carry the router id, not a port id.
      if (role === "dvr-rfp" || role === "dvr-fpr") return { role };
    }
  }
  if (name.startsWith("int-")) return { role: "patch-int", peerBridge: name.slice(4) };
  if (name.startsWith("phy-")) return { role: "patch-phy", peerBridge: name.slice(4) };
  if (/^(vxlan|gre|geneve|stt)-/.test(name)) return { role: "tunnel" };
  return { role: "other" };
}

/** The stem a device name uses for a Neutron port id. */
export function portStem(portId: string): string {
  return portId.slice(0, 11);
}

export function deviceName(
  prefix: "tap" | "qbr" | "qvb" | "qvo" | "qr-" | "qg-" | "ns-",
  portId: string,
): string {
  return `${prefix}${portStem(portId)}`;
}

/** `qrouter-<id>` / `qdhcp-<id>` / `fip-<id>` / `snat-<id>` → kind and the Neutron object id. */
export function classifyNamespace(name: string): {
  kind: "qrouter" | "qdhcp" | "fip" | "snat" | "other";
  id?: string;
} {
  const m = /^(qrouter|qdhcp|fip|snat)-([0-9a-f-]{36})$/.exec(name);
  if (!m) return { kind: "other" };
  return { kind: m[1] as "qrouter" | "qdhcp" | "fip" | "snat", id: m[2]! };
}

/** Neutron's dead VLAN: the agent parks ports it could not or must not wire here. */
export const DEAD_VLAN = 4095;
