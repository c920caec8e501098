/**
 * Parsing speed of `parseFlowDump` on a large Neutron-shaped `ovs-ofctl dump-flows` output
 * (OpenFlow 1.0 form with statistics), against the Open vSwitch project's own Python parser
 * (`ovs.flow.ofp.OFPFlow`, Debian's python3-openvswitch) on the same file.
 * Target: at least 20× the peer's flows/s. Prints PASS/MISS; never fails the run.
 *
 *   npx tsx bench/flow-parse.ts
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseFlowDump } from "../src/parse/ofctl-flows.js";

const FLOWS = 200_000;
const SEED = 0x5eed;
const TARGET_RATIO = 20;
const PYTHON = "/usr/bin/python3";
const PEER = join(dirname(fileURLToPath(import.meta.url)), "peers", "ovs_flow_parse.py");

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A dump shaped like a busy compute node running the openvswitch firewall: VLAN translation in
 * table 0, per-port tables 60/71-73/81-82 with ct(), conjunction and ct_state matches, and
 * br-tun style learn/learned flows. Lines are 150-250 bytes, like real ones.
 */
function writeDump(file: string, flows: number, seed: number): void {
  const rand = rng(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const hex = (n: number): string => "0x" + n.toString(16);
  const mac = (): string =>
    "fa:16:3e:" + [int(256), int(256), int(256)].map((b) => b.toString(16).padStart(2, "0")).join(":");
  const ip = (): string => `10.${int(256)}.${int(256)}.${1 + int(254)}`;
  const cookie = "0x565d7680690eea02";
  // Written in chunks so that the benchmark process does not hold the whole dump twice.
  const fd = openSync(file, "w");
  let lines: string[] = ["NXST_FLOW reply (xid=0x4):"];
  for (let i = 0; i < flows; i++) {
    const port = 3 + int(400);
    const vlan = 1 + int(200);
    const packets = int(5) === 0 ? 0 : int(2_000_000);
    const stats = (table: number): string =>
      ` cookie=${cookie}, duration=${int(90000)}.${int(1000)}s, table=${table}, n_packets=${packets}, ` +
      `n_bytes=${packets * (60 + int(1400))}, idle_age=${int(60000)}, `;
    const r = int(100);
    let line: string;
    if (r < 8) {
      line =
        stats(0) +
        `priority=3,in_port=${1 + int(2)},dl_vlan=${100 + vlan} actions=mod_vlan_vid:${vlan},resubmit(,60)`;
    } else if (r < 16) {
      line =
        stats(60) +
        `priority=100,in_port=${port} actions=load:${hex(port)}->NXM_NX_REG5[],load:${hex(vlan)}->NXM_NX_REG6[],resubmit(,71)`;
    } else if (r < 22) {
      line =
        stats(60) +
        `priority=90,dl_vlan=${vlan},dl_dst=${mac()} actions=load:${hex(port)}->NXM_NX_REG5[],load:${hex(vlan)}->NXM_NX_REG6[],strip_vlan,resubmit(,81)`;
    } else if (r < 30) {
      line =
        stats(71) +
        `priority=95,arp,reg5=${hex(port)},in_port=${port},dl_src=${mac()},arp_spa=${ip()} actions=resubmit(,94)`;
    } else if (r < 38) {
      line =
        stats(71) +
        `priority=65,ip,reg5=${hex(port)},in_port=${port},dl_src=${mac()},nw_src=${ip()} actions=ct(table=72,zone=NXM_NX_REG6[0..15])`;
    } else if (r < 44) {
      line =
        stats(71) +
        `priority=95,icmp6,reg5=${hex(port)},in_port=${port},dl_src=${mac()},ipv6_src=fe80::f816:3eff:fea7:${hex(int(65536)).slice(2)},icmp_type=${130 + int(7)} actions=resubmit(,94)`;
    } else if (r < 52) {
      line =
        stats(72 + 10 * int(2)) +
        `priority=40,ct_state=+est,ip,reg5=${hex(port)} actions=ct(commit,zone=NXM_NX_REG6[0..15],exec(load:0x1->NXM_NX_CT_MARK[]))`;
    } else if (r < 64) {
      line =
        stats(82) +
        `priority=70,ct_state=+est-rel-rpl,ip,reg6=${hex(vlan)},nw_src=${ip()}/${16 + int(17)} actions=conjunction(${int(2000)},1/2)`;
    } else if (r < 72) {
      const conj = int(2000);
      line =
        stats(82) +
        `priority=70,conj_id=${conj},ct_state=+new-est,tcp,reg5=${hex(port)} actions=load:${hex(conj)}->NXM_NX_REG7[],ct(commit,zone=NXM_NX_REG6[0..15]),output:${port},resubmit(,92)`;
    } else if (r < 80) {
      line =
        stats(82) +
        `priority=77,ct_state=+new-est,tcp,reg5=${hex(port)},tp_dst=${hex(int(16) << 12)}/0xf000 actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:${port},resubmit(,92)`;
    } else if (r < 84) {
      line =
        stats(81) +
        `priority=90,ct_state=-trk,ipv6,reg5=${hex(port)} actions=ct(table=82,zone=NXM_NX_REG6[0..15])`;
    } else if (r < 88) {
      line =
        stats(10) +
        `priority=1 actions=learn(table=20,hard_timeout=300,priority=1,cookie=${cookie},NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[]),output:1`;
    } else if (r < 95) {
      line =
        ` cookie=${cookie}, duration=${int(300)}.${int(1000)}s, table=20, n_packets=${packets}, n_bytes=${packets * 98}, ` +
        `hard_timeout=300, idle_age=${int(300)}, hard_age=${int(300)}, priority=1,vlan_tci=0x${vlan.toString(16).padStart(4, "0")}/0x0fff,dl_dst=${mac()} actions=load:0->NXM_OF_VLAN_TCI[],load:${hex(1000 + vlan)}->NXM_NX_TUN_ID[],output:${2 + int(30)}`;
    } else {
      line = stats(4) + `priority=1,tun_id=${hex(1000 + vlan)} actions=mod_vlan_vid:${vlan},resubmit(,9)`;
    }
    lines.push(line);
    if (lines.length === 10_000) {
      writeSync(fd, lines.join("\n") + "\n");
      lines = [];
    }
  }
  writeSync(fd, lines.join("\n") + "\n");
  closeSync(fd);
}

interface PeerResult {
  flows: number;
  seconds: number;
}

function runPeer(file: string): PeerResult | string {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (Debian's python3 is needed for the peer)`;
  const r = spawnSync(PYTHON, [PEER, file], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.error !== undefined) return `cannot run ${PYTHON}: ${r.error.message}`;
  const last = r.stdout.trim().split("\n").pop() ?? "";
  let parsed: { flows?: number; seconds?: number; error?: string } = {};
  try {
    parsed = JSON.parse(last) as typeof parsed;
  } catch {
    return `peer failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}`;
  }
  if (parsed.error !== undefined) return parsed.error;
  if (typeof parsed.flows !== "number" || typeof parsed.seconds !== "number") return `peer printed ${last}`;
  return { flows: parsed.flows, seconds: parsed.seconds };
}

/** The warm-up run, checked; its result is dropped before the timed runs. */
function checkWarmUp(text: string): string | undefined {
  const warm = parseFlowDump(text);
  if (warm.value.flows.length === FLOWS && warm.issues.length === 0) return undefined;
  return `${warm.value.flows.length} flows, ${warm.issues.length} issues, first: ${JSON.stringify(warm.issues[0])}`;
}

export async function benchFlowParse(): Promise<void> {
  const file = join(tmpdir(), `netdoctor-bench-flows-${FLOWS}-${SEED}.txt`);
  writeDump(file, FLOWS, SEED);
  const text = readFileSync(file, "utf8");
  const mb = Buffer.byteLength(text) / 1e6;
  console.log(
    `flow-parse: ${FLOWS} flows, ${mb.toFixed(1)} MB (${Math.round((mb * 1e6) / FLOWS)} bytes/line) in ${file}`,
  );

  const problem = checkWarmUp(text);
  if (problem !== undefined) {
    console.log(`  netdoctor: WRONG RESULT: ${problem}`);
    return;
  }
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    parseFlowDump(text);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  const ours = FLOWS / best;
  console.log(
    `  netdoctor parseFlowDump: ${(best * 1000).toFixed(0)} ms best of 3, ${(mb / best).toFixed(1)} MB/s, ${Math.round(ours).toLocaleString("en")} flows/s`,
  );
  // parseFlowDump validates every line but builds a flow's info/match/actions records on first
  // access; this figure includes building all of them, for comparison (not the target).
  const t0 = performance.now();
  let records = 0;
  for (const f of parseFlowDump(text).value.flows)
    records += f.info.length + f.match.length + f.actions.length;
  const all = (performance.now() - t0) / 1000;
  console.log(
    `  netdoctor parseFlowDump + every record built: ${(all * 1000).toFixed(0)} ms, ${Math.round(FLOWS / all).toLocaleString("en")} flows/s (${records} records)`,
  );

  const peer = runPeer(file);
  if (typeof peer === "string") {
    console.log(`  peer ovs.flow (Python): ERROR: ${peer}`);
    return;
  }
  const theirs = peer.flows / peer.seconds;
  console.log(
    `  peer ovs.flow OFPFlow (Python): ${(peer.seconds * 1000).toFixed(0)} ms, ${(mb / peer.seconds).toFixed(1)} MB/s, ${Math.round(theirs).toLocaleString("en")} flows/s`,
  );
  if (peer.flows !== FLOWS) console.log(`  (the peer counted ${peer.flows} flows, not ${FLOWS})`);
  const ratio = ours / theirs;
  console.log(
    `  ratio: ${ratio.toFixed(1)}x (target >= ${TARGET_RATIO}x) ${ratio >= TARGET_RATIO ? "PASS" : "MISS"}; with every record built: ${(FLOWS / all / theirs).toFixed(1)}x`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchFlowParse();
}
