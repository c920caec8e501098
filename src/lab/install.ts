/**
 * What the lab needs from Debian 12 and how to install it. CI calls
 *   node --import tsx src/lab/install.ts          (or: netdoctor lab install-deps)
 * which runs exactly {@link aptInstallArgv}; `--print` only prints the command line.
 */
import { accessSync, constants, existsSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { run } from "./run.js";

/** Debian 12 (bookworm) packages, all from the main archive. */
export const LAB_APT_PACKAGES = [
  // Open vSwitch 3.1 (userspace datapath) and the tools the guide uses on a node
  "openvswitch-switch",
  "openvswitch-common",
  "python3-openvswitch",
  "iproute2",
  "iputils-ping",
  "iputils-arping",
  "iptables",
  "ethtool",
  "procps",
  "tcpdump",
  "lldpd",
  "conntrack",
  // real Neutron 21 (Zed): server, the three agents, their message bus, dnsmasq for DHCP
  "rabbitmq-server",
  "neutron-server",
  "neutron-openvswitch-agent",
  "neutron-dhcp-agent",
  "neutron-l3-agent",
  "dnsmasq-base",
  "dnsmasq-utils",
] as const;

export function aptInstallArgv(): string[] {
  return ["apt-get", "install", "-y", "--no-install-recommends", ...LAB_APT_PACKAGES];
}

/** Commands `lab up` runs, with the package that provides each. */
export const REQUIRED_COMMANDS: readonly { cmd: string; pkg: string }[] = [
  { cmd: "ovsdb-server", pkg: "openvswitch-switch" },
  { cmd: "ovs-vswitchd", pkg: "openvswitch-switch" },
  { cmd: "ovs-vsctl", pkg: "openvswitch-common" },
  { cmd: "ovs-ofctl", pkg: "openvswitch-common" },
  { cmd: "ip", pkg: "iproute2" },
  { cmd: "ping", pkg: "iputils-ping" },
  { cmd: "ethtool", pkg: "ethtool" },
  { cmd: "sysctl", pkg: "procps" },
  { cmd: "iptables", pkg: "iptables" },
  { cmd: "tcpdump", pkg: "tcpdump" },
  { cmd: "lldpd", pkg: "lldpd" },
  { cmd: "lldpctl", pkg: "lldpd" },
  { cmd: "nsenter", pkg: "util-linux" },
  { cmd: "setpriv", pkg: "util-linux" },
  { cmd: "rabbitmq-server", pkg: "rabbitmq-server" },
  { cmd: "neutron-server", pkg: "neutron-server" },
  { cmd: "neutron-openvswitch-agent", pkg: "neutron-openvswitch-agent" },
  { cmd: "neutron-dhcp-agent", pkg: "neutron-dhcp-agent" },
  { cmd: "neutron-l3-agent", pkg: "neutron-l3-agent" },
  { cmd: "privsep-helper", pkg: "python3-oslo.privsep" },
  { cmd: "dnsmasq", pkg: "dnsmasq-base" },
];

const SEARCH_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

export function findCommand(cmd: string): string | undefined {
  const dirs = [...(process.env["PATH"] ?? "").split(":").filter((d) => d !== ""), ...SEARCH_PATH];
  for (const d of dirs) {
    const p = join(d, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Missing {
  what: string;
  pkg: string;
}

/** What keeps `lab up` from running on this machine (empty when all is there). */
export function missingComponents(): Missing[] {
  const missing: Missing[] = REQUIRED_COMMANDS.filter((c) => findCommand(c.cmd) === undefined).map((c) => ({
    what: c.cmd,
    pkg: c.pkg,
  }));
  if (!existsSync("/usr/share/openvswitch/vswitch.ovsschema")) {
    missing.push({ what: "/usr/share/openvswitch/vswitch.ovsschema", pkg: "openvswitch-common" });
  }
  if (!existsSync("/usr/lib/rabbitmq/bin/rabbitmq-server")) {
    missing.push({ what: "/usr/lib/rabbitmq/bin/rabbitmq-server", pkg: "rabbitmq-server" });
  }
  if (!existsSync("/usr/bin/python3")) missing.push({ what: "/usr/bin/python3", pkg: "python3" });
  return missing;
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/**
 * apt-get install with a temporary policy-rc.d that forbids service starts: the packages' postinst would
 * otherwise start a machine-wide RabbitMQ, Open vSwitch and an lldpd talking on the real NIC.
 */
export async function installLabDeps(log: (line: string) => void = () => {}): Promise<void> {
  const policy = "/usr/sbin/policy-rc.d";
  const madePolicy = !existsSync(policy);
  if (madePolicy)
    writeFileSync(policy, "#!/bin/sh\n# netdoctor lab install: no service starts\nexit 101\n", {
      mode: 0o755,
    });
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    log("apt-get update");
    await run(["apt-get", "update", "-qq"], { env, timeoutMs: 600_000 });
    log(aptInstallArgv().join(" "));
    await run(aptInstallArgv(), { env, timeoutMs: 1_800_000 });
  } finally {
    if (madePolicy) unlinkSync(policy);
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  if (process.argv.includes("--print")) {
    process.stdout.write(`${aptInstallArgv().join(" ")}\n`);
  } else {
    installLabDeps((l) => process.stderr.write(`[lab install] ${l}\n`)).catch((err: unknown) => {
      process.stderr.write(`lab install failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    });
  }
}
