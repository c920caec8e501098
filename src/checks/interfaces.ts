import type { Rule } from "./types.js";

export const interfaceRules: Rule[] = [];
