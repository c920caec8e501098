/**
 * `netdoctor trace` for people: one line per hop — node, device, direction, the VLAN tag on the wire there, the
 * action, what decided (the flow with table/priority/cookie/n_packets, the nat rule, the route, the switch port)
 * and the command that shows the packet there — then the verdict; the reply the same way; then the mirror recipes
 * the capture commands need, the assumptions and the warnings. `verbose` adds each hop's reason and evidence.
 */
import pc from "picocolors";
import type { Hop, MirrorRecipe, TracePath, TraceReport, Verdict } from "../trace/types.js";

/** `qrouter-e521f9d0-a1bd-4ff4-bc81-78a60dd88fe5` → `qrouter-e521f9d0…` (the guide's way of writing them). */
function shortNs(name: string): string {
  const m = /^(qrouter|qdhcp|fip|snat)-([0-9a-f]{8})-[0-9a-f-]{27}$/.exec(name);
  return m ? `${m[1]}-${m[2]}…` : name;
}

function deviceCol(h: Hop): string {
  if (h.componentKind === "wire") {
    const parts = (h.device ?? "").split(" → ");
    const first = (parts[0] ?? "").replace(`${h.node}:`, "");
    const last = parts.length > 1 ? parts[parts.length - 1] : undefined;
    return `wire ${first}${last ? `→${last}` : ""}`;
  }
  if (h.componentKind === "device") return h.component;
  const comp = h.componentKind === "namespace" ? shortNs(h.component) : h.component;
  return h.device ? `${comp}:${h.device}` : comp;
}

function vlanCol(h: Hop): string {
  const tag = h.vlan === "untagged" ? "untagged" : `vlan ${h.vlan}`;
  return h.localVlan !== undefined ? `${tag} (local ${h.localVlan})` : tag;
}

function decidedCol(h: Hop): string {
  const f = h.flows?.[h.flows.length - 1];
  if (f) {
    return `table=${f.table} priority=${f.priority} cookie=${f.cookie}${f.nPackets === undefined ? "" : ` n_packets=${f.nPackets}`}${f.evidence.line !== undefined ? ` (line ${f.evidence.line})` : ""}`;
  }
  if (h.rule)
    return `${h.rule.kind}: ${h.rule.text}${h.rule.evidence?.line !== undefined ? ` (line ${h.rule.evidence.line})` : ""}`;
  return "-";
}

const ACTION: Record<Hop["action"], (s: string) => string> = {
  received: (s) => s,
  forwarded: (s) => s,
  delivered: pc.green,
  dropped: (s) => pc.bold(pc.red(s)),
};

function verdictLine(v: Verdict): string[] {
  const head =
    v.status === "delivered"
      ? pc.green(`DELIVERED ${v.where}`)
      : v.status === "dropped"
        ? pc.bold(pc.red(`DROPPED at hop ${v.hop ?? "?"}: ${v.where}`))
        : pc.yellow(`INCOMPLETE at hop ${v.hop ?? "?"}: ${v.where}`);
  const out = [`  ${head}`];
  if (v.status !== "delivered") out.push(`    why: ${v.reason}`);
  if (v.flow) {
    out.push(
      `    flow: ${v.flow.node} ${v.flow.bridge} table=${v.flow.table} priority=${v.flow.priority} cookie=${v.flow.cookie}${v.flow.nPackets === undefined ? "" : ` n_packets=${v.flow.nPackets}`}: ${v.flow.summary}`,
    );
    out.push(pc.dim(`          ${v.flow.evidence.path}:${v.flow.evidence.line ?? "?"}`));
  }
  if (v.rule)
    out.push(
      pc.dim(
        `    rule: ${v.rule.path}${v.rule.line !== undefined ? `:${v.rule.line}` : ""}${v.rule.text ? `  ${v.rule.text.trim()}` : ""}`,
      ),
    );
  if (v.cause) {
    out.push(`    cause (hop ${v.cause.hop}): ${v.cause.reason}`);
  }
  return out;
}

