/**
 * Output of the OpenStack command-line clients as operators collect or paste it: the prettytable /
 * cliff tables of `neutron …`, `nova …`, `openstack … list|show` and the mysql client, and
 * `openstack … -f json` (or raw API JSON). Typed normalisers then turn old-table, new-table and JSON
 * spellings of the same facts (`provider:segmentation_id`, `provider_segmentation_id`,
 * `Provider Network Type`, `binding:vif_type`) into one shape per object for the model.
 */
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

/** A table as printed; cells keep their text (multi-line cells joined with "\n"). */
export interface CliTable {
  headers: string[];
  rows: Record<string, string>[];
  /** Lines that are not part of the table (deprecation warnings, "..." of an excerpt), as written. */
  notes: string[];
}

/** One object from JSON output or one table row. */
export type CliRecord = Record<string, unknown>;

const BORDER = /^\+(?:[-=]+\+)+/;

/** Column boundaries of a `+---+---+` border, to read cells that contain `|` themselves. */
function borderColumns(border: string): number[] {
  const at: number[] = [];
  for (let i = 0; i < border.length; i++) if (border[i] === "+") at.push(i);
  return at;
}

function splitRow(row: string, columns: number[] | undefined): string[] {
  if (columns && row.length === (columns.at(-1) ?? -1) + 1 && columns.every((c) => row[c] === "|")) {
    return columns.slice(1).map((end, j) => row.slice((columns[j] as number) + 1, end).trim());
  }
  // Pasted tables lose their alignment (and borders): fall back to splitting on "|".
  const inner = row.endsWith("|") && row.length > 1 ? row.slice(1, -1) : row.slice(1);
  return inner.split("|").map((c) => c.trim());
}

/**
 * A prettytable/cliff/mysql table, with or without its `+---+` borders. The first `| … |` row is the
 * header. A row whose first cell is empty continues the row above (multi-line cell) when every text
 * it holds sits under a non-empty cell of that row; otherwise it is a row of its own (nova's
 * secgroup rules have rows with an empty first column). Only the first table of the text is read.
 */
export function parseCliTable(text: string): ParseResult<CliTable> {
  const issues: ParseIssue[] = [];
  const table: CliTable = { headers: [], rows: [], notes: [] };
  let columns: number[] | undefined;
  let rowBreak = true;
  let lastWasBorder = false;
  // Set by a blank line after the rows, or text right after a border that follows them.
  let ended = false;
  let done = false;

  splitLines(text).forEach((raw, i) => {
    if (done) return;
    const line = raw.trim();
    if (line === "") {
      if (table.rows.length > 0) ended = true;
      return;
    }
    const isBorder = BORDER.exec(line);
    const isRow = line.startsWith("|");
    if ((isBorder || isRow) && table.rows.length > 0 && (ended || (isBorder && lastWasBorder))) {
      issues.push(issue(i + 1, "a second table starts here; only the first table is read", raw, "warning"));
      done = true;
      return;
    }
    if (isBorder) {
      if (line.length > isBorder[0].length) {
        issues.push(issue(i + 1, "text after the table border ignored", raw, "warning"));
      }
      if (table.headers.length === 0) columns = borderColumns(isBorder[0]);
      rowBreak = true;
      lastWasBorder = true;
      return;
    }
    if (!isRow) {
      // text before the header (warnings) or after the closing border (mysql's "N rows in set") is normal
      if (lastWasBorder && table.rows.length > 0) ended = true;
      table.notes.push(raw);
      if (table.headers.length > 0 && !ended) {
        issues.push(issue(i + 1, "not a table row (kept as a note)", raw, "warning"));
      }
      rowBreak = true;
      lastWasBorder = false;
      return;
    }
    lastWasBorder = false;
    const cells = splitRow(line, columns);
    if (table.headers.length === 0) {
      table.headers = cells.map((c, j) => (c === "" ? `#${j + 1}` : c));
      return;
    }
    if (cells.length !== table.headers.length) {
      issues.push(
        issue(i + 1, `row has ${cells.length} cells, the header ${table.headers.length}`, raw, "warning"),
      );
    }
    const prev = table.rows.at(-1);
    const keyOf = (j: number): string => table.headers[j] ?? `#${j + 1}`;
    if (
      !rowBreak &&
      prev &&
      cells[0] === "" &&
      (prev[keyOf(0)] ?? "") !== "" &&
      cells.every((c, j) => c === "" || (prev[keyOf(j)] ?? "") !== "")
    ) {
      cells.forEach((c, j) => {
        if (c !== "") prev[keyOf(j)] = `${prev[keyOf(j)]}\n${c}`;
      });
      return;
    }
    const row: Record<string, string> = {};
    cells.forEach((c, j) => {
      row[keyOf(j)] = c;
    });
    table.rows.push(row);
    rowBreak = false;
  });

  if (table.headers.length === 0) issues.push(issue(0, "no table found"));
  return { value: table, issues };
}

