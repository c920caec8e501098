import type { Rule } from "./types.js";

export const namespaceRules: Rule[] = [];
