import type { Rule } from "./types.js";

export const switchRules: Rule[] = [];
