/**
 * The guide's "Debugging with logs", automated: the ERROR/CRITICAL/TRACE records of the Neutron and Nova logs in
 * the snapshot, grouped by message (ids, addresses and numbers masked) with their count and first/last time.
 * Messages the fault catalogue knows — some logged only as WARNING — are named with their fault and its fix.
 */
import type { LogEntry, ServiceLog } from "../model/logs.js";
import type { EvidenceRef } from "../model/types.js";
import { type Finding, finding, type Rule, type Severity, severityRank } from "./types.js";

/** A message of the fault catalogue: what it means and how to confirm or fix it, from its first match. */
interface Signature {
  /** The message as operators know it, `…` for what varies. */
  name: string;
  re: RegExp;
  faults: string[];
  /** Fixed texts to grep the log for. */
  grep: string[];
  meaning: string;
  fix: (m: RegExpExecArray, file: string) => string[];
}

const SIGNATURES: readonly Signature[] = [
  {
    name: "Device … not defined on plugin",
    // Juno says "not defined on plugin"; Kilo added "or binding failed".
    re: /Device (\S+) not defined on plugin(?: or binding failed)?/,
    faults: ["F11"],
    grep: ["not defined on plugin"],
    meaning:
      "the agent got no binding for the port from neutron-server (port deleted, or its binding failed) and put it " +
      "on the dead VLAN 4095: that VM or DHCP/router port has no network",
    fix: (m) => [
      `openstack port show ${m[1]} -c status -c binding_host_id -c binding_vif_type`,
      `ovs-vsctl get Port $(ovs-vsctl --bare --columns=name find Interface external_ids:iface-id=${m[1]}) tag`,
    ],
  },
  {
    name: "Failed to bind port",
    re: /Failed to bind port (\S+) on host (\S+)/,
    faults: ["F02", "F06", "F26"],
    grep: ["Failed to bind port"],
    meaning:
      "no mechanism driver could bind the port on that host: its Open vSwitch agent is dead (F06), registered " +
      "under another host name (F26), or does not map the network's physnet in bridge_mappings (F02)",
    fix: (m) => [
      `openstack port show ${m[1]} -c network_id -c binding_host_id -c binding_vif_type`,
      `openstack network agent list --host ${m[2]} -c ID -c "Agent Type" -c Alive`,
      `ssh ${m[2]} grep -r bridge_mappings /etc/neutron/`,
    ],
  },
  {
    name: "Refusing to bind port … to dead agent",
    re: /Refusing to bind port (\S+) to dead agent/,
    faults: ["F06"],
    grep: ["to dead agent"],
    meaning: "ML2 would bind the port but the host's agent is not reporting: ports there stay unbound",
    fix: () => ["openstack network agent list --agent-type open-vswitch -c ID -c Host -c Alive"],
  },
  {
    name: "Cannot provision … no bridge for physical_network",
    re: /Cannot provision \S+ network for net-id=(\S+) - no bridge for physical_network (\S+)/,
    faults: ["F02"],
    grep: ["no bridge for physical_network"],
    meaning:
      "the network's physnet is missing from this agent's bridge_mappings: its ports here are never wired",
    fix: (m) => [
      `openstack network show ${m[1]} -c provider:physical_network -c provider:segmentation_id`,
      "grep -r bridge_mappings /etc/neutron/",
    ],
  },
  {
    name: "No valid host was found",
    re: /No valid host was found/,
    faults: ["F12", "F13", "F02"],
    grep: ["No valid host was found"],
    meaning:
      "the scheduler found no compute host for an instance: nova-compute down or disabled (F12), resources or " +
      "flavor filters (F13), or a port that cannot bind (F02)",
    fix: () => [
      "openstack compute service list --service nova-compute",
      "openstack hypervisor stats show",
      "grep -E 'returned 0 hosts|Filtering removed all hosts' /var/log/nova/nova-scheduler.log",
    ],
  },
  {
    name: "Virtual Interface creation failed",
    re: /VirtualInterfaceCreateException|Virtual Interface creation failed/,
    faults: ["F24"],
    grep: ["Virtual Interface creation failed", "VirtualInterfaceCreateException"],
    meaning:
      "nova never received network-vif-plugged for the instance's port: the Open vSwitch agent did not wire it in " +
      "time, or neutron-server cannot notify nova",
    fix: () => [
      "openstack network agent list --agent-type open-vswitch -c Host -c Alive",
      "grep -A10 '^\\[nova\\]' /etc/neutron/neutron.conf",
    ],
  },
  {
    name: "Timeout waiting for vif plugging",
    re: /Timeout waiting for (?:vif plugging|\[?'?network-vif-plugged)/,
    faults: ["F24"],
    grep: ["Timeout waiting for"],
    meaning:
      "nova waited vif_plugging_timeout for the port to become ACTIVE: the host's agent is slow, dead or timing out " +
      "on RPC, or neutron-server cannot notify nova",
    fix: () => [
      "openstack network agent list --agent-type open-vswitch -c Host -c Alive",
      "grep -c 'Timeout while waiting on RPC response\\|MessagingTimeout' /var/log/neutron/neutron-openvswitch-agent.log",
    ],
  },
  {
    name: "AMQP server … is unreachable",
    re: /AMQP server(?: on)? (\S+?):?(\d+)? is unreachable/,
    faults: ["F06"],
    grep: ["is unreachable"],
    meaning:
      "the service lost its RabbitMQ connection: agents stop reporting (alive XXX) and RPC calls between services fail",
    fix: (m) => [
      `nc -zv ${m[1]} ${m[2] ?? 5672}`,
      "rabbitmqctl cluster_status",
      "grep -E '^(transport_url|rabbit_host|rabbit_hosts)' /etc/neutron/neutron.conf /etc/nova/nova.conf",
    ],
  },
  {
    name: "Timed out waiting for a reply",
    re: /Timed out waiting for a reply to message ID|Timeout while waiting on RPC response/,
    faults: ["F06", "F24"],
    grep: ["Timed out waiting for a reply", "Timeout while waiting on RPC response"],
    meaning:
      "an RPC call got no answer (MessagingTimeout): neutron-server or nova-conductor is overloaded or down, or the " +
      "broker lost the reply queue; agents in this state stop wiring ports",
    fix: () => [
      "openstack network agent list -c Host -c Binary -c Alive",
      "rabbitmqctl list_queues name messages consumers",
    ],
  },
  {
    name: "OVS is dead",
    re: /OVS is dead/,
    faults: ["F35"],
    grep: ["OVS is dead"],
    meaning:
      "the agent cannot reach ovsdb-server/ovs-vswitchd: nothing on this host is wired until Open vSwitch is back",
    fix: () => ["systemctl status openvswitch-switch ovs-vswitchd ovsdb-server", "ovs-vsctl show"],
  },
  {
    name: "Agent terminated!",
    re: /Agent terminated/,
    faults: ["F06", "F21"],
    grep: ["Agent terminated"],
    meaning: "the agent exited at start (bad config: local_ip, bridge missing): it is dead until restarted",
    fix: (_m, file) => [`grep -B5 'Agent terminated' ${file}`, "systemctl status neutron-openvswitch-agent"],
  },
];

/** Masks what changes between repeats of one message: ids, addresses, device names, numbers. */
export function normaliseMessage(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>")
    .replace(/\b(?:[0-9a-f]{2}:){5}[0-9a-f]{2}\b/gi, "<mac>")
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, "<ip>")
    .replace(/\b(tap|qvo|qvb|qbr|qr-|qg-)[0-9a-f]{8}-[0-9a-f]{2}\b/g, "$1<port>")
    .replace(/\b0x[0-9a-f]+\b|\b[0-9a-f]{16,}\b/gi, "<hex>")
    .replace(/\b\d+(?:\.\d+)?\b/g, "<n>");
}

const LEVEL_SEVERITY: Record<LogEntry["level"], Severity> = {
  CRITICAL: "critical",
  ERROR: "error",
  TRACE: "error",
  WARNING: "warning",
};

/** The entry's text as the signatures see it: the message and its traceback (the exception is at the end). */
const fullText = (e: LogEntry): string => [e.message, ...e.continuation.map((c) => c.text ?? "")].join("\n");

/** The last traceback line naming an exception (`MessagingTimeout: Timed out …`), which says what failed. */
function exceptionLine(e: LogEntry): EvidenceRef | undefined {
  return [...e.continuation]
    .reverse()
    .find((c) => /^\s*[\w.]*(?:Error|Exception|Timeout|Failure)\b/.test(c.text ?? ""));
}

/** The log on the node: as the collecting command named it, else where Ubuntu keeps it. */
function logFile(log: ServiceLog): string {
  const project = log.service.split("-")[0] ?? log.service;
  return log.file ?? `/var/log/${project}/${log.service}.log`;
}

const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A literal piece of the message to grep for: its text before the first masked token (or its longest piece),
 * cut before a quote when enough is left, so the command stays readable.
 */
function grepText(normalised: string): string {
  const pieces = normalised.split(/<\w+>/).map((p) => p.trim());
  const head = pieces[0] ?? "";
  const text = head.length >= 12 ? head : pieces.reduce((a, b) => (b.length > a.length ? b : a), "");
  const quote = text.indexOf("'");
  return (quote >= 12 ? text.slice(0, quote) : text).slice(0, 80);
}

interface Cluster {
  entries: LogEntry[];
  severity: Severity;
}

function cluster(entries: LogEntry[], key: (e: LogEntry) => string): Map<string, Cluster> {
  const out = new Map<string, Cluster>();
  for (const e of entries) {
    const k = key(e);
    const c = out.get(k) ?? { entries: [], severity: "info" };
    c.entries.push(e);
    if (severityRank(LEVEL_SEVERITY[e.level]) > severityRank(c.severity))
      c.severity = LEVEL_SEVERITY[e.level];
    out.set(k, c);
  }
  return out;
}

/** "3 times between A and B" / "once, at A", and the span of the whole log for scale. */
function when(c: Cluster, log: ServiceLog): string {
  const first = c.entries[0]!;
  const last = c.entries.at(-1)!;
  const span =
    c.entries.length === 1
      ? `once, at ${first.time}`
      : `${c.entries.length} times between ${first.time} and ${last.time}`;
  return `${span} (the log covers ${log.first ?? "?"} to ${log.last ?? "?"}, ${log.records} records)`;
}

function evidenceOf(c: Cluster): EvidenceRef[] {
  const first = c.entries[0]!;
  const last = c.entries.at(-1)!;
  const exc = exceptionLine(last);
  return [first.evidence, ...(last !== first ? [last.evidence] : []), ...(exc ? [exc] : [])];
}

const signatureOf = (e: LogEntry): Signature | undefined => SIGNATURES.find((s) => s.re.test(fullText(e)));

const knownFault: Rule = {
  id: "logs.known-fault",
  title: "A service log shows a message the fault catalogue knows",
  severity: "error",
  category: "logs",
  faults: [...new Set(SIGNATURES.flatMap((s) => s.faults))].sort(),
  doc: {
    checks:
      "The Neutron and Nova logs in the snapshot (`log@<service>`), at WARNING and above, for the catalogue's messages: " +
      SIGNATURES.map((s) => `"${s.name}"`).join(", ") +
      ". Severity follows the log level.",
    why: 'These messages name the fault behind binding_failed ports, dead agents and "No valid host was found".',
    fix: "Follow the fault's fix; the finding gives the commands to confirm it on the objects the log names.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      for (const log of node.logs) {
        const matched = log.entries.filter((e) => signatureOf(e) !== undefined);
        for (const [name, c] of cluster(matched, (e) => signatureOf(e)!.name)) {
          const sig = SIGNATURES.find((s) => s.name === name)!;
          const matches = c.entries.map((e) => sig.re.exec(fullText(e))!);
          const objects = [...new Set(matches.map((m) => m[1]).filter((x): x is string => x !== undefined))];
          out.push(
            finding(knownFault, {
              node: node.name,
              object: `${log.service} log: "${sig.name}"`,
              title: `${log.service} logs "${sig.name}" (${sig.faults.join("/")})${c.entries.length > 1 ? ` ×${c.entries.length}` : ""}`,
              explanation:
                `${when(c, log)}${objects.length > 0 ? `, for ${objects.slice(0, 5).join(", ")}${objects.length > 5 ? ", …" : ""}` : ""}: ` +
                `${sig.meaning}.`,
              evidence: evidenceOf(c),
              fix: [
                `grep -nF ${sig.grep.map((g) => `-e ${sq(g)}`).join(" ")} ${logFile(log)}`,
                ...sig.fix(matches[0]!, logFile(log)),
              ],
              severity: c.severity,
            }),
          );
        }
      }
    }
    return out;
  },
};

