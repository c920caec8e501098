/**
 * Linux bridge membership: `brctl show` (bridge-utils, old hosts) and iproute2's `bridge link show`
 * (modern hosts lack brctl). In the hybrid firewall each qbr bridge holds the tap and the qvb veth end.
 */
import { parseIfHeader } from "./ip.js";
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

export interface BrctlBridge {
  line: number;
  name: string;
  /** `8000.ee390677286c`: priority + MAC. */
  id: string;
  stp: boolean;
  interfaces: string[];
}

/** `brctl show`: tab (or space) separated; further interfaces sit alone on indented lines. */
export function parseBrctlShow(text: string): ParseResult<BrctlBridge[]> {
  const value: BrctlBridge[] = [];
  const issues: ParseIssue[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const t = raw
      .trim()
      .split(/\s+/)
      .filter((x) => x !== "");
    if (t.length === 0 || /^bridge\s+name\b/.test(raw.trim())) return;
    if (/^\s/.test(raw)) {
      const prev = value[value.length - 1];
      if (prev && t.length === 1) prev.interfaces.push(t[0]!);
      else
        issues.push(
          issue(
            line,
            prev ? "continuation line with more than one interface" : "interface before any bridge",
            raw,
          ),
        );
      return;
    }
    const [name, id, stp, ...interfaces] = t;
    if (id === undefined || stp === undefined || !/^[0-9a-fA-F]{4}\.[0-9a-fA-F]{12}$/.test(id)) {
      // brctl prints errors such as "can't get info Operation not supported" in place of a row.
      issues.push(issue(line, "not a brctl show row", raw));
      return;
    }
    if (stp !== "yes" && stp !== "no")
      issues.push(issue(line, `STP column is "${stp}", expected yes/no`, raw, "warning"));
    value.push({ line, name: name!, id, stp: stp === "yes", interfaces });
  });
  return { value, issues };
}

export interface BridgePort {
  line: number;
  index: number;
  name: string;
  /** The `@` part: the veth peer (`qvoXXX`) or `ifN`. */
  peer?: string;
  flags: string[];
  mtu?: number;
  /** The bridge this port belongs to (absent only in odd outputs). */
  master?: string;
  /** STP port state: forwarding, blocking, disabled, listening, learning. */
  state?: string;
  priority?: number;
  cost?: number;
  /** Unmodelled text, including `bridge -d link` detail lines (hairpin, learning, flood …). */
  extra: string[];
}

/** iproute2 `bridge link show` / `bridge -d link`. */
export function parseBridgeLink(text: string): ParseResult<BridgePort[]> {
  const value: BridgePort[] = [];
  const issues: ParseIssue[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "") return;
    const h = parseIfHeader(raw);
    if (!h) {
      const prev = value[value.length - 1];
      if (prev && /^\s/.test(raw)) prev.extra.push(raw.trim());
      else issues.push(issue(line, "not a bridge link line", raw));
      return;
    }
    const port: BridgePort = { line, index: h.index, name: h.name, flags: h.flags, extra: [] };
    if (h.peer !== undefined) port.peer = h.peer;
    const t = h.rest.split(/\s+/).filter((x) => x !== "");
    const unknown: string[] = [];
    for (let k = 0; k < t.length; k++) {
      const key = t[k]!;
      const v = t[k + 1];
      if (v !== undefined && (key === "master" || key === "state")) port[key] = v;
      else if (v !== undefined && /^\d+$/.test(v) && (key === "mtu" || key === "priority" || key === "cost"))
        port[key] = Number(v);
      else {
        unknown.push(key);
        continue;
      }
      k++;
    }
    if (unknown.length > 0) port.extra.push(unknown.join(" "));
    if (port.master === undefined) issues.push(issue(line, `${port.name}: no master bridge`, raw, "warning"));
    value.push(port);
  });
  return { value, issues };
}
