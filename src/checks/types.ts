/**
 * The check engine's vocabulary. A rule reads the model and returns findings; findings are data (never
 * exceptions). A finding names the node and object, quotes its evidence (snapshot file and line), says what it
 * means for traffic and gives the exact commands that fix or confirm it.
 */
import type { CloudModel, EvidenceRef } from "../model/types.js";

export const SEVERITIES = ["info", "warning", "error", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export type RuleCategory =
  | "switch"
  | "interfaces"
  | "ovs"
  | "vlan"
  | "vm"
  | "namespaces"
  | "security"
  | "dns"
  | "neutron"
  | "nova"
  | "logs";

export interface Finding {
  rule: string;
  severity: Severity;
  node?: string;
  /** The object at fault, in operator words: `br-int port qvoff8e411e-6e`, `network int-net-324`. */
  object: string;
  /** One line: what is wrong. */
  title: string;
  /** One or two sentences: what it means for traffic. */
  explanation: string;
  evidence: EvidenceRef[];
  /** Exact commands that fix it or confirm it, in order. */
  fix: string[];
  /**
   * Grouping key shared by a root cause and its consequences (`physnet:compute:trunknet`). The finding whose
   * `root` is true heads the group; the others are listed under it.
   */
  group?: string;
  root?: boolean;
}

export interface RuleDoc {
  /** What the rule verifies. */
  checks: string;
  /** Why it matters: the symptom operators see. */
  why: string;
  /** The usual fix. */
  fix: string;
}

export interface CheckOptions {
  /** Extra TCP/UDP port the user wants to know is allowed in to VMs (`--port 8080`). */
  ports: number[];
}

export interface CheckContext {
  model: CloudModel;
  options: CheckOptions;
}

export interface Rule {
  /** Stable id: `<category>.<name>`, e.g. `vlan.translation-missing`. */
  id: string;
  title: string;
  /** Default severity of its findings (a rule may raise or lower one finding's). */
  severity: Severity;
  category: RuleCategory;
  /** Fault catalogue ids it detects (docs/fault-catalogue F01…F43) and guide recipes it automates. */
  faults: string[];
  doc: RuleDoc;
  run(ctx: CheckContext): Finding[];
}

/** Builds a finding with the rule's id and default severity filled in. */
export function finding(
  rule: Pick<Rule, "id" | "severity">,
  f: Omit<Finding, "rule" | "severity"> & { severity?: Severity },
): Finding {
  return { rule: rule.id, severity: f.severity ?? rule.severity, ...f };
}
