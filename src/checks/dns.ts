import type { Rule } from "./types.js";

export const dnsRules: Rule[] = [];
