/**
 * The guide's "Debugging Nova" chain and the first two steps of its neutron-db recipe: are the Nova services up
 * and enabled, are there resources left, are the Neutron agents alive, and does every nova-compute host have an
 * Open vSwitch agent of the same name — the usual causes of "No valid host was found" and binding_failed.
 */
import type { CloudModel, NeutronPort } from "../model/types.js";
import { type Finding, finding, type Rule, type Severity } from "./types.js";

type Service = CloudModel["computeServices"][number];
type Agent = CloudModel["agents"][number];

/** nova's default `service_down_time`: a service whose heartbeat is older is reported down. */
const SERVICE_DOWN_TIME_S = 60;

/** Without these the scheduling chain stops; the others (cert, consoleauth, console proxies) only degrade. */
const ESSENTIAL = new Set(["nova-compute", "nova-scheduler", "nova-conductor", "nova-api"]);

/** nova prints `2015-02-12T13:52:45.000000` (UTC, no zone); the API may add one. */
function serviceTime(s: Service): number | undefined {
  if (s.updatedAt === undefined) return undefined;
  const t = s.updatedAt
    .trim()
    .replace(" ", "T")
    .replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(t) ? t : `${t}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

const label = (s: Service): string => `${s.binary ?? "service"} on ${s.host ?? "unknown host"}`;

const serviceFix = (s: Service): string[] => [
  `openstack compute service list --service ${s.binary ?? "nova-compute"} --host ${s.host ?? "<host>"}`,
  `ssh ${s.host ?? "<host>"} systemctl status ${s.binary ?? "nova-compute"}`,
  `ssh ${s.host ?? "<host>"} tail -n 100 /var/log/nova/${s.binary ?? "nova-compute"}.log`,
  `ssh ${s.host ?? "<host>"} systemctl restart ${s.binary ?? "nova-compute"}`,
];

const serviceDown: Rule = {
  id: "nova.service-down",
  title: "A Nova service is down or has stopped reporting",
  severity: "error",
  category: "nova",
  faults: ["F12", "guide:mapping-physnet-vs-network"],
  doc: {
    checks:
      "`nova service-list` / `openstack compute service list`: State is up, and Updated_at is within nova's " +
      `service_down_time (${SERVICE_DOWN_TIME_S} s by default) of the newest heartbeat in the same listing — the ` +
      "snapshot has no clock of its own.",
    why:
      "The scheduler skips a down nova-compute (ComputeFilter); with scheduler or conductor down nothing boots. " +
      'The boot fails with "No valid host was found".',
    fix: "Look at the service's log, fix its messaging/database access, restart it.",
  },
  run({ model }) {
    const times = model.computeServices.map(serviceTime).filter((t): t is number => t !== undefined);
    const newest = times.length > 0 ? Math.max(...times) : undefined;
    const out: Finding[] = [];
    for (const s of model.computeServices) {
      const t = serviceTime(s);
      const lag = newest !== undefined && t !== undefined ? Math.round((newest - t) / 1000) : undefined;
      const essential = ESSENTIAL.has(s.binary ?? "");
      if (s.up === false) {
        out.push(
          finding(serviceDown, {
            node: s.host,
            object: label(s),
            title: `${label(s)} is down`,
            explanation:
              (s.binary === "nova-compute"
                ? `The scheduler places no instance on ${s.host}; if no other host fits, boots fail with "No valid host was found".`
                : `${s.binary} does not report: ${essential ? "instance boots fail or hang" : "its feature is unavailable"}.`) +
              ` Last heartbeat ${s.updatedAt ?? "unknown"}${lag !== undefined && lag > 0 ? `, ${lag} s before the newest in the listing` : ""}.`,
            evidence: [s.evidence],
            fix: serviceFix(s),
            ...(essential ? {} : { severity: "warning" as const }),
          }),
        );
      } else if (lag !== undefined && lag > SERVICE_DOWN_TIME_S) {
        out.push(
          finding(serviceDown, {
            node: s.host,
            object: label(s),
            title: `${label(s)} has not reported for ${lag} s`,
            explanation:
              `Its last heartbeat (${s.updatedAt}) is ${lag} s older than the newest in the same listing, more than ` +
              `service_down_time (${SERVICE_DOWN_TIME_S} s by default): it has stopped reporting and nova will call it down.`,
            evidence: [s.evidence],
            fix: serviceFix(s),
            severity: "warning",
          }),
        );
      }
    }
    return out;
  },
};

const serviceDisabled: Rule = {
  id: "nova.service-disabled",
  title: "A Nova service is administratively disabled",
  severity: "warning",
  category: "nova",
  faults: ["F12"],
  doc: {
    checks: "`nova service-list` / `openstack compute service list`: Status is enabled.",
    why: 'The scheduler never picks a disabled nova-compute; when it is the only fitting host, "No valid host was found".',
    fix: "`openstack compute service set --enable <host> <binary>` once the reason is dealt with.",
  },
  run({ model }) {
    return model.computeServices
      .filter((s) => s.status?.toLowerCase() === "disabled")
      .map((s) =>
        finding(serviceDisabled, {
          node: s.host,
          object: label(s),
          title: `${label(s)} is disabled${s.disabledReason ? ` (${s.disabledReason})` : ""}`,
          explanation:
            `An operator (or nova after repeated build failures) disabled it: ` +
            (s.binary === "nova-compute"
              ? `no new instance is scheduled on ${s.host}.`
              : `${s.binary} takes no new work.`),
          evidence: [s.evidence],
          fix: [
            `openstack compute service list --service ${s.binary ?? "nova-compute"} --long`,
            `openstack compute service set --enable ${s.host ?? "<host>"} ${s.binary ?? "nova-compute"}`,
          ],
        }),
      );
  },
};

/** The smallest default flavors: what "too small to boot anything" means without a flavor list. */
const M1_TINY = { ramMb: 512, diskGb: 1 };
const M1_SMALL = { ramMb: 2048, diskGb: 20 };
/** nova's default (and, since Stein, initial) cpu_allocation_ratio. */
const CPU_RATIO = 16;

const capacity: Rule = {
  id: "nova.hypervisor-capacity",
  title: "Hypervisors are short of RAM, disk or vCPUs",
  severity: "warning",
  category: "nova",
  faults: ["F13", "guide:mapping-physnet-vs-network"],
  doc: {
    checks:
      "`nova hypervisor-stats` / `openstack hypervisor stats show`: hypervisors registered, free RAM and disk at " +
      `least an m1.small (${M1_SMALL.ramMb} MB, ${M1_SMALL.diskGb} GB), vCPUs used within the default ` +
      `cpu_allocation_ratio ${CPU_RATIO}. Totals over all hypervisors: a single host can be fuller, and without a ` +
      "flavor list in the snapshot whether a given flavor fits is unknown.",
    why: 'The scheduler filters (RAM, disk, cores) or Placement find no host: "No valid host was found".',
    fix: "Free or add capacity, or raise the allocation ratios on purpose.",
  },
  run({ model }) {
    const h = model.hypervisorStats;
    if (h === undefined) return [];
    const out: Finding[] = [];
    const add = (severity: Severity, object: string, title: string, explanation: string): void => {
      out.push(
        finding(capacity, {
          object,
          title,
          explanation: `${explanation} No flavor list is in the snapshot: whether a particular flavor fits is unknown.`,
          evidence: [h.evidence],
          fix: [
            "openstack hypervisor list --long",
            "openstack allocation candidate list --resource VCPU=1 --resource MEMORY_MB=2048 --resource DISK_GB=20",
            "openstack flavor list --long",
          ],
          severity,
        }),
      );
    };
    if (h.count === 0) {
      add(
        "error",
        "hypervisors",
        "No hypervisor is registered",
        "nova knows no compute host: every boot fails.",
      );
      return out;
    }
    const hosts = `${h.count ?? "all"} hypervisors`;
    if (h.freeRamMb !== undefined && h.freeRamMb < M1_SMALL.ramMb) {
      const used = `${h.memoryMbUsed ?? "?"} of ${h.memoryMb ?? "?"} MB used`;
      add(
        h.freeRamMb < M1_TINY.ramMb ? "error" : "warning",
        "hypervisors RAM",
        `${h.freeRamMb} MB RAM free on ${hosts}`,
        `${used}: less than an m1.small (${M1_SMALL.ramMb} MB) is left` +
          (h.freeRamMb < 0 ? ", the hosts are already overcommitted (ram_allocation_ratio > 1)." : "."),
      );
    }
    if (h.freeDiskGb !== undefined && h.freeDiskGb < M1_SMALL.diskGb) {
      add(
        h.freeDiskGb < M1_TINY.diskGb ? "error" : "warning",
        "hypervisors disk",
        `${h.freeDiskGb} GB disk free on ${hosts}`,
        `${h.localGbUsed ?? "?"} of ${h.localGb ?? "?"} GB used: less than an m1.small root disk (${M1_SMALL.diskGb} GB) is left.`,
      );
    }
    if (h.vcpus !== undefined && h.vcpusUsed !== undefined && h.vcpus > 0 && h.vcpusUsed > h.vcpus) {
      const ratio = h.vcpusUsed / h.vcpus;
      add(
        ratio > CPU_RATIO ? "warning" : "info",
        "hypervisors vCPUs",
        `${h.vcpusUsed} vCPUs used of ${h.vcpus} (overcommit ×${ratio.toFixed(2)})`,
        `CPUs are overcommitted ×${ratio.toFixed(2)}: ` +
          (ratio > CPU_RATIO
            ? `beyond the default cpu_allocation_ratio ${CPU_RATIO}, new instances only fit if the ratio was raised.`
            : `normal within the default cpu_allocation_ratio ${CPU_RATIO}; a fault only if your ratio is lower ` +
              `(check cpu_allocation_ratio in nova.conf).`),
      );
    }
    return out;
  },
};

/** The L2 agent this tool is about, whichever client listed it. */
export const isOvsAgent = (a: Agent): boolean =>
  a.binary === "neutron-openvswitch-agent" || /open ?vswitch/i.test(a.agentType ?? "");

/** Ports of a host that show a failed or missing wiring: what a dead agent or a host-name mismatch causes. */
function stuckPorts(model: CloudModel, host: string): NeutronPort[] {
  return model.ports.filter(
    (p) => p.hostId === host && (p.status === "DOWN" || p.vifType === "binding_failed"),
  );
}

function portFinding(rule: Rule, p: NeutronPort, host: string, group: string, why: string): Finding {
  return finding(rule, {
    node: host,
    object: `port ${p.id}${p.name ? ` (${p.name})` : ""}`,
    title: `port ${p.id.slice(0, 11)} on ${host} is ${p.vifType === "binding_failed" ? "binding_failed" : p.status}`,
    explanation: `${why}: the port is not wired, its VM or agent has no network.`,
    evidence: p.evidence ? [p.evidence] : [],
    fix: [`openstack port show ${p.id} -c status -c binding_host_id -c binding_vif_type`],
    severity: "warning",
    group,
  });
}

const agentDead: Rule = {
  id: "neutron.agent-dead",
  title: "A Neutron agent is dead (not reporting)",
  severity: "error",
  category: "neutron",
  faults: ["F06", "F03", "F23"],
  doc: {
    checks:
      "`openstack network agent list` / `neutron agent-list`: every agent is alive (`:-)`/True, not `XXX`/False).",
    why:
      "A dead Open vSwitch agent wires no new port on its host (ports stay DOWN, bindings fail, boots end in " +
      '"No valid host"); existing VMs keep working until the next change. A dead DHCP or L3 agent stops DHCP or ' +
      "routing for the networks and routers it hosts.",
    fix: "Read the agent's log (RabbitMQ, OVS, config errors), fix the cause, restart the agent; delete agents of hosts that are gone.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const a of model.agents.filter((x) => x.alive === false)) {
      const host = a.host ?? "unknown host";
      const binary = a.binary ?? "neutron-openvswitch-agent";
      const group = `agent-dead:${host}`;
      const ovs = isOvsAgent(a);
      const stuck = ovs ? stuckPorts(model, host) : [];
      out.push(
        finding(agentDead, {
          node: host,
          object: `${a.agentType ?? "agent"} on ${host}`,
          title: `${a.agentType ?? "Neutron agent"} on ${host} is dead`,
          explanation:
            (ovs
              ? `No port on ${host} gets wired or bound while it is down: new instances there fail (binding_failed, "No valid host"), existing ones break at their next change`
              : `${a.agentType ?? "The agent"} on ${host} does no work while it is down`) +
            (stuck.length > 0
              ? `; already DOWN or binding_failed there: ${stuck.map((p) => p.id).join(", ")}.`
              : "."),
          evidence: [a.evidence],
          fix: [
            ...(a.id ? [`openstack network agent show ${a.id}`] : []),
            `ssh ${host} systemctl status ${binary}`,
            `ssh ${host} tail -n 100 /var/log/neutron/${binary}.log`,
            `ssh ${host} systemctl restart ${binary}`,
          ],
          group,
          root: true,
          ...(a.agentType === "Metadata agent" ? { severity: "warning" as const } : {}),
        }),
      );
      for (const p of stuck)
        out.push(portFinding(agentDead, p, host, group, `the Open vSwitch agent on ${host} is dead`));
    }
    return out;
  },
};

/** `compute03.example.com` and `compute03` name the same machine. */
const shortName = (h: string): string => h.split(".")[0]!.toLowerCase();

const hostMismatch: Rule = {
  id: "nova.host-name-mismatch",
  title: "A nova-compute host has no Open vSwitch agent of the same name",
  severity: "error",
  category: "nova",
  faults: ["F26"],
  doc: {
    checks:
      "Every host of a nova-compute service has an Open vSwitch agent registered under exactly the same name " +
      "(`openstack compute service list` against `openstack network agent list`).",
    why:
      "Nova asks Neutron to bind ports on its own host name; when the agent registered under another name (FQDN vs " +
      "short name), ML2 finds no agent there and every boot on that host fails with binding_failed.",
    fix: "Set the same `host =` in nova.conf and neutron.conf (or fix the hostname), restart both, delete the stale agent.",
  },
  run({ model }) {
    const ovs = model.agents.filter(isOvsAgent);
    if (ovs.length === 0) return [];
    const out: Finding[] = [];
    const computes = model.computeServices.filter((s) => s.binary === "nova-compute" && s.host !== undefined);
    for (const s of computes) {
      const host = s.host as string;
      if (ovs.some((a) => a.host === host)) continue;
      const near = ovs.find((a) => a.host !== undefined && shortName(a.host) === shortName(host));
      const group = `host-mismatch:${host}`;
      const stuck = stuckPorts(model, host);
      out.push(
        finding(hostMismatch, {
          node: host,
          object: `nova-compute host ${host}`,
          title: near
            ? `nova-compute runs as ${host}, its Open vSwitch agent as ${near.host}`
            : `no Open vSwitch agent is registered on nova-compute host ${host}`,
          explanation:
            (near
              ? `Nova binds ports on host ${host}, but the agent registered as ${near.host}: ML2 finds no agent on ${host} and every port there ends binding_failed.`
              : `Nova binds ports on host ${host}, but no Open vSwitch agent has that name: it is not installed, not running since it registered, or registered under another name. Ports there cannot bind.`) +
            (stuck.length > 0 ? ` DOWN or binding_failed there: ${stuck.map((p) => p.id).join(", ")}.` : ""),
          evidence: [s.evidence, ...(near ? [near.evidence] : [ovs[0]!.evidence])],
          fix: [
            `openstack network agent list --agent-type open-vswitch -c ID -c Host -c Alive`,
            `ssh ${host} grep -E '^(host|my_ip)' /etc/nova/nova.conf /etc/neutron/neutron.conf`,
            ...(near
              ? [
                  `ssh ${host} crudini --set /etc/neutron/neutron.conf DEFAULT host ${host}`,
                  `ssh ${host} systemctl restart neutron-openvswitch-agent`,
                  ...(near.id ? [`openstack network agent delete ${near.id}`] : []),
                ]
              : [`ssh ${host} systemctl status neutron-openvswitch-agent`]),
          ],
          group,
          root: true,
          ...(near ? {} : { severity: "warning" as const }),
        }),
      );
      for (const p of stuck)
        out.push(portFinding(hostMismatch, p, host, group, `no Open vSwitch agent is registered as ${host}`));
    }
    return out;
  },
};

export const novaRules: Rule[] = [serviceDown, serviceDisabled, capacity, agentDead, hostMismatch];
