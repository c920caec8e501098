/**
 * The ordered rule catalogue: one file per rule family, in the order an operator walks the guide (the switch
 * first, the control plane last). A new check is a new entry in its family's array.
 */
import { dnsRules } from "./dns.js";
import { interfaceRules } from "./interfaces.js";
import { logRules } from "./logs.js";
import { namespaceRules } from "./namespaces.js";
import { neutronDbRules } from "./neutron-db.js";
import { novaRules } from "./nova.js";
import { ovsChainRules } from "./ovs-chain.js";
import { securityGroupRules } from "./security-groups.js";
import { switchRules } from "./switch.js";
import type { Rule } from "./types.js";
import { vlanTranslationRules } from "./vlan-translation.js";
import { vmWiringRules } from "./vm-wiring.js";

export const RULES: readonly Rule[] = [
  ...switchRules,
  ...interfaceRules,
  ...ovsChainRules,
  ...vlanTranslationRules,
  ...vmWiringRules,
  ...namespaceRules,
  ...securityGroupRules,
  ...dnsRules,
  ...neutronDbRules,
  ...novaRules,
  ...logRules,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
