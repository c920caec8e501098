import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { RULES } from "../../src/checks/registry.js";
import { renderRulesMarkdown } from "../../src/report/rule-docs.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("docs/rules.md is generated from the catalogue and up to date", () => {
  assert.equal(
    readFileSync(join(ROOT, "docs/rules.md"), "utf8"),
    renderRulesMarkdown(RULES),
    "run: node --import tsx src/cli/main.ts rules --format markdown > docs/rules.md",
  );
});

test("every rule has a unique id, a doc and at least one fault or guide recipe", () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of RULES) {
    assert.match(r.id, /^[a-z]+\.[a-z0-9-]+$/, r.id);
    assert.ok(r.doc.checks && r.doc.why && r.doc.fix, r.id);
    assert.ok(r.faults.length > 0, `${r.id} names no fault or recipe`);
  }
});
