/**
 * Runs the evidence catalogue on one node through a Transport and writes what it gets into the snapshot:
 * node-wide items first, then the per-object ones (bridges, namespaces, NICs, domains) discovered from the
 * node's own answers, then the config files (redacted). A failing command is recorded with its exit code and
 * stderr — a gap the later stages report — and never stops the rest.
 */
import { parseIpNetns, parseIpRoute } from "../parse/ip.js";
import { parseLldpctlJson } from "../parse/lldp.js";
import { iniGet, parseBridgeMappings, parseOsloIni } from "../parse/oslo-ini.js";
import { parseOvsVsctlShow } from "../parse/ovs-vsctl-show.js";
import { parsePs } from "../parse/ps.js";
import {
  CATALOGUE,
  CONFIG_FILES,
  type EvidenceSpec,
  type ParamKind,
  type Role,
} from "../snapshot/catalogue.js";
import type { NodeMeta } from "../snapshot/format.js";
import type { SnapshotWriter } from "../snapshot/writer.js";
import type { Transport } from "./transport.js";

export interface NodeCollectOptions {
  /** Snapshot name of the node. */
  name: string;
  /** Roles when known (inventory); detected from the process list otherwise. */
  roles?: Role[];
  nics?: NodeMeta["nics"];
  timeoutMs?: number;
  /** How long to wait for one LLDP frame per NIC when lldpd does not run (switches send every 30 s). */
  lldpWaitSeconds?: number;
  /** Called before each command, for progress displays. */
  onCommand?: (node: string, command: string) => void;
}

export interface NodeCollectResult {
  name: string;
  commands: number;
  failed: number;
}

/** Daemons that reveal a node's roles (the guide's compute / controller / network split). */
const ROLE_MARKERS: readonly [RegExp, Role][] = [
  [/\bnova-compute\b/, "compute"],
  [/\bneutron-server\b|\bnova-api\b|\bnova-scheduler\b|\bnova-conductor\b|\bkeystone\b/, "controller"],
  [/\bneutron-l3-agent\b|\bneutron-dhcp-agent\b/, "network"],
];

/** OpenStack services whose logs the snapshot keeps, when they run on the node. */
const LOGGED_SERVICES = [
  "neutron-server",
  "neutron-openvswitch-agent",
  "neutron-dhcp-agent",
  "neutron-l3-agent",
  "neutron-metadata-agent",
  "nova-compute",
  "nova-api",
  "nova-scheduler",
  "nova-conductor",
] as const;

export function servicesFromProcesses(psText: string): string[] {
  const args = parsePs(psText).value.map((p) => p.args);
  return LOGGED_SERVICES.filter((svc) => args.some((a) => new RegExp(`(^|[/\\s])${svc}(\\s|$)`).test(a)));
}

export function rolesFromProcesses(psText: string): Role[] {
  const args = parsePs(psText).value.map((p) => p.args);
  return ROLE_MARKERS.filter(([re]) => args.some((a) => re.test(a))).map(([, role]) => role);
}

const wanted = (spec: EvidenceSpec, roles: Role[]): boolean =>
  spec.scope === "node" &&
  (spec.roles.length === 0 || roles.length === 0 || spec.roles.some((r) => roles.includes(r)));

const shellQuote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

