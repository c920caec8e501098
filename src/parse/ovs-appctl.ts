/**
 * `ovs-appctl` views of a running ovs-vswitchd: the MAC learning table (`fdb/show <bridge>`) and
 * the tunnel ports it matches packets against (`ofproto/list-tunnels`).
 */
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

export interface FdbEntry {
  /** OpenFlow port number, or a reserved port name such as `LOCAL`. */
  port: number | string;
  vlan: number;
  mac: string;
  /** Seconds since the MAC was last seen; `static` for entries added with `fdb/add`. */
  age: number | "static";
  line: number;
}

const FDB_HEADER_RE = /^\s*port\s+VLAN\s+MAC\s+Age\s*$/i;
const FDB_ROW_RE = /^\s*(\S+)\s+(\d+)\s+([0-9a-f]{2}(?::[0-9a-f]{2}){5})\s+(\d+|static)\s*$/i;
const ELISION_RE = /^\s*(\.\.\.|…)\s*$/;

/** `ovs-appctl fdb/show <bridge>`: ` port  VLAN  MAC                Age` then one row per MAC. */
export function parseFdbShow(text: string): ParseResult<FdbEntry[]> {
  const issues: ParseIssue[] = [];
  const entries: FdbEntry[] = [];
  splitLines(text).forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === "" || FDB_HEADER_RE.test(raw) || ELISION_RE.test(raw)) return;
    const m = FDB_ROW_RE.exec(raw);
    if (!m) {
      issues.push(issue(line, "not a `port VLAN MAC Age` row", raw));
      return;
    }
    const [, port = "", vlan = "", mac = "", age = ""] = m;
    entries.push({
      port: /^\d+$/.test(port) ? Number(port) : port,
      vlan: Number(vlan),
      mac,
      age: age === "static" ? "static" : Number(age),
      line,
    });
  });
  return { value: entries, issues };
}

export interface TunnelPort {
  /** Datapath (not OpenFlow) port: kernel VXLAN tunnels all share the one of `vxlan_sys_4789`. */
  port: number;
  name: string;
  /** Tunnel type (`vxlan`, `gre`, `geneve`, …). */
  type: string;
  /** Source and destination of the `local->remote` pair; `flow` when set per flow. */
  local: string;
  remote: string;
  /** `key=` value: `flow` or the fixed VNI/key as printed (e.g. `0x3e9`). */
  key?: string;
  /** The other `name=value` items (`dp port`, `ttl`, `csum`, …); bare words (`legacy_l2`) map to "". */
  other: Record<string, string>;
  line: number;
}

const TUNNEL_RE = /^\s*port\s+(\d+):\s+(\S+)\s+\(([^:()\s]+):\s+(.*)\)\s*$/;

/**
 * `ovs-appctl ofproto/list-tunnels`, one tunnel a line:
 * `port 7: vxlan-0a000072 (vxlan: 10.0.0.128->10.0.0.114, key=flow, legacy_l2, dp port=7, ttl=64)`.
 */
export function parseListTunnels(text: string): ParseResult<TunnelPort[]> {
  const issues: ParseIssue[] = [];
  const tunnels: TunnelPort[] = [];
  splitLines(text).forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === "" || ELISION_RE.test(raw)) return;
    const m = TUNNEL_RE.exec(raw);
    const [endpoints = "", ...items] = (m?.[4] ?? "").split(/,\s*/);
    const arrow = endpoints.indexOf("->");
    if (!m || arrow < 0) {
      issues.push(issue(line, "not a `port N: name (type: local->remote, …)` line", raw));
      return;
    }
    const tunnel: TunnelPort = {
      port: Number(m[1]),
      name: m[2] ?? "",
      type: m[3] ?? "",
      local: endpoints.slice(0, arrow).trim(),
      remote: endpoints.slice(arrow + 2).trim(),
      other: {},
      line,
    };
    for (const item of items) {
      const eq = item.indexOf("=");
      const name = (eq < 0 ? item : item.slice(0, eq)).trim();
      const value = eq < 0 ? "" : item.slice(eq + 1).trim();
      if (name === "key") tunnel.key = value;
      else tunnel.other[name] = value;
    }
    tunnels.push(tunnel);
  });
  return { value: tunnels, issues };
}