/** A two-column show table (Field/Value, Property/Value) as one record. */
export function cliTableAsRecord(table: CliTable): Record<string, string> {
  const [k, v] = table.headers;
  const out: Record<string, string> = {};
  if (k === undefined || v === undefined) return out;
  for (const row of table.rows) {
    const key = row[k] ?? "";
    const value = row[v] ?? "";
    out[key] = out[key] === undefined ? value : `${out[key]}\n${value}`;
  }
  return out;
}

function isRecord(v: unknown): v is CliRecord {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `openstack … -f json`: a list gives an array of records, a show one record. API responses
 * (`{"networks": […]}`, `{"port": {…}}`) are unwrapped. Lines before the JSON (warnings) are skipped.
 */
export function parseCliJson(text: string): ParseResult<CliRecord | CliRecord[]> {
  const issues: ParseIssue[] = [];
  const lines = splitLines(text);
  const start = lines.findIndex((l) => /^\s*[[{]/.test(l));
  if (start < 0) return { value: [], issues: [issue(0, "no JSON found")] };
  const body = lines.slice(start).join("\n");
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (err) {
    // a JSON syntax error spoils the whole document: line 0
    return { value: [], issues: [issue(0, `not valid JSON: ${String(err)}`)] };
  }
  if (isRecord(data)) {
    const keys = Object.keys(data);
    const only = keys.length === 1 ? data[keys[0] as string] : undefined;
    if (isRecord(only)) data = only;
    else if (Array.isArray(only) && only.every(isRecord)) data = only;
  }
  if (Array.isArray(data)) {
    const records = data.filter(isRecord);
    if (records.length !== data.length)
      issues.push(issue(0, "list entries that are not objects were skipped"));
    return { value: records, issues };
  }
  if (isRecord(data)) return { value: data, issues };
  return { value: [], issues: [issue(start + 1, "JSON is neither an object nor a list", lines[start])] };
}

// ---------------------------------------------------------------------------------------------
// normalisers

/** What the normalisers accept: a parsed table (list or show), one JSON record, or a JSON list. */
export type CliInput = CliTable | CliRecord | CliRecord[];

function isCliTable(v: CliInput): v is CliTable {
  return !Array.isArray(v) && Array.isArray(v["headers"]) && Array.isArray(v["rows"]);
}

function recordsOf(input: CliInput): CliRecord[] {
  if (Array.isArray(input)) return input;
  if (!isCliTable(input)) return [input];
  const [k, v] = input.headers.map((h) => h.toLowerCase());
  const show = input.headers.length === 2 && v === "value" && (k === "field" || k === "property");
  return show ? [cliTableAsRecord(input)] : input.rows;
}

/** `provider:network_type`, `Provider Network Type`, `provider-network-type` → `provider_network_type`. */
function normKey(k: string): string {
  return k
    .trim()
    .toLowerCase()
    .replace(/[\s:-]+/g, "_");
}

/** null, "", None (cliff) and NULL (mysql) all mean "no value". */
function present(v: unknown): unknown {
  if (v === null || (typeof v === "string" && ["", "None", "NULL"].includes(v.trim()))) return undefined;
  return v;
}

function toNum(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  return typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : undefined;
}

/** Field lookup under any of the spellings, first one present wins. */
class Fields {
  private readonly map = new Map<string, unknown>();

  constructor(record: CliRecord) {
    for (const [k, v] of Object.entries(record)) this.map.set(normKey(k), v);
  }

  raw(...names: string[]): unknown {
    for (const n of names) {
      const v = present(this.map.get(n));
      if (v !== undefined) return v;
    }
    return undefined;
  }

  str(...names: string[]): string | undefined {
    const v = this.raw(...names);
    if (v === undefined) return undefined;
    return typeof v === "string" ? v.trim() : typeof v === "object" ? JSON.stringify(v) : String(v);
  }

  num(...names: string[]): number | undefined {
    return toNum(this.raw(...names));
  }

  bool(...names: string[]): boolean | undefined {
    return toBool(this.raw(...names));
  }
}

const TRUE_WORDS = new Set(["true", "yes", "1", "up", ":-)", "external", "on", "enabled"]);
const FALSE_WORDS = new Set(["false", "no", "0", "down", "xxx", "internal", "off", "disabled"]);

function toBool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v !== "string") return undefined;
  const w = v.trim().toLowerCase();
  return TRUE_WORDS.has(w) ? true : FALSE_WORDS.has(w) ? false : undefined;
}

/** A list as JSON array, or as table text: comma- or line-separated, first word of each item. */
function listOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v !== "string") return [];
  return v
    .split(/[\n,]/)
    .map((s) => s.trim().split(/\s+/)[0] ?? "")
    .filter((s) => s !== "");
}

