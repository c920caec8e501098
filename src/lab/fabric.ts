/**
 * The physical layer of the lab: namespaces for the hosts, veth "cables" from every NIC to the ToR switch,
 * the switch's port configuration (trunks and access ports), the node bridges the agents expect
 * (br-em3 with em3, br-ex with em4) and the management addresses.
 */
import { existsSync } from "node:fs";
import { addBridge, vsctl } from "./ovs.js";
import type { LabPaths } from "./paths.js";
import { inNs, run } from "./run.js";
import type { StateStore } from "./state.js";
import { EXT_SERVER, MGMT_HOST, MGMT_PREFIX_LEN, NODES, TOR, TOR_PORTS, type TorPort } from "./topology.js";

export function namespaceExists(ns: string): boolean {
  return existsSync(`/run/netns/${ns}`);
}

/** Create (once) a namespace with loopback up and IPv6 off: the guide's cloud is IPv4 only. */
export async function ensureNamespace(store: StateStore, ns: string): Promise<void> {
  store.recordNamespace(ns);
  if (!namespaceExists(ns)) await run(["ip", "netns", "add", ns]);
  await run(inNs(ns, ["ip", "link", "set", "lo", "up"]));
  await run(
    inNs(ns, [
      "sysctl",
      "-q",
      "-w",
      "net.ipv6.conf.all.disable_ipv6=1",
      "net.ipv6.conf.default.disable_ipv6=1",
    ]),
  );
}

const at = (ns: string | null, argv: string[]): string[] => (ns === null ? argv : inNs(ns, argv));

async function linkExists(ns: string | null, ifname: string): Promise<boolean> {
  const r = await run(at(ns, ["ip", "link", "show", "dev", ifname]), { allowFailure: true });
  return r.code === 0;
}

/**
 * Userspace OVS forwards veth frames through AF_PACKET without completing offloaded checksums, so TCP/UDP
 * sent from a namespace would arrive with bad checksums (ICMP is unaffected). Senders compute them instead.
 */
export async function noTxOffload(ns: string | null, ifname: string): Promise<void> {
  await run(at(ns, ["ethtool", "-K", ifname, "tx", "off"]), { allowFailure: true });
}

/** A veth pair between two namespaces (null = root namespace), both ends up. */
export async function cable(
  store: StateStore,
  a: { ns: string | null; ifname: string },
  b: { ns: string | null; ifname: string },
): Promise<void> {
  store.recordLink({ kind: "veth", name: a.ifname, ns: a.ns, peer: b.ifname, peerNs: b.ns });
  if (!(await linkExists(a.ns, a.ifname))) {
    const argv = ["ip", "link", "add", a.ifname];
    if (a.ns !== null) argv.push("netns", a.ns);
    argv.push("type", "veth", "peer", "name", b.ifname);
    if (b.ns !== null) argv.push("netns", b.ns);
    await run(argv);
  }
  for (const end of [a, b]) {
    await run(at(end.ns, ["ip", "link", "set", end.ifname, "up"]));
    await noTxOffload(end.ns, end.ifname);
  }
}

function torPortArgs(p: TorPort): string[] {
  return p.mode.kind === "trunk"
    ? ["vlan_mode=trunk", `trunks=${p.mode.vlans.join(",")}`]
    : ["vlan_mode=access", `tag=${p.mode.vlan}`];
}

/** br-tor: a standalone learning switch; trunks carry 319–328, access ports put untagged frames in one VLAN. */
export async function configureTor(paths: LabPaths): Promise<void> {
  const dir = paths.host(TOR.name).ovs;
  await addBridge(dir, TOR.bridge, "standalone");
  const args: string[] = [];
  for (const p of TOR_PORTS) {
    args.push(
      "--",
      "--may-exist",
      "add-port",
      TOR.bridge,
      p.ifname,
      "--",
      "set",
      "Port",
      p.ifname,
      ...torPortArgs(p),
    );
  }
  await vsctl(dir, args);
  for (const p of TOR_PORTS) {
    // `ip link` on the switch shows the Cisco name, as `show interfaces description` would
    await run(inNs(TOR.ns, ["ip", "link", "set", "dev", p.ifname, "alias", p.description]));
  }
}

/** Cable every NIC of every node, the external server and the operator's seat to its ToR port. */
export async function cableAll(store: StateStore): Promise<void> {
  for (const p of TOR_PORTS) {
    await cable(store, { ns: p.peer.ns, ifname: p.peer.ifname }, { ns: TOR.ns, ifname: p.ifname });
  }
}

/** br-em3 (+ br-ex on the network node) with their NICs, so the agent finds its bridge_mappings bridges. */
export async function configureNodeBridges(paths: LabPaths): Promise<void> {
  for (const node of NODES) {
    const dir = paths.host(node.name).ovs;
    for (const nic of node.nics) {
      if (nic.bridge === undefined) continue;
      await addBridge(dir, nic.bridge, "secure");
      await vsctl(dir, ["--may-exist", "add-port", nic.bridge, nic.name]);
    }
  }
}

export async function configureAddresses(): Promise<void> {
  for (const node of NODES) {
    for (const nic of node.nics) {
      if (nic.address !== undefined) {
        await run(inNs(node.ns, ["ip", "addr", "replace", nic.address, "dev", nic.name]));
      }
    }
  }
  await run(["sysctl", "-q", "-w", `net.ipv6.conf.${MGMT_HOST.ifname}.disable_ipv6=1`], {
    allowFailure: true,
  });
  await run(["ip", "addr", "replace", `${MGMT_HOST.address}/${MGMT_PREFIX_LEN}`, "dev", MGMT_HOST.ifname]);
  await run(
    inNs(EXT_SERVER.ns, [
      "ip",
      "addr",
      "replace",
      `${EXT_SERVER.address}/${EXT_SERVER.prefixLen}`,
      "dev",
      EXT_SERVER.ifname,
    ]),
  );
}
