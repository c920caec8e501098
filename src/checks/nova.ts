import type { Rule } from "./types.js";

export const novaRules: Rule[] = [];
