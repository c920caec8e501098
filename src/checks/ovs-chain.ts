import type { Rule } from "./types.js";

export const ovsChainRules: Rule[] = [];