const errorLines: Rule = {
  id: "logs.errors",
  title: "A service log has ERROR/CRITICAL/TRACE records",
  severity: "error",
  category: "logs",
  faults: ["guide:debugging-with-logs"],
  doc: {
    checks:
      "The Neutron and Nova logs in the snapshot (`log@<service>`): ERROR, CRITICAL and TRACE records not already " +
      "named by logs.known-fault, grouped by message with ids, addresses and numbers masked, with count and first/" +
      "last time. CRITICAL is critical (the service usually exited), ERROR and TRACE are errors.",
    why: "What the guide does by hand with `grep ERROR`: the first place a failing service says why.",
    fix: "Read the record and its traceback in the log; the exception at the end of the traceback names the failure.",
  },
  run({ model }) {
    const out: Finding[] = [];
    for (const node of model.nodes) {
      for (const log of node.logs) {
        const errors = log.entries.filter((e) => e.level !== "WARNING" && signatureOf(e) === undefined);
        for (const [key, c] of cluster(errors, (e) => `${e.logger} ${normaliseMessage(e.message)}`)) {
          const first = c.entries[0]!;
          const message = key.slice(first.logger.length + 1);
          const exc = exceptionLine(c.entries.at(-1)!);
          out.push(
            finding(errorLines, {
              node: node.name,
              object: `${log.service} log: "${message.slice(0, 100)}"`,
              title: `${first.level} in ${log.service}${c.entries.length > 1 ? ` ×${c.entries.length}` : ""}: ${first.message.slice(0, 100)}`,
              explanation:
                `${first.logger} logged this ${when(c, log)}` +
                (exc?.text ? `; the traceback ends in "${exc.text.trim().slice(0, 160)}".` : "."),
              evidence: evidenceOf(c),
              fix: [`grep -nF ${sq(grepText(message) || first.logger)} ${logFile(log)}`],
              severity: c.severity,
            }),
          );
        }
      }
    }
    return out;
  },
};

export const logRules: Rule[] = [knownFault, errorLines];
