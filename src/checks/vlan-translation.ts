import type { Rule } from "./types.js";

export const vlanTranslationRules: Rule[] = [];
