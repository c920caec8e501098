import type { Rule } from "./types.js";

export const securityGroupRules: Rule[] = [];
