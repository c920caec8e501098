/**
 * The guide's "ping is your best friend" ladder, with real ICMP between the lab's namespaces:
 *   1. VM → VM on another node (compute → controller over VLAN 324 through the ToR)
 *   2. VM → its router (the qr- address on the network node)
 *   3. VM → external server (out through the router's SNAT)
 *   4. external server → the VM's floating IP (in through DNAT)
 */
import { ROUTER_GATEWAY_IP } from "./cloud.js";
import { inNs, run, sleep } from "./run.js";
import { EXT_SERVER, tenantNetworkByName, VMS } from "./topology.js";

export interface Rung {
  id: string;
  title: string;
  fromNs: string;
  to: string;
}

export interface RungResult extends Rung {
  ok: boolean;
  sent: number;
  received: number;
  /** ping's summary lines, for the report. */
  detail: string;
}

export function ladderRungs(): Rung[] {
  const [vm1, vm2] = VMS;
  if (vm1 === undefined || vm2 === undefined) throw new Error("the ladder needs two VMs");
  const net = tenantNetworkByName(vm1.network);
  if (net === undefined || vm1.floatingIp === undefined)
    throw new Error("vm1 needs a network and a floating IP");
  return [
    {
      id: "vm-to-vm",
      title: `${vm1.name}@${vm1.node} → ${vm2.name}@${vm2.node} (${vm2.ip}, VLAN ${net.segmentationId} via ToR)`,
      fromNs: vm1.ns,
      to: vm2.ip,
    },
    {
      id: "vm-to-router",
      title: `${vm1.name} → router qr- (${net.gateway})`,
      fromNs: vm1.ns,
      to: net.gateway,
    },
    {
      id: "vm-to-external",
      title: `${vm1.name} → external server (${EXT_SERVER.address}, SNAT to ${ROUTER_GATEWAY_IP})`,
      fromNs: vm1.ns,
      to: EXT_SERVER.address,
    },
    {
      id: "external-to-fip",
      title: `external server → floating IP ${vm1.floatingIp} (DNAT to ${vm1.ip})`,
      fromNs: EXT_SERVER.ns,
      to: vm1.floatingIp,
    },
  ];
}

/** `N packets transmitted, M received` → numbers. */
export function parsePingSummary(out: string): { sent: number; received: number } | undefined {
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(out);
  if (m === null) return undefined;
  return { sent: Number(m[1]), received: Number(m[2]) };
}

export async function pingRung(rung: Rung, count = 3): Promise<RungResult> {
  const r = await run(
    inNs(rung.fromNs, ["ping", "-n", "-c", String(count), "-i", "0.2", "-W", "1", rung.to]),
    {
      allowFailure: true,
      timeoutMs: 20_000,
    },
  );
  const summary = parsePingSummary(r.stdout);
  const detail = r.stdout
    .split("\n")
    .filter((l) => /packets transmitted|rtt|round-trip/.test(l))
    .join("; ");
  return {
    ...rung,
    sent: summary?.sent ?? count,
    received: summary?.received ?? 0,
    ok: summary !== undefined && summary.received > 0,
    detail: detail || r.stderr.trim(),
  };
}

export async function runLadder(): Promise<RungResult[]> {
  const out: RungResult[] = [];
  for (const rung of ladderRungs()) out.push(await pingRung(rung));
  return out;
}

/** Retry each rung until it passes or the deadline passes (used right after `up`, while agents settle). */
export async function waitForLadder(timeoutMs: number): Promise<RungResult[]> {
  const deadline = Date.now() + timeoutMs;
  const out: RungResult[] = [];
  for (const rung of ladderRungs()) {
    let res = await pingRung(rung, 2);
    while (!res.ok && Date.now() < deadline) {
      await sleep(500);
      res = await pingRung(rung, 2);
    }
    out.push(res);
  }
  return out;
}

export function formatLadder(results: readonly RungResult[]): string {
  return results
    .map((r, i) => `${r.ok ? "PASS" : "FAIL"}  ${i + 1}. ${r.title}  ${r.received}/${r.sent} replies`)
    .join("\n");
}