function pathLines(p: TracePath, verbose: boolean): string[] {
  const title = p.direction === "request" ? "request" : "reply";
  const proto = p.packet.proto.name === "icmp" ? "icmp" : `${p.packet.proto.name}:${p.packet.proto.port}`;
  const out = [
    pc.bold(
      `${title}: ${p.packet.srcIp ?? "?"} → ${p.packet.dstIp ?? "?"} ${proto} (${p.packet.srcMac} → ${p.packet.dstMac})`,
    ),
  ];
  const rows = p.hops.map((h) => [
    String(h.index),
    h.node,
    deviceCol(h),
    h.direction,
    vlanCol(h),
    h.action,
    decidedCol(h),
    h.tcpdump ? `$ ${h.tcpdump}${h.mirror ? "  (mirror, see below)" : ""}` : "",
  ]);
  // Wide cells (a long wire path, a nat rule) overflow rather than push every other row to the right.
  const caps = [4, 16, 40, 3, 20, 9, 60];
  const widths = [0, 1, 2, 3, 4, 5, 6].map((i) =>
    Math.min(caps[i] as number, Math.max(...rows.map((r) => (r[i] as string).length))),
  );
  p.hops.forEach((h, i) => {
    const r = rows[i] as string[];
    const cells = r
      .slice(0, 7)
      .map((c, j) => (j === 0 ? c.padStart(widths[0] as number) : c.padEnd(widths[j] as number)));
    cells[5] = ACTION[h.action](cells[5] as string);
    out.push(`  ${cells.join("  ")}  ${pc.cyan(r[7] as string)}`.trimEnd());
    if (verbose) {
      out.push(pc.dim(`  ${" ".repeat(widths[0] as number)}  ${h.reason}`));
      for (const n of h.notes ?? []) out.push(pc.yellow(`  ${" ".repeat(widths[0] as number)}  note: ${n}`));
      for (const e of h.evidence) {
        out.push(
          pc.dim(
            `  ${" ".repeat(widths[0] as number)}  ${e.path}${e.line !== undefined ? `:${e.line}` : ""}`,
          ),
        );
      }
    } else {
      for (const n of h.notes ?? []) {
        if (!n.startsWith("also ")) out.push(pc.yellow(`  ${" ".repeat(widths[0] as number)}  note: ${n}`));
      }
    }
  });
  out.push(...verdictLine(p.verdict));
  return out;
}

interface MirrorUse {
  node: string;
  recipe: MirrorRecipe;
  /** Every capture filter the trace needs on that port (the tag differs between request and reply). */
  captures: string[];
}

function mirrorUses(report: TraceReport): MirrorUse[] {
  const uses = new Map<string, MirrorUse>();
  for (const p of [report.request, report.reply]) {
    for (const h of p?.hops ?? []) {
      if (!h.mirror) continue;
      const key = `${h.node}/${h.mirror.bridge}/${h.mirror.port}`;
      const use = uses.get(key) ?? { node: h.node, recipe: h.mirror, captures: [] };
      if (!use.captures.includes(h.mirror.capture)) use.captures.push(h.mirror.capture);
      uses.set(key, use);
    }
  }
  return [...uses.values()];
}

function mirrorLines(uses: MirrorUse[]): string[] {
  if (uses.length === 0) return [];
  const out = [
    pc.bold(
      "capturing on OVS patch ports (no kernel device): a mirror to an internal port, in one ovs-vsctl transaction",
    ),
  ];
  for (const u of uses) {
    const m = u.recipe;
    out.push(`  on ${u.node}, ${m.bridge}:${m.port}`);
    for (const c of m.setup) out.push(`    $ ${c}`);
    for (const c of u.captures) out.push(`    $ ${c}`);
    for (const c of m.cleanup) out.push(`    $ ${c}   ${pc.dim("# clean-up")}`);
    out.push(pc.dim(`    or, where ovs-tcpdump is installed: ${m.ovsTcpdump}`));
  }
  out.push(
    pc.dim(
      "  (snooper0 is an OVS internal port, so no `dummy` kernel driver is needed; a mirror's output port takes no other traffic)",
    ),
  );
  return out;
}

export function renderTraceText(report: TraceReport, opts: { verbose?: boolean } = {}): string {
  const verbose = opts.verbose ?? false;
  const proto = report.proto.name === "icmp" ? "icmp" : `${report.proto.name}:${report.proto.port}`;
  const out: string[] = [
    `${pc.bold("netdoctor trace")} ${proto}`,
    `  from ${report.from.label}`,
    `  to   ${report.to.label}`,
    "",
    ...pathLines(report.request, verbose),
    "",
  ];
  if (report.reply) out.push(...pathLines(report.reply, verbose), "");
  else if (report.replySkipped) out.push(pc.dim(`reply: not traced (${report.replySkipped})`), "");
  const status = report.verdict.status;
  const color = status === "delivered" ? pc.green : status === "dropped" ? pc.red : pc.yellow;
  out.push(`${pc.bold("verdict:")} ${color(status.toUpperCase())} — ${report.verdict.summary}`, "");
  const lines = mirrorLines(mirrorUses(report));
  if (lines.length) out.push(...lines, "");
  if (report.assumptions.length) {
    out.push(pc.bold("assumed:"));
    for (const a of report.assumptions) out.push(`  - ${a}`);
    out.push("");
  }
  if (report.warnings.length) {
    out.push(pc.bold(pc.yellow("warnings:")));
    for (const w of report.warnings) out.push(pc.yellow(`  - ${w}`));
    out.push("");
  }
  return `${out.join("\n")}\n`;
}
