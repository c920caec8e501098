/**
 * How to see the traced packet for real at a hop: the tcpdump command (with `-e -n`, a VLAN-aware filter where
 * the frame is tagged, inside the namespace where the device lives) and, for OVS ports the kernel cannot
 * capture (patch ports), the guide's "snooper" mirror — as an OVS internal port, since the kernel may lack the
 * `dummy` driver, created with the mirror in one ovs-vsctl transaction — or `ovs-tcpdump` when installed.
 */
import type { MirrorRecipe, TraceProto } from "./types.js";

/** The BPF filter for the packet: `vlan 324 and icmp`, `tcp port 22`. */
export function captureFilter(proto: TraceProto, vlan: number | "untagged"): string {
  const p =
    proto.name === "icmp"
      ? "icmp"
      : proto.port === undefined
        ? proto.name
        : `${proto.name} port ${proto.port}`;
  return vlan === "untagged" ? p : `vlan ${vlan} and ${p}`;
}

export function tcpdumpCommand(
  device: string,
  proto: TraceProto,
  vlan: number | "untagged",
  netns?: string,
): string {
  const cmd = `tcpdump -e -n -i ${device} '${captureFilter(proto, vlan)}'`;
  return netns === undefined ? cmd : `ip netns exec ${netns} ${cmd}`;
}

/** Scratch port and mirror names: short enough for a 15-character device name. */
const SNOOPER = "snooper0";

export function mirrorRecipe(
  bridge: string,
  port: string,
  proto: TraceProto,
  vlan: number | "untagged",
  kind = "patch",
): MirrorRecipe {
  const mirror = `nd-${port}`.slice(0, 60);
  const filter = captureFilter(proto, vlan);
  return {
    bridge,
    port,
    setup: [
      `ovs-vsctl add-port ${bridge} ${SNOOPER} -- set interface ${SNOOPER} type=internal` +
        ` -- --id=@out get Port ${SNOOPER} -- --id=@p get Port ${port}` +
        ` -- --id=@m create Mirror name=${mirror} select-src-port=@p select-dst-port=@p output-port=@out` +
        ` -- add Bridge ${bridge} mirrors @m`,
      `ip link set dev ${SNOOPER} up`,
    ],
    capture: `tcpdump -e -n -i ${SNOOPER} '${filter}'`,
    cleanup: [
      `ovs-vsctl -- --id=@m get Mirror ${mirror} -- remove Bridge ${bridge} mirrors @m -- del-port ${bridge} ${SNOOPER}`,
    ],
    ovsTcpdump: `ovs-tcpdump -i ${port} -e -n '${filter}'`,
    note: `${port} is an OVS ${kind} port with no kernel device (tcpdump -i ${port}: "No such device"): mirror it to an internal port (no \`dummy\` driver needed); the mirror copies frames as they cross ${port}, tags included, and its output port takes no other traffic`,
  };
}
