import type { Rule } from "./types.js";

export const vmWiringRules: Rule[] = [];
