/** `sysctl -a` / `sysctl <keys>` output: `key = value` lines (sosreports hold `sysctl -a`). */
import { issue, type ParseResult, splitLines } from "./types.js";

export function parseSysctl(text: string): ParseResult<Record<string, string>> {
  const value: Record<string, string> = {};
  const issues = [];
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "" || line.startsWith("sysctl:")) continue;
    const eq = line.indexOf(" = ");
    const at = eq >= 0 ? eq : line.indexOf("=");
    if (at <= 0) {
      issues.push(issue(i + 1, "not a `key = value` line", line, "warning"));
      continue;
    }
    value[line.slice(0, at).trim()] = line.slice(at + (eq >= 0 ? 3 : 1)).trim();
  }
  return { value, issues };
}