export async function collectNode(
  t: Transport,
  w: SnapshotWriter,
  opts: NodeCollectOptions,
): Promise<NodeCollectResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const result: NodeCollectResult = { name: opts.name, commands: 0, failed: 0 };
  const outputs = new Map<string, string>();

  const runSpec = async (spec: EvidenceSpec, param?: string): Promise<void> => {
    const alternatives = spec.commands(param ?? "");
    let last: { argv: readonly string[]; r: Awaited<ReturnType<Transport["exec"]>> } | undefined;
    for (const argv of alternatives) {
      opts.onCommand?.(opts.name, argv.join(" "));
      const limit = spec.id === "lldp" ? ((opts.lldpWaitSeconds ?? 35) + 5) * 1000 : timeoutMs;
      const r = await t.exec(argv, { timeoutMs: limit });
      last = { argv, r };
      if (r.exitCode === 0) break;
    }
    if (!last) return;
    result.commands++;
    if (last.r.exitCode !== 0) result.failed++;
    const key = param === undefined ? spec.id : `${spec.id}@${param}`;
    outputs.set(key, last.r.stdout);
    w.evidence(
      opts.name,
      {
        id: spec.id,
        ...(param === undefined ? {} : { param }),
        command: last.argv.map(shellQuote).join(" "),
        exitCode: last.r.exitCode,
        stderr: last.r.stderr,
        collectedAt: new Date().toISOString(),
        durationMs: last.r.durationMs,
        origin: t.name === "local" ? "live" : `live:${t.name}`,
      },
      last.r.stdout,
    );
  };

  // The process list first: it tells the roles when the inventory does not.
  const ps = CATALOGUE.find((s) => s.id === "ps")!;
  await runSpec(ps);
  const roles = opts.roles ?? rolesFromProcesses(outputs.get("ps") ?? "");

  for (const spec of CATALOGUE)
    if (spec.id !== "ps" && spec.param === undefined && wanted(spec, roles)) await runSpec(spec);

  const configs = new Map<string, string>();
  for (const file of CONFIG_FILES) {
    if (file.roles.length > 0 && roles.length > 0 && !file.roles.some((r) => roles.includes(r))) continue;
    const r = await t.exec(["cat", file.path], { timeoutMs });
    if (r.exitCode !== 0) continue;
    configs.set(file.path, r.stdout);
    w.configFile(opts.name, file.path, r.stdout);
  }
  const nics = opts.nics?.length ? opts.nics : discoverNics(outputs, configs);

  const params: Record<ParamKind, string[]> = {
    bridge: (outputs.get("ovs-vsctl-list-br") ?? "")
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean),
    namespace: parseIpNetns(outputs.get("ip-netns") ?? "").value.map((n) => n.name),
    nic: nics.map((n) => n.name),
    service: servicesFromProcesses(outputs.get("ps") ?? ""),
    domain: (outputs.get("virsh-list") ?? "")
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean),
  };
  // lldpd already knows the neighbours: no capture needed on NICs it reports.
  const lldpdIfaces = new Set(parseLldpctlJson(outputs.get("lldpctl-json") ?? "").value.map((n) => n.iface));
  for (const spec of CATALOGUE) {
    if (spec.param === undefined || !wanted(spec, roles)) continue;
    for (const p of params[spec.param]) {
      if (spec.id === "lldp" && lldpdIfaces.has(p)) continue;
      await runSpec(spec, p);
    }
  }

  // Without virsh (libvirt in a container, or no libvirt client), the persistent domain files still say it all.
  if (params.domain.length === 0 && roles.includes("compute")) {
    const ls = await t.exec(["ls", "/etc/libvirt/qemu"], { timeoutMs });
    for (const file of ls.stdout.split("\n").filter((f) => f.endsWith(".xml"))) {
      const xml = await t.exec(["cat", `/etc/libvirt/qemu/${file}`], { timeoutMs });
      if (xml.exitCode === 0) w.rawFile(opts.name, `/etc/libvirt/qemu/${file}`, xml.stdout);
    }
  }

  w.node({ name: opts.name, roles, nics, warnings: [] });
  return result;
}

/**
 * NIC roles when the inventory gives none: system ports of the bridges named in `bridge_mappings` are provider
 * NICs (external for br-ex), and the device of the default route is the management NIC.
 */
export function discoverNics(outputs: Map<string, string>, configs: Map<string, string>): NodeMeta["nics"] {
  const mappings = [...configs.values()].flatMap((text) => {
    const value = iniGet(parseOsloIni(text).value, "ovs", "bridge_mappings");
    return value === undefined ? [] : parseBridgeMappings(value).value;
  });
  const nics: NodeMeta["nics"] = [];
  for (const bridge of parseOvsVsctlShow(outputs.get("ovs-vsctl-show") ?? "").value.bridges) {
    const mapping = mappings.find((m) => m.bridge === bridge.name);
    if (!mapping) continue;
    for (const port of bridge.ports) {
      const systemIface = port.interfaces.every(
        (i) => i.type === undefined || i.type === "" || i.type === "system",
      );
      if (!systemIface || port.name === bridge.name) continue;
      nics.push({
        name: port.name,
        role: bridge.name === "br-ex" ? "external" : "provider",
        bridge: bridge.name,
        physnet: mapping.physnet,
      });
    }
  }
  const mgmt = parseIpRoute(outputs.get("ip-route") ?? "").value.find(
    (r) => r.dst === "default" && r.dev !== undefined,
  )?.dev;
  if (mgmt !== undefined && !nics.some((n) => n.name === mgmt) && !mgmt.startsWith("br-"))
    nics.push({ name: mgmt, role: "mgmt" });
  return nics;
}
