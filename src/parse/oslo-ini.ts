/**
 * OpenStack service configuration files (neutron.conf, ml2_conf.ini, openvswitch_agent.ini) read with
 * oslo.config's own rules (oslo_config/iniparser.py), which differ from generic INI parsers:
 * comments only at the start of a line, `key: value` as well as `key = value`, an inline `#` is part
 * of the value, indented lines continue the previous value, and repeated keys accumulate.
 * Plus the two Neutron option formats the VLAN checks need: bridge_mappings and network_vlan_ranges.
 */
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

export interface IniEntry {
  /** Every assignment in file order (MultiStrOpt reads all, other options the last). */
  values: string[];
  /** 1-based line of the last assignment: the one oslo.config uses for single-valued options. */
  line: number;
  /** Lines of all assignments, parallel to `values`. */
  lines: number[];
}

export interface OsloIni {
  /** Section names as written (`DEFAULT`, `ovs`, …); keys assigned before any section are under "". */
  sections: Record<string, Record<string, IniEntry>>;
}

export function parseOsloIni(text: string): ParseResult<OsloIni> {
  const issues: ParseIssue[] = [];
  const sections: OsloIni["sections"] = {};
  let section: string | undefined;
  let pending: { key: string; value: string[]; line: number } | undefined;

  const flush = (): void => {
    if (!pending) return;
    const s = section ?? "";
    const entries = sections[s] ?? {};
    sections[s] = entries;
    const entry = entries[pending.key] ?? { values: [], line: pending.line, lines: [] };
    entry.values.push(pending.value.join("\n"));
    entry.lines.push(pending.line);
    entry.line = pending.line;
    entries[pending.key] = entry;
    pending = undefined;
  };

  splitLines(text).forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trimEnd();
    if (line === "") {
      flush(); // a blank line ends a multi-line value
      return;
    }
    if (/^[ \t]/.test(line)) {
      if (pending) pending.value.push(line.trimStart());
      else issues.push(issue(lineNo, "unexpected continuation line (indented, but no value above it)", raw));
      return;
    }
    flush();
    if (line.startsWith("[")) {
      if (!line.endsWith("]")) issues.push(issue(lineNo, "invalid section (must end with ])", raw));
      else if (line.length <= 2) issues.push(issue(lineNo, "empty section name", raw));
      else {
        section = line.slice(1, -1);
        sections[section] ??= {};
      }
      return;
    }
    if (line.startsWith("#") || line.startsWith(";")) return;
    const kv = splitKeyValue(line);
    if (!kv) {
      issues.push(issue(lineNo, "no ':' or '=' found in assignment", raw));
      return;
    }
    if (kv.key === "") {
      issues.push(issue(lineNo, "key cannot be empty", raw));
      return;
    }
    if (section === undefined) issues.push(issue(lineNo, "assignment before any [section]", raw));
    pending = { key: kv.key, value: [kv.value], line: lineNo };
  });
  flush();
  return { value: { sections }, issues };
}

/** Split at the first `=` or `:`, whichever comes first; one pair of matching quotes is removed. */
function splitKeyValue(line: string): { key: string; value: string } | undefined {
  const colon = line.indexOf(":");
  const equal = line.indexOf("=");
  if (colon < 0 && equal < 0) return undefined;
  const at = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
  let value = line.slice(at + 1).trim();
  if (value !== "" && (value[0] === '"' || value[0] === "'") && value[0] === value[value.length - 1]) {
    value = value.slice(1, -1);
  }
  return { key: line.slice(0, at).trim(), value };
}

/** oslo.config lower-cases group names for lookup, except DEFAULT. */
function normalGroup(name: string): string {
  return name === "DEFAULT" ? name : name.toLowerCase();
}

function entriesOf(ini: OsloIni, section: string, key: string): IniEntry[] {
  const want = normalGroup(section);
  return Object.entries(ini.sections)
    .filter(([name, keys]) => normalGroup(name) === want && keys[key] !== undefined)
    .map(([, keys]) => keys[key] as IniEntry);
}

