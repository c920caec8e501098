/**
 * A lab VM is a network namespace whose eth0 is one end of a veth; the other end is the VM's tap on its
 * host. The tap is plugged the way Nova/os-vif plug it, so the real agent binds it:
 *   - hybrid (compute, iptables_hybrid firewall): tap → qbr (Linux bridge) → qvb/qvo veth → br-int
 *   - ovs (controller, OVS firewall): tap directly on br-int
 * with the Interface external_ids the agent looks for (iface-id, iface-status, attached-mac, vm-uuid).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { cable } from "./fabric.js";
import { domainXml, type VmNic } from "./libvirt-xml.js";
import type { ApiPort } from "./neutron-api.js";
import { vsctl } from "./ovs.js";
import type { LabPaths } from "./paths.js";
import { inNs, run, waitFor } from "./run.js";
import type { StateStore } from "./state.js";
import { type LabVm, nodeByName, tenantNetworkByName, vifNames } from "./topology.js";

async function configureGuest(vm: LabVm, mac: string): Promise<void> {
  const net = tenantNetworkByName(vm.network);
  if (net === undefined) throw new Error(`VM ${vm.name}: unknown network ${vm.network}`);
  const prefix = net.cidr.split("/")[1] ?? "24";
  const g = (argv: string[]) => run(inNs(vm.ns, argv));
  await g(["ip", "link", "set", "eth0", "address", mac]);
  await g(["ip", "addr", "replace", `${vm.ip}/${prefix}`, "dev", "eth0"]);
  await g(["ip", "link", "set", "eth0", "up"]);
  await g(["ip", "route", "replace", "default", "via", net.gateway]);
}

async function plugHybrid(store: StateStore, ns: string, names: ReturnType<typeof vifNames>): Promise<void> {
  store.recordLink({ kind: "bridge", name: names.qbr, ns });
  const exists = await run(inNs(ns, ["ip", "link", "show", "dev", names.qbr]), { allowFailure: true });
  if (exists.code !== 0) {
    await run(
      inNs(ns, ["ip", "link", "add", names.qbr, "type", "bridge", "forward_delay", "0", "stp_state", "0"]),
    );
  }
  await run(inNs(ns, ["ip", "link", "set", names.qbr, "up"]));
  await cable(store, { ns, ifname: names.qvb }, { ns, ifname: names.qvo });
  await run(inNs(ns, ["ip", "link", "set", names.qvb, "master", names.qbr]));
  await run(inNs(ns, ["ip", "link", "set", names.tap, "master", names.qbr]));
}

export async function plugVm(store: StateStore, paths: LabPaths, vm: LabVm, port: ApiPort): Promise<void> {
  const node = nodeByName(vm.node);
  if (node === undefined) throw new Error(`VM ${vm.name}: unknown node ${vm.node}`);
  const names = vifNames(port.id);
  const ovsDir = paths.host(node.name).ovs;

  await cable(store, { ns: node.ns, ifname: names.tap }, { ns: vm.ns, ifname: "eth0" });
  await configureGuest(vm, port.mac_address);
  if (vm.plug === "hybrid") await plugHybrid(store, node.ns, names);
  const ovsPort = vm.plug === "hybrid" ? names.qvo : names.tap;

  // br-int is the agent's: it creates it when it starts
  await waitFor(
    `br-int on ${node.name}`,
    async () =>
      (await vsctl(ovsDir, ["br-exists", "br-int"], { allowFailure: true })).code === 0 ? true : undefined,
    { timeoutMs: 60_000 },
  );
  await vsctl(ovsDir, [
    "--may-exist",
    "add-port",
    "br-int",
    ovsPort,
    "--",
    "set",
    "Interface",
    ovsPort,
    `external_ids:iface-id=${port.id}`,
    "external_ids:iface-status=active",
    `external_ids:attached-mac=${port.mac_address}`,
    `external_ids:vm-uuid=${vm.uuid}`,
  ]);

  const nic: VmNic = { portId: port.id, mac: port.mac_address, tap: names.tap };
  if (vm.plug === "hybrid") nic.qbr = names.qbr;
  const xmlPath = paths.libvirtXml(node.name, vm.instance);
  const xmlDir = dirname(xmlPath);
  if (!existsSync(xmlDir)) {
    store.recordDir(xmlDir);
    mkdirSync(xmlDir, { recursive: true });
  }
  store.recordFile(xmlPath);
  writeFileSync(xmlPath, domainXml(vm, nic));
}
