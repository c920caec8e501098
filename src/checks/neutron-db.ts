import type { Rule } from "./types.js";

export const neutronDbRules: Rule[] = [];
