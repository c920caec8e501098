/**
 * Where the lab keeps its files: one state directory (default /var/lib/netdoctor-lab, or
 * $NETDOCTOR_LAB_DIR) with one sub-directory per host. Pure path arithmetic, no I/O.
 */
import { join } from "node:path";

export const DEFAULT_LAB_DIR = "/var/lib/netdoctor-lab";

export function resolveLabDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env["NETDOCTOR_LAB_DIR"];
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : DEFAULT_LAB_DIR;
}

/**
 * Mount points shared with the root mount namespace: inside a node's private mount namespace the node's
 * OVS run dir is bind-mounted on /run/openvswitch (and its lldpd socket on /run/lldpd.socket), so every
 * tool — and the Neutron agents' privsep daemons, whose environment is wiped — finds them at default paths.
 */
export const OVS_DEFAULT_RUNDIR = "/run/openvswitch";
export const LLDPD_DEFAULT_SOCKET = "/run/lldpd.socket";
/** lldpd chroots its unprivileged half here; it must exist. */
export const LLDPD_CHROOT = "/run/lldpd";

export interface HostPaths {
  root: string;
  ovs: string;
  lldpd: string;
  lldpdSocket: string;
  neutron: string;
}

export class LabPaths {
  constructor(readonly labDir: string) {}

  get stateFile(): string {
    return join(this.labDir, "state.json");
  }

  host(key: string): HostPaths {
    const root = join(this.labDir, key);
    return {
      root,
      ovs: join(root, "ovs"),
      lldpd: join(root, "lldpd"),
      lldpdSocket: join(root, "lldpd", "lldpd.socket"),
      neutron: join(root, "neutron"),
    };
  }

  /** RabbitMQ's node directory (mnesia, logs, cookie) — it runs on the controller. */
  get rabbit(): string {
    return join(this.labDir, "controller", "rabbitmq");
  }

  get neutronServer(): string {
    return join(this.labDir, "controller", "neutron-server");
  }

  /** libvirt domain XML of a VM, where /etc/libvirt/qemu would be on that host. */
  libvirtXml(node: string, instance: string): string {
    return join(this.host(node).root, "etc", "libvirt", "qemu", `${instance}.xml`);
  }
}
