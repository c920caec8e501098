import type { Rule } from "./types.js";

export const logRules: Rule[] = [];