export interface NetworkSegment {
  networkType?: string;
  physnet?: string;
  segmentationId?: number;
}

export interface CliNetwork extends NetworkSegment {
  /** Absent when the output did not include it (`net-show --fields provider:segmentation_id`). */
  id?: string;
  name?: string;
  subnets: string[];
  mtu?: number;
  external?: boolean;
  shared?: boolean;
  adminStateUp?: boolean;
  status?: string;
  /** Multi-segment networks (`segments`), each with its own provider attributes. */
  segments?: NetworkSegment[];
}

function segmentOf(f: Fields): NetworkSegment {
  const s: NetworkSegment = {};
  const networkType = f.str("provider_network_type", "network_type");
  const physnet = f.str("provider_physical_network", "physical_network");
  const segmentationId = f.num("provider_segmentation_id", "segmentation_id");
  if (networkType !== undefined) s.networkType = networkType;
  if (physnet !== undefined) s.physnet = physnet;
  if (segmentationId !== undefined) s.segmentationId = segmentationId;
  return s;
}

function jsonList(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (typeof v !== "string" || !v.trim().startsWith("[")) return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Drop the keys whose value is undefined, so records compare and print cleanly. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** `neutron net-list/net-show`, `openstack network list [--long]/show`, API `networks`. */
export function toNetworks(input: CliInput): CliNetwork[] {
  return recordsOf(input).map((r) => {
    const f = new Fields(r);
    const segments = jsonList(f.raw("segments"))
      ?.filter(isRecord)
      .map((s) => segmentOf(new Fields(s)));
    return compact<CliNetwork>({
      id: f.str("id"),
      name: f.str("name"),
      subnets: listOf(f.raw("subnets")),
      ...segmentOf(f),
      mtu: f.num("mtu"),
      external: f.bool("router_external", "router_type", "is_router_external"),
      shared: f.bool("shared"),
      adminStateUp: f.bool("admin_state_up", "state"),
      status: f.str("status"),
      segments,
    });
  });
}

export interface CliSubnet {
  id?: string;
  name?: string;
  networkId?: string;
  cidr?: string;
  gatewayIp?: string;
  enableDhcp?: boolean;
  dnsNameservers: string[];
  ipVersion?: number;
}

/** `openstack subnet list --long`, `subnet show`, `neutron subnet-list` or the API's subnets. */
export function toSubnets(input: CliInput): CliSubnet[] {
  return recordsOf(input).map((r) => {
    const f = new Fields(r);
    return compact<CliSubnet>({
      id: f.str("id"),
      name: f.str("name"),
      networkId: f.str("network_id", "network"),
      cidr: f.str("cidr", "subnet"),
      gatewayIp: f.str("gateway_ip", "gateway"),
      enableDhcp: f.bool("enable_dhcp", "dhcp"),
      dnsNameservers: listOf(f.raw("dns_nameservers", "name_servers")),
      ipVersion: f.num("ip_version"),
    });
  });
}

export interface CliPort {
  id?: string;
  name?: string;
  networkId?: string;
  mac?: string;
  fixedIps: { ip: string; subnetId?: string }[];
  status?: string;
  adminStateUp?: boolean;
  deviceOwner?: string;
  deviceId?: string;
  hostId?: string;
  /** `ovs`, `unbound`, `binding_failed`, … */
  vifType?: string;
  vnicType?: string;
  vifDetails?: Record<string, string>;
  ovsHybridPlug?: boolean;
  securityGroups?: string[];
}

/**
 * fixed_ips as JSON list, JSON-in-cell (`{"subnet_id": "…", "ip_address": "…"}`, old neutron) or
 * cliff's `ip_address='…', subnet_id='…'`, one address per line: pairs are read in order.
 */
function fixedIps(v: unknown): CliPort["fixedIps"] {
  const out: CliPort["fixedIps"] = [];
  if (Array.isArray(v)) {
    for (const e of v.filter(isRecord)) {
      const f = new Fields(e);
      const ip = f.str("ip_address");
      if (ip === undefined) continue;
      const subnetId = f.str("subnet_id");
      out.push(subnetId === undefined ? { ip } : { ip, subnetId });
    }
    return out;
  }
  if (typeof v !== "string") return out;
  let cur: { ip?: string; subnetId?: string } = {};
  const push = (): void => {
    if (cur.ip !== undefined)
      out.push(cur.subnetId === undefined ? { ip: cur.ip } : { ip: cur.ip, subnetId: cur.subnetId });
    cur = {};
  };
  for (const m of v.matchAll(/(ip_address|subnet_id)["']?\s*[:=]\s*["']([^"']*)["']/g)) {
    const key = m[1] === "ip_address" ? "ip" : "subnetId";
    if (cur[key] !== undefined) push();
    cur[key] = m[2];
  }
  push();
  return out;
}

/** binding:vif_details as a JSON object, JSON text, or cliff's `key='value', …`. */
function vifDetails(v: unknown): Record<string, string> | undefined {
  let obj: unknown = v;
  if (typeof v === "string" && v.trim().startsWith("{")) {
    try {
      obj = JSON.parse(v);
    } catch {
      obj = v;
    }
  }
  if (isRecord(obj)) {
    return Object.fromEntries(
      Object.entries(obj).map(([k, x]) => [k, typeof x === "object" ? JSON.stringify(x) : String(x)]),
    );
  }
  if (typeof obj !== "string") return undefined;
  const pairs = [...obj.matchAll(/([\w.-]+)='([^']*)'/g)].map((m) => [m[1] ?? "", m[2] ?? ""]);
  return pairs.length > 0 ? Object.fromEntries(pairs) : undefined;
}

/** `neutron port-list/port-show`, `openstack port list [--long]/show`, API `ports`. */
export function toPorts(input: CliInput): CliPort[] {
  return recordsOf(input).map((r) => {
    const f = new Fields(r);
    const details = vifDetails(f.raw("binding_vif_details"));
    const groups = f.raw("security_group_ids", "security_groups");
    return compact<CliPort>({
      id: f.str("id"),
      name: f.str("name"),
      networkId: f.str("network_id"),
      mac: f.str("mac_address"),
      fixedIps: fixedIps(f.raw("fixed_ips", "fixed_ip_addresses")),
      status: f.str("status"),
      adminStateUp: f.bool("admin_state_up", "state"),
      deviceOwner: f.str("device_owner"),
      deviceId: f.str("device_id"),
      hostId: f.str("binding_host_id"),
      vifType: f.str("binding_vif_type"),
      vnicType: f.str("binding_vnic_type"),
      vifDetails: details,
      ovsHybridPlug: toBool(details?.["ovs_hybrid_plug"]),
      securityGroups: groups === undefined ? undefined : listOf(groups),
    });
  });
}

export interface CliAgent {
  id?: string;
  agentType?: string;
  host?: string;
  zone?: string;
  /** Heartbeat seen recently: `:-)`/`XXX` (CLI tables), True/False, true/false (JSON). */
  alive?: boolean;
  /** Administrative state (`State` UP/DOWN, `admin_state_up`). */
  adminStateUp?: boolean;
  binary?: string;
}

/** `neutron agent-list`, `openstack network agent list`, API `agents`. */
export function toAgents(input: CliInput): CliAgent[] {
  return recordsOf(input).map((r) => {
    const f = new Fields(r);
    return compact<CliAgent>({
      id: f.str("id"),
      agentType: f.str("agent_type"),
      host: f.str("host"),
      zone: f.str("availability_zone"),
      alive: f.bool("alive"),
      adminStateUp: f.bool("admin_state_up", "state"),
      binary: f.str("binary"),
    });
  });
}

export interface ComputeService {
  id?: string;
  binary?: string;
  host?: string;
  zone?: string;
  /** enabled / disabled (administrative). */
  status?: string;
  /** up / down (heartbeat). */
  state?: string;
  up?: boolean;
  updatedAt?: string;
  disabledReason?: string;
}

/** `nova service-list`, `openstack compute service list`. */
export function toComputeServices(input: CliInput): ComputeService[] {
  return recordsOf(input).map((r) => {
    const f = new Fields(r);
    const state = f.str("state");
    const reason = f.str("disabled_reason");
    return compact<ComputeService>({
      id: f.str("id"),
      binary: f.str("binary"),
      host: f.str("host"),
      zone: f.str("zone"),
      status: f.str("status"),
      state,
      up: toBool(state),
      updatedAt: f.str("updated_at"),
      // nova prints "-" for no reason
      disabledReason: reason === "-" ? undefined : reason,
    });
  });
}

export interface HypervisorStats {
  count?: number;
  vcpus?: number;
  vcpusUsed?: number;
  memoryMb?: number;
  memoryMbUsed?: number;
  freeRamMb?: number;
  localGb?: number;
  localGbUsed?: number;
  freeDiskGb?: number;
  diskAvailableLeast?: number;
  runningVms?: number;
  currentWorkload?: number;
  /** Properties not listed above, as printed. */
  other: Record<string, string>;
}

type StatKey = Exclude<keyof HypervisorStats, "other">;

const STAT_KEYS: Record<string, StatKey> = {
  count: "count",
  vcpus: "vcpus",
  vcpus_used: "vcpusUsed",
  memory_mb: "memoryMb",
  memory_mb_used: "memoryMbUsed",
  free_ram_mb: "freeRamMb",
  local_gb: "localGb",
  local_gb_used: "localGbUsed",
  free_disk_gb: "freeDiskGb",
  disk_available_least: "diskAvailableLeast",
  running_vms: "runningVms",
  current_workload: "currentWorkload",
};

/** `nova hypervisor-stats`, `openstack hypervisor stats show` (table or JSON): the first record. */
export function toHypervisorStats(input: CliInput): HypervisorStats {
  const stats: HypervisorStats = { other: {} };
  const record = recordsOf(input)[0] ?? {};
  for (const [k, v] of Object.entries(record)) {
    const key = STAT_KEYS[normKey(k)];
    const n = toNum(present(v));
    if (key !== undefined && n !== undefined) stats[key] = n;
    else stats.other[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return stats;
}

export interface VlanAllocation {
  /** Absent when the query did not select it (chi-in-a-box's join). */
  physnet?: string;
  vlanId: number;
  allocated: boolean;
  /** From a join with networksegments; absent for NULL. */
  networkId?: string;
}

/** mysql `select * from ml2_vlan_allocations` (or a join of it); rows without a numeric vlan_id are skipped. */
export function toVlanAllocations(input: CliInput): VlanAllocation[] {
  const out: VlanAllocation[] = [];
  for (const r of recordsOf(input)) {
    const f = new Fields(r);
    const vlanId = f.num("vlan_id");
    if (vlanId === undefined) continue;
    out.push(
      compact<VlanAllocation>({
        physnet: f.str("physical_network"),
        vlanId,
        allocated: f.bool("allocated") ?? false,
        networkId: f.str("network_id"),
      }),
    );
  }
  return out;
}

export interface SecgroupRule {
  id?: string;
  securityGroup?: string;
  direction?: string;
  ethertype?: string;
  /** tcp, udp, icmp, …; absent for any protocol. */
  protocol?: string;
  /** Port range, or ICMP type/code for icmp (nova prints -1 for any). */
  portMin?: number;
  portMax?: number;
  remoteIpPrefix?: string;
  remoteGroup?: string;
}

function portRange(text: string | undefined): [number | undefined, number | undefined] {
  const m = /^(-?\d+)(?::(-?\d+))?$/.exec(text ?? "");
  if (!m) return [undefined, undefined];
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

/**
 * `nova secgroup-list-rules`, `neutron security-group-rule-list`, `openstack security group rule list`,
 * API `security_group_rules`.
 */
export function toSecgroupRules(input: CliInput): SecgroupRule[] {
  return recordsOf(input).map((r) => {
    const f = new Fields(r);
    // neutron's "port/protocol" (22/tcp, icmp, any) and "remote" (0.0.0.0/0 (CIDR), default (group))
    const pp = /^(?:(\d+(?:-\d+)?)\/)?(\w+)$/.exec(f.str("port/protocol") ?? "");
    const remote = /^(.*) \((CIDR|group)\)$/.exec(f.str("remote") ?? "");
    const [rangeMin, rangeMax] = portRange(f.str("port_range") ?? pp?.[1]?.replace("-", ":"));
    const protocol = f.str("ip_protocol", "protocol") ?? (pp?.[2] === "any" ? undefined : pp?.[2]);
    return compact<SecgroupRule>({
      id: f.str("id"),
      securityGroup: f.str("security_group", "security_group_id"),
      direction: f.str("direction"),
      ethertype: f.str("ethertype"),
      protocol: protocol === "any" ? undefined : protocol,
      portMin: f.num("port_range_min", "from_port") ?? rangeMin,
      portMax: f.num("port_range_max", "to_port") ?? rangeMax,
      remoteIpPrefix:
        f.str("remote_ip_prefix", "ip_range") ?? (remote?.[2] === "CIDR" ? remote[1] : undefined),
      remoteGroup:
        f.str("remote_group_id", "source_group", "remote_security_group") ??
        (remote?.[2] === "group" ? remote[1] : undefined),
    });
  });
}

export interface FloatingIp {
  id?: string;
  floatingIp?: string;
  fixedIp?: string;
  portId?: string;
  routerId?: string;
  floatingNetworkId?: string;
  status?: string;
}

/** `openstack floating ip list --long` or the API's floatingips. */
export function toFloatingIps(input: CliInput): FloatingIp[] {
  return recordsOf(input).map((r) => {
    const f = new Fields(r);
    return compact<FloatingIp>({
      id: f.str("id"),
      floatingIp: f.str("floating_ip_address"),
      fixedIp: f.str("fixed_ip_address"),
      portId: f.str("port_id", "port"),
      routerId: f.str("router_id", "router"),
      floatingNetworkId: f.str("floating_network_id", "floating_network"),
      status: f.str("status"),
    });
  });
}