/**
 * Every value of `key` in `section` (sections spelled differently but equal for oslo.config are
 * merged), else in [DEFAULT]. Note oslo.config itself reads [DEFAULT] only for options registered there.
 */
export function iniGetAll(ini: OsloIni, section: string, key: string): string[] {
  const found = entriesOf(ini, section, key);
  const from = found.length > 0 || section === "DEFAULT" ? found : entriesOf(ini, "DEFAULT", key);
  return from.flatMap((e) => e.values);
}

/** The value oslo.config uses for a single-valued option: the last assignment (see iniGetAll for DEFAULT). */
export function iniGet(ini: OsloIni, section: string, key: string): string | undefined {
  return iniGetAll(ini, section, key).at(-1);
}

export interface BridgeMapping {
  physnet: string;
  bridge: string;
}

/** ListOpt items: comma-separated, blanks around items and empty items ignored. */
function listItems(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * `[ovs] bridge_mappings = physnet1:br-eth1,trunknet:br-em3`, validated as neutron's
 * parse_mappings does: exactly one `:`, non-empty sides, physnets and bridges unique.
 * `line` is the ini line the value came from, for the issues.
 */
export function parseBridgeMappings(value: string, line = 0): ParseResult<BridgeMapping[]> {
  const issues: ParseIssue[] = [];
  const out: BridgeMapping[] = [];
  for (const item of listItems(value)) {
    const parts = item.split(":").map((s) => s.trim());
    const [physnet = "", bridge = ""] = parts;
    if (parts.length !== 2)
      issues.push(issue(line, `invalid mapping '${item}': expected physnet:bridge`, value));
    else if (physnet === "") issues.push(issue(line, `missing physnet in mapping '${item}'`, value));
    else if (bridge === "") issues.push(issue(line, `missing bridge in mapping '${item}'`, value));
    else if (out.some((m) => m.physnet === physnet)) {
      issues.push(issue(line, `physnet ${physnet} mapped twice ('${item}')`, value));
    } else if (out.some((m) => m.bridge === bridge)) {
      issues.push(issue(line, `bridge ${bridge} mapped twice ('${item}')`, value));
    } else out.push({ physnet, bridge });
  }
  return { value: out, issues };
}

export interface VlanRange {
  physnet: string;
  /** Absent for a physnet listed without a range (usable for provider networks only). */
  min?: number;
  max?: number;
}

/**
 * `[ml2_type_vlan] network_vlan_ranges = trunknet:319:328,external`, validated as neutron's
 * parse_network_vlan_ranges does: `physnet` or `physnet:min:max` with 1 <= min <= max <= 4094.
 */
export function parseNetworkVlanRanges(value: string, line = 0): ParseResult<VlanRange[]> {
  const issues: ParseIssue[] = [];
  const out: VlanRange[] = [];
  for (const item of listItems(value)) {
    if (!item.includes(":")) {
      out.push({ physnet: item });
      continue;
    }
    const parts = item.split(":").map((s) => s.trim());
    const [physnet = "", lo = "", hi = ""] = parts;
    if (parts.length !== 3) {
      issues.push(issue(line, `invalid VLAN range '${item}': expected physnet:min:max`, value));
    } else if (physnet === "") issues.push(issue(line, `missing physnet in VLAN range '${item}'`, value));
    else if (!/^\d+$/.test(lo) || !/^\d+$/.test(hi)) {
      issues.push(issue(line, `VLAN range '${item}' is not numeric`, value));
    } else {
      const min = Number(lo);
      const max = Number(hi);
      if (min < 1 || max > 4094 || min > max) {
        issues.push(issue(line, `VLAN range '${item}' out of order or outside 1-4094`, value));
      } else out.push({ physnet, min, max });
    }
  }
  return { value: out, issues };
}
