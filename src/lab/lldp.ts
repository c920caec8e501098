/**
 * LLDP as the guide's captures show it: the ToR (`stackdr2.GARR`) tells each node NIC its port
 * (`GigabitEthernet2/0/x`), the PVID and, on trunks, the allowed VLANs. lldpd 1.0.16 has no 802.1 VLAN
 * configuration of its own for an OVS port, so the 802.1 TLVs (OUI 00-80-c2) are sent as custom TLVs; the
 * receiving lldpd decodes them as real dot1 data (`lldpctl` shows `VLAN: 324, pvid: no VLAN0324`).
 * The nodes run lldpd too, so `lldpctl` on a node works like on a real host.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HostPaths } from "./paths.js";
import { spawnDaemon } from "./processes.js";
import { inNs } from "./run.js";
import type { StateStore } from "./state.js";
import type { TorPort } from "./topology.js";

const hex2 = (n: number): string => n.toString(16).padStart(2, "0");
const u16 = (n: number): string => `${hex2((n >> 8) & 0xff)},${hex2(n & 0xff)}`;

/** 802.1 subtype 1: Port VLAN ID. */
export function pvidTlv(pvid: number): string {
  return `oui 00,80,c2 subtype 1 oui-info ${u16(pvid)}`;
}

/** 802.1 subtype 3: VLAN name (VLAN id, name length, name). */
export function vlanNameTlv(vlan: number, name: string): string {
  const bytes = [...Buffer.from(name, "ascii")].map(hex2).join(",");
  return `oui 00,80,c2 subtype 3 oui-info ${u16(vlan)},${hex2(name.length)},${bytes}`;
}

/** Cisco's default VLAN names. */
export const ciscoVlanName = (vlan: number): string => `VLAN${String(vlan).padStart(4, "0")}`;

/** lldpcli commands for the ToR: identity, then per port the Port ID/description and the 802.1 TLVs. */
export function torLldpConfig(systemName: string, description: string, ports: readonly TorPort[]): string {
  const lines = [
    `configure system hostname ${systemName}`,
    `configure system description "${description}"`,
    "configure system capabilities enabled bridge",
    // a frame every 5 s, so a capture (`tcpdump -c 1 ether proto 0x88cc`) does not wait 30 s
    "configure lldp tx-interval 5",
  ];
  for (const p of ports) {
    lines.push(`configure ports ${p.ifname} lldp portidsubtype local ${p.portId}`);
    lines.push(`configure ports ${p.ifname} lldp portdescription ${p.description}`);
    // the first custom-tlv command (without "add") replaces the port's list, the others append
    lines.push(`configure ports ${p.ifname} lldp custom-tlv ${pvidTlv(p.pvid)}`);
    if (p.mode.kind === "trunk") {
      for (const v of p.mode.vlans) {
        lines.push(`configure ports ${p.ifname} lldp custom-tlv add ${vlanNameTlv(v, ciscoVlanName(v))}`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

export function nodeLldpConfig(hostname: string): string {
  return [
    `configure system hostname ${hostname}`,
    "configure lldp tx-interval 5",
    "configure lldp portidsubtype ifname",
    "",
  ].join("\n");
}

/** Run lldpd in the foreground (-d) inside `ns` with its own control socket and configuration. */
export async function startLldpd(
  store: StateStore,
  spec: { hostKey: string; ns: string; paths: HostPaths; interfaces: readonly string[]; config: string },
): Promise<void> {
  const dir = spec.paths.lldpd;
  if (!existsSync(dir)) {
    store.recordDir(dir);
    mkdirSync(dir, { recursive: true });
  }
  const conf = join(dir, "lldpd.conf");
  store.recordFile(conf);
  writeFileSync(conf, spec.config);
  store.recordFile(spec.paths.lldpdSocket);
  await spawnDaemon(store, {
    name: `${spec.hostKey}/lldpd`,
    ns: spec.ns,
    argv: inNs(spec.ns, [
      "lldpd",
      "-d",
      "-u",
      spec.paths.lldpdSocket,
      "-I",
      spec.interfaces.join(","),
      "-O",
      conf,
      "-S",
      `netdoctor lab ${spec.hostKey}`,
    ]),
    log: join(dir, "lldpd.log"),
  });
}
