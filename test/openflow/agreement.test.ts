/**
 * simulate() against Open vSwitch itself: the same flow tables loaded into a scratch ovs-vswitchd
 * (userspace datapath, own network namespace), the same packets traced with `ofproto/trace`.
 * For every packet and every pass (ct() recirculations resume with --ct-next trk,est, the
 * simulator with ctState "+trk+est") these must agree:
 *   - the tables visited and the priority of the flow run in each (or the miss);
 *   - the outputs: OpenFlow port (datapath ports mapped back through dpif/show) and the headers each
 *     carries, replayed from the datapath actions (VLAN tags, MACs, IP/L4 fields);
 *   - the final flow (registers, metadata, tunnel id, ct fields and headers);
 *   - the drop decision.
 * Packets whose lookup ties two flows at one priority are not compared (OVS's pick is arbitrary).
 * Tables: the real fixture dumps (Neutron br-int with the openvswitch firewall, br-tun, provider
 * bridges, in OpenFlow 1.0 and 1.3 form) and generated ones (Neutron-shaped with access, trunk and
 * native ports and a MAC table; random ones with masks, priorities, resubmits, VLAN actions,
 * register loads, ct() and conjunctions). Any disagreement fails with the packet, both sides' steps
 * and the raw trace.
 *
 * CI (CI=true) requires Open vSwitch; elsewhere the tests skip, saying why, when it is not installed.
 */
import assert from "node:assert/strict";
import { after, before, type TestContext, test } from "node:test";
import fc from "fast-check";
import type { Flow } from "../../src/openflow/flow.js";
import { compileMatch } from "../../src/openflow/match.js";
import type { FdbRecord } from "../../src/openflow/normal.js";
import {
  formatPacket,
  makePacket,
  OFPP,
  type Packet,
  packetToWords,
  parsePacket,
  W_CONJ_ID,
  wordsToPacket,
} from "../../src/openflow/packet.js";
import { compileBridge, simulate, type TraceResult } from "../../src/openflow/pipeline.js";
import { parseFlowDump } from "../../src/parse/ofctl-flows.js";
import { datapathOutputs, parseOfprotoTrace } from "../../src/parse/ofproto-trace.js";
import { parseOvsVsctlShow } from "../../src/parse/ovs-vsctl-show.js";
import { atomText, colNumber, colSet, colString, parseOvsdbClientListDump } from "../../src/parse/ovsdb.js";
import { realFixture } from "../helpers/fixtures.js";
import { flowForAdd, missingOvsBinaries, ScratchOvs, type ScratchPort } from "../helpers/scratch-ovs.js";

const BRIDGE = "br-sim";
/** The conntrack state after ct(table=N): the simulator's option and ofproto/trace's --ct-next. */
interface CtAssumption {
  state: string;
  next: string;
}
const EST: CtAssumption = { state: "+trk+est", next: "trk,est" };
const NEW: CtAssumption = { state: "+trk+new", next: "trk,new" };
const MIN_PACKETS = 500;

let ovs: ScratchOvs | undefined;
let skipReason: string | undefined;
let compared = 0;

before(async () => {
  const missing = missingOvsBinaries();
  if (missing.length > 0) {
    const why = `Open vSwitch is not installed (missing ${missing.join(", ")}; apt-get install -y openvswitch-switch)`;
    if (process.env.CI === "true") throw new Error(`${why}: required in CI`);
    skipReason = why;
    return;
  }
  ovs = await ScratchOvs.start();
});

after(async () => {
  await ovs?.stop();
});

// ---------------------------------------------------------------------------------------------
// Randomness: fast-check's generator, sampled once per seed (deterministic).

interface Rand {
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

function rand(seed: number): Rand {
  const xs = fc.sample(fc.noBias(fc.nat()), { seed, numRuns: 50_000 });
  let i = 0;
  const next = (): number => xs[i++ % xs.length] as number;
  return {
    int: (n) => next() % n,
    pick: <T>(a: readonly T[]): T => a[next() % a.length] as T,
    chance: (p) => next() / 2 ** 31 < p,
  };
}

// ---------------------------------------------------------------------------------------------
// Packets

const MACS = [
  "fa:16:3e:00:00:01",
  "fa:16:3e:00:00:02",
  "fa:16:3e:a7:45:cb",
  "fa:16:3e:ac:ee:39",
  "52:54:00:12:34:56",
  "ff:ff:ff:ff:ff:ff",
  "01:00:5e:00:00:01",
  "33:33:00:00:00:01",
  "01:80:c2:00:00:00",
  "01:00:0c:cc:cc:cc",
  "00:00:00:00:00:00",
];
const IPS = ["10.0.0.1", "10.0.0.2", "10.0.1.7", "192.168.21.18", "192.168.100.200", "172.16.0.1", "0.0.0.0"];
const IP6S = ["fe80::f816:3eff:fea7:45cb", "2001:db8::1", "fe80::1", "::"];

function randomPacket(r: Rand, inPorts: readonly number[]): Packet {
  const p = makePacket({
    in_port: r.chance(0.03) ? 77 : r.pick(inPorts),
    dl_src: r.pick(MACS),
    dl_dst: r.pick(MACS),
    vlans: r.chance(0.5)
      ? []
      : [{ vid: r.pick([0, 1, 2, 3, 4, 5, 100, 101, 102, 4095]), pcp: r.chance(0.8) ? 0 : r.int(8) }],
  });
  const ttl = r.pick([0, 1, 2, 64]);
  switch (r.pick(["tcp", "udp", "icmp", "ip", "arp", "tcp6", "icmp6", "nd", "other"])) {
    case "tcp":
    case "udp":
      Object.assign(p, {
        dl_type: 0x0800,
        nw_src: r.pick(IPS),
        nw_dst: r.pick(IPS),
        nw_proto: r.chance(0.5) ? 6 : 17,
        nw_tos: r.pick([0, 0, 0x10, 0xb8]),
        nw_ttl: ttl,
        tp_src: r.pick([68, 1024, 33000]),
        tp_dst: r.pick([22, 53, 67, 80, 443, 1025, 1100]),
      });
      break;
    case "icmp":
      Object.assign(p, {
        dl_type: 0x0800,
        nw_src: r.pick(IPS),
        nw_dst: r.pick(IPS),
        nw_proto: 1,
        nw_ttl: ttl,
        icmp_type: r.pick([0, 8, 3]),
        icmp_code: r.int(2),
      });
      break;
    case "ip":
      Object.assign(p, {
        dl_type: 0x0800,
        nw_src: r.pick(IPS),
        nw_dst: r.pick(IPS),
        nw_proto: r.pick([0, 47, 89]),
        nw_ttl: ttl,
      });
      break;
    case "arp":
      Object.assign(p, {
        dl_type: 0x0806,
        arp_op: r.pick([1, 2]),
        arp_spa: r.pick(IPS),
        arp_tpa: r.pick(IPS),
        arp_sha: r.pick(MACS),
        arp_tha: r.pick(MACS),
      });
      break;
    case "tcp6":
      Object.assign(p, {
        dl_type: 0x86dd,
        ipv6_src: r.pick(IP6S),
        ipv6_dst: r.pick(IP6S),
        nw_proto: 6,
        nw_ttl: ttl,
        tp_src: r.pick([546, 1024]),
        tp_dst: r.pick([22, 547]),
      });
      break;
    case "icmp6":
      Object.assign(p, {
        dl_type: 0x86dd,
        ipv6_src: r.pick(IP6S),
        ipv6_dst: r.pick(IP6S),
        nw_proto: 58,
        nw_ttl: 255,
        icmp_type: r.pick([128, 130, 133, 134]),
        icmp_code: 0,
      });
      break;
    case "nd":
      Object.assign(p, {
        dl_type: 0x86dd,
        ipv6_src: r.pick(IP6S),
        ipv6_dst: r.pick(IP6S),
        nw_proto: 58,
        nw_ttl: 255,
        icmp_type: r.pick([135, 136]),
        icmp_code: 0,
        nd_target: r.pick(IP6S),
      });
      break;
    default:
      p.dl_type = r.pick([0x88cc, 0x0000, 0x8847]);
  }
  if (r.chance(0.15)) p.regs = Array.from({ length: 16 }, () => (r.chance(0.3) ? r.int(12) : 0));
  if (r.chance(0.05)) p.metadata = BigInt(r.int(16));
  if (r.chance(0.05)) p.tun_id = BigInt(r.pick([0x4a, 0xef, 0x3e9]));
  // Through OVS flow syntax, so the simulator gets exactly what ofproto/trace parses.
  return parsePacket(formatPacket(p)).packet;
}

/** A packet that meets `flow`'s match (the rest from a random packet). */
function packetFor(
  r: Rand,
  flow: Flow,
  ports: ReadonlyMap<string, number>,
  inPorts: readonly number[],
): Packet | undefined {
  const m = compileMatch(flow.match, ports);
  if (m.never !== undefined) return undefined;
  const w = packetToWords(randomPacket(r, inPorts));
  m.words.forEach((wi, i) => {
    w[wi] = ((w[wi] as number) & ~(m.masks[i] as number)) | (m.values[i] as number);
  });
  w[W_CONJ_ID] = 0; // not part of a packet; OVS ignores it in a trace
  return parsePacket(formatPacket(wordsToPacket(w))).packet;
}

// ---------------------------------------------------------------------------------------------
// Comparison

const hex = (_k: string, v: unknown): unknown => (typeof v === "bigint" ? "0x" + v.toString(16) : v);

/** What an output carries that the datapath actions can show. */
const WIRE = [
  "vlans",
  "dl_src",
  "dl_dst",
  "nw_src",
  "nw_dst",
  "ipv6_src",
  "ipv6_dst",
  "nw_tos",
  "nw_ecn",
  "nw_ttl",
  "tp_src",
  "tp_dst",
  "icmp_type",
  "icmp_code",
] as const;

function wire(port: number, p: Packet): string {
  return JSON.stringify([port, ...WIRE.map((k) => p[k])]);
}

/** The whole flow as ofproto/trace prints it (conj_id is never printed). */
function flowState(p: Packet): string {
  const { conj_id: _, ...rest } = p;
  return JSON.stringify(rest, hex);
}

function describe(sim: TraceResult): string {
  const lines = sim.steps.map((s) => {
    const head = `${"  ".repeat(s.depth)}[pass ${s.pass}] table ${s.table}: `;
    if (s.flow === undefined) return head + "miss";
    const acts = s.actions.map((a) => a.text + (a.effect === undefined ? "" : ` {${a.effect}}`)).join(", ");
    return `${head}line ${s.flow.line} priority ${s.flow.priority}${s.tiedWith ? " (tied)" : ""}: ${acts}`;
  });
  lines.push(
    `outputs: ${sim.outputs.map((o) => `${o.port}(${o.name}) ${JSON.stringify(o.packet.vlans)}`).join(", ") || "none"}`,
  );
  if (sim.dropReason !== undefined) lines.push(`drop: ${sim.dropReason}`);
  if (sim.error !== undefined) lines.push(`error: ${sim.error}`);
  return lines.join("\n");
}

function differences(sim: TraceResult, text: string, dp: ReadonlyMap<number, number>): string[] {
  const { value: sections, issues } = parseOfprotoTrace(text);
  const diffs = issues.filter((i) => i.severity === "error").map((i) => `trace parse: ${i.message}`);
  if (sections.length !== sim.passes.length)
    diffs.push(`passes: simulator ${sim.passes.length}, OVS ${sections.length}`);
  let ovsOutputs = 0;
  sections.forEach((sec, i) => {
    const pass = sim.passes[i];
    const start = parsePacket(sec.flow).packet;
    const real = datapathOutputs(start, sec.actions);
    ovsOutputs += real.length;
    if (pass === undefined) return;
    const simSteps = sim.steps
      .filter((s) => s.pass === i)
      .map((s) => `${s.table}:${s.flow === undefined ? "miss" : s.flow.priority}`)
      .join(" ");
    const ovsSteps = sec.steps.map((s) => `${s.table}:${s.priority ?? "miss"}`).join(" ");
    if (simSteps !== ovsSteps) diffs.push(`pass ${i} tables: simulator [${simSteps}] OVS [${ovsSteps}]`);
    const mine = sim.outputs
      .filter((o) => o.pass === i)
      .map((o) => wire(o.port, o.packet))
      .sort();
    const theirs = real
      .map((o) => wire(o.port === "controller" ? OFPP.CONTROLLER : (dp.get(o.port) ?? -o.port), o.packet))
      .sort();
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
      diffs.push(
        `pass ${i} outputs:\n    simulator ${mine.join("\n              ")}\n    OVS       ${theirs.join("\n              ")}`,
      );
    }
    if (sec.finalFlow !== undefined) {
      const a = flowState(pass.final);
      const b = flowState(parsePacket(sec.finalFlow).packet);
      if (a !== b) diffs.push(`pass ${i} final flow:\n    simulator ${a}\n    OVS       ${b}`);
    }
  });
  if (sim.dropped !== (ovsOutputs === 0))
    diffs.push(`dropped: simulator ${sim.dropped}, OVS ${ovsOutputs === 0}`);
  return diffs;
}

interface Case {
  name: string;
  protocol: "OpenFlow10" | "OpenFlow13";
  flows: Flow[];
  ports: ScratchPort[];
  fdb?: FdbRecord[];
  seed: number;
  /** Generated flows may be refused by OVS (they are then left out); fixture flows may not. */
  generated?: boolean;
  /** Random packets on top of one targeted packet per flow. */
  extra: number;
  /** Hand-picked packets (OVS flow syntax) for paths random ones rarely take. */
  probes?: string[];
}

/**
 * Loads the case's flows; generated flows OVS refuses (its consistency checks are stricter than the
 * generator) are left out of the comparison, fixture flows must all load.
 */
async function load(ovs: ScratchOvs, c: Case): Promise<Flow[]> {
  try {
    await ovs.loadFlows(BRIDGE, c.flows, c.protocol);
    return c.flows;
  } catch (err) {
    if (!c.generated) throw err;
  }
  const accepted: Flow[] = [];
  for (const f of c.flows) {
    try {
      await ovs.ofctl(BRIDGE, "add-flow", [flowForAdd(f)], { protocol: c.protocol });
      accepted.push(f);
    } catch {
      // refused by ovs-ofctl: not part of this table
    }
  }
  return accepted;
}

async function agree(t: TestContext, c: Case): Promise<void> {
  if (skipReason !== undefined || ovs === undefined) {
    t.skip(skipReason ?? "no Open vSwitch");
    return;
  }
  await ovs.deleteBridge(BRIDGE);
  await ovs.addBridge(BRIDGE, c.ports);
  const flows = await load(ovs, c);
  for (const e of c.fdb ?? []) await ovs.call("fdb/add", BRIDGE, String(e.port), String(e.vlan), e.mac);
  const dp = await ovs.dpPorts(BRIDGE);
  const bridge = compileBridge({ name: BRIDGE, flows, ports: c.ports, fdb: c.fdb });
  const r = rand(c.seed);
  const inPorts = [...bridge.ports.keys()];
  const packets: Packet[] = (c.probes ?? []).map((text) => parsePacket(text, bridge.portNumbers).packet);
  for (const f of flows) {
    const p = packetFor(r, f, bridge.portNumbers, inPorts);
    if (p !== undefined) packets.push(p);
  }
  for (let i = 0; i < c.extra; i++) packets.push(randomPacket(r, inPorts));
  const failures: string[] = [];
  const hit = new Set<number>();
  const tables = new Set<number>();
  const seen = { conjunctive: 0, recirculations: 0, normal: 0, errors: 0, normalised: 0 };
  let ambiguous = 0;
  let n = 0;
  // A packet that goes through conntrack is compared once as an established and once as a new connection.
  const runs: [Packet, CtAssumption][] = packets.map((p) => [p, EST]);
  for (const [packet, ct] of runs) {
    const sim = simulate(bridge, packet, { ctState: ct.state });
    if (sim.passes.length > 1 && ct === EST) runs.push([packet, NEW]);
    if (sim.steps.some((s) => s.tiedWith !== undefined)) {
      ambiguous++;
      continue;
    }
    const flow = formatPacket(packet);
    const text = await ovs.trace(BRIDGE, flow, ct.next);
    const diffs = differences(sim, text, dp);
    n++;
    for (const s of sim.steps) {
      tables.add(s.table);
      if (s.flow !== undefined) hit.add(s.flow.line);
      if (s.conjunction !== undefined) seen.conjunctive++;
    }
    seen.recirculations += sim.passes.length - 1;
    if (sim.outputs.some((o) => o.via === "normal")) seen.normal++;
    if (sim.error !== undefined) seen.errors++;
    if (sim.warnings.some((w) => w.includes("prerequisites"))) seen.normalised++;
    if (diffs.length > 0) {
      failures.push(
        `${c.name}: ${flow} (ct_state ${ct.state} after ct())\n  ${diffs.join("\n  ")}\n--- simulator\n${describe(sim)}\n--- ofproto/trace\n${text}`,
      );
    }
  }
  compared += n;
  t.diagnostic(
    `${n} packets compared, ${ambiguous} skipped (tied priorities); ${hit.size}/${flows.length} flows hit` +
      (flows.length < c.flows.length
        ? ` (${c.flows.length - flows.length} generated flows refused by ovs-ofctl)`
        : "") +
      `; tables ${[...tables].sort((a, b) => a - b).join(",")}; ${JSON.stringify(seen)}`,
  );
  assert.equal(
    failures.length,
    0,
    `${failures.length} disagreements, first ones:\n\n${failures.slice(0, 3).join("\n\n")}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Fixture bridges

function flowsOf(path: string): Flow[] {
  const { value, issues } = parseFlowDump(realFixture(path));
  assert.deepEqual(issues, [], path);
  return value.flows;
}

/** Ports of one bridge from a real `ovsdb-client -f list dump` (ofport, tag, trunks, vlan_mode). */
function ovsdbPorts(path: string, bridge: string): ScratchPort[] {
  const { value } = parseOvsdbClientListDump(realFixture(path));
  const rows = (name: string) => value.find((t) => t.name === name)?.rows ?? [];
  const byUuid = (name: string) => new Map(rows(name).map((r) => [r._uuid, r]));
  const ports = byUuid("Port");
  const ifaces = byUuid("Interface");
  const br = rows("Bridge").find((b) => colString(b, "name") === bridge);
  assert.ok(br, `bridge ${bridge} in ${path}`);
  const out: ScratchPort[] = [];
  for (const ref of colSet(br, "ports")) {
    const port = ports.get(atomText(ref));
    const iface = port === undefined ? undefined : ifaces.get(atomText(colSet(port, "interfaces")[0] ?? ""));
    const name = port === undefined ? undefined : colString(port, "name");
    const ofport = iface === undefined ? undefined : colNumber(iface, "ofport");
    if (port === undefined || name === undefined || ofport === undefined || ofport === OFPP.LOCAL) continue;
    const p: ScratchPort = { name, ofport };
    const tag = colNumber(port, "tag");
    if (tag !== undefined) p.tag = tag;
    const trunks = colSet(port, "trunks").map((a) => Number(atomText(a)));
    if (trunks.length > 0) p.trunks = trunks;
    const mode = colString(port, "vlan_mode");
    if (mode !== undefined) p.vlanMode = mode;
    out.push(p);
  }
  return out;
}

/** Ports of one bridge from `ovs-vsctl show` (which has no port numbers: `ofports` gives them). */
function showPorts(path: string, bridge: string, ofports: Record<string, number>): ScratchPort[] {
  const br = parseOvsVsctlShow(realFixture(path)).value.bridges.find((b) => b.name === bridge);
  assert.ok(br, `bridge ${bridge} in ${path}`);
  return br.ports.flatMap((p): ScratchPort[] => {
    const ofport = ofports[p.name];
    if (ofport === undefined) return [];
    return [{ name: p.name, ofport, ...(p.tag === undefined ? {} : { tag: p.tag }) }];
  });
}

const HOTSOS = "hotsos-ussuri-dvr";
const HOTSOS_DB = `${HOTSOS}/ovsdb-client-f-list-dump.txt`;
const STUDY = "9506hqwy-study-notes-2024";

/** hotsos br-int: the VM port tap0e778df8-ca (9, local VLAN 3) behind the openvswitch firewall. */
const HOTSOS_FIREWALL = [
  // Egress from the VM.
  "ip,in_port=9,dl_src=fa:16:3e:a7:45:cb,dl_dst=fa:16:3e:76:19:dd,nw_src=192.168.21.18,nw_dst=192.168.21.1",
  "arp,in_port=9,dl_src=fa:16:3e:a7:45:cb,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=192.168.21.18,arp_tpa=192.168.21.1",
  "udp,in_port=9,dl_src=fa:16:3e:a7:45:cb,dl_dst=ff:ff:ff:ff:ff:ff,nw_src=0.0.0.0,nw_dst=255.255.255.255,tp_src=68,tp_dst=67",
  "ipv6,in_port=9,dl_src=fa:16:3e:a7:45:cb,ipv6_src=fe80::f816:3eff:fea7:45cb",
  // Ingress from patch-tun on local VLAN 3: conntrack, then the remote-group conjunctions of table 82.
  "ip,in_port=2,dl_vlan=3,dl_src=fa:16:3e:87:45:fc,dl_dst=fa:16:3e:a7:45:cb,nw_src=192.168.21.4,nw_dst=192.168.21.18",
  "ip,in_port=2,dl_vlan=3,dl_src=fa:16:3e:87:45:fc,dl_dst=fa:16:3e:a7:45:cb,nw_src=192.168.21.18,nw_dst=192.168.21.18",
  "ip,in_port=2,dl_vlan=3,dl_dst=fa:16:3e:a7:45:cb,nw_src=10.9.9.9",
  "tcp,in_port=2,dl_vlan=3,dl_dst=fa:16:3e:a7:45:cb,nw_src=10.9.9.9,tp_dst=22",
  "tcp,in_port=2,dl_vlan=3,dl_dst=fa:16:3e:a7:45:cb,nw_src=10.9.9.9,tp_dst=8080",
  "icmp,in_port=2,dl_vlan=3,dl_dst=fa:16:3e:a7:45:cb,nw_src=10.9.9.9,icmp_type=8",
  "ipv6,in_port=2,dl_vlan=3,dl_dst=fa:16:3e:a7:45:cb,ipv6_src=2001:db8::1",
  "arp,in_port=2,dl_vlan=3,dl_dst=fa:16:3e:a7:45:cb,arp_op=2",
  // DVR: router MAC rewriting from patch-tun and int-br-data.
  "ip,in_port=2,dl_vlan=3,dl_src=fa:16:3f:0a:04:80,dl_dst=fa:16:3e:87:45:fc",
  "ip,in_port=1,dl_src=fa:16:3f:a4:e2:e2,dl_dst=fa:16:3f:9a:5d:e2",
  "ip,in_port=2,dl_vlan=3,dl_dst=fa:16:3f:9a:5d:e2",
];

const fixtureCases: Case[] = [
  {
    name: "hotsos br-int (OpenFlow 1.0 dump: DVR, openvswitch firewall, conjunctions)",
    protocol: "OpenFlow10",
    flows: flowsOf(`${HOTSOS}/ovs-ofctl-dump-flows-br-int.txt`),
    ports: ovsdbPorts(HOTSOS_DB, "br-int"),
    seed: 1,
    extra: 60,
    probes: HOTSOS_FIREWALL,
  },
  {
    name: "hotsos br-int (OpenFlow 1.3 dump: goto_table, push_vlan, set_field)",
    protocol: "OpenFlow13",
    flows: flowsOf(`${HOTSOS}/ovs-ofctl-O-OpenFlow13-dump-flows-br-int.txt`),
    ports: ovsdbPorts(HOTSOS_DB, "br-int"),
    seed: 2,
    extra: 40,
    probes: HOTSOS_FIREWALL,
  },
  {
    name: "hotsos br-tun (OpenFlow 1.0: learn, tun_id, flooding to tunnels)",
    protocol: "OpenFlow10",
    flows: flowsOf(`${HOTSOS}/ovs-ofctl-dump-flows-br-tun.txt`),
    ports: ovsdbPorts(HOTSOS_DB, "br-tun"),
    seed: 3,
    extra: 30,
  },
  {
    name: "hotsos br-tun (OpenFlow 1.3)",
    protocol: "OpenFlow13",
    flows: flowsOf(`${HOTSOS}/ovs-ofctl-O-OpenFlow13-dump-flows-br-tun.txt`),
    ports: ovsdbPorts(HOTSOS_DB, "br-tun"),
    seed: 4,
    extra: 30,
  },
  {
    name: "hotsos br-data (provider bridge, OpenFlow 1.0 and 1.3)",
    protocol: "OpenFlow13",
    flows: flowsOf(`${HOTSOS}/ovs-ofctl-O-OpenFlow13-dump-flows-br-data.txt`),
    ports: ovsdbPorts(HOTSOS_DB, "br-data"),
    seed: 5,
    extra: 30,
  },
  {
    name: "2024.1 compute br-int (port names in flows, VLAN 100 + flat, openvswitch firewall)",
    protocol: "OpenFlow10",
    flows: flowsOf(`${STUDY}/compute-ovs-ofctl-dump-flows-br-int-ovsfw-vlan100.txt`),
    // tap0ab9a23c-99 is reg5=0x5 in the flows; port 3 (the stale tap) is gone, as in the sample.
    ports: showPorts(`${STUDY}/compute-ovs-vsctl-show-stale-tap-error.txt`, "br-int", {
      "int-br-provider": 1,
      "int-br-mgmt": 2,
      "tap0ab9a23c-99": 5,
    }),
    seed: 6,
    extra: 60,
    probes: [
      // From the VM (tap0ab9a23c-99): egress firewall, conntrack, NORMAL.
      "ip,in_port=5,dl_src=fa:16:3e:ac:ee:39,dl_dst=fa:16:3e:55:2a:5d,nw_src=192.168.100.200,nw_dst=192.168.100.1",
      "arp,in_port=5,dl_src=fa:16:3e:ac:ee:39,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=192.168.100.200,arp_tpa=192.168.100.1",
      "udp,in_port=5,dl_src=fa:16:3e:ac:ee:39,dl_dst=ff:ff:ff:ff:ff:ff,nw_src=0.0.0.0,nw_dst=255.255.255.255,tp_src=68,tp_dst=67",
      // From the provider network (VLAN 100 → local 2): ingress firewall, SSH allowed, HTTP not.
      "tcp,in_port=1,dl_vlan=100,dl_src=fa:16:3e:55:2a:5d,dl_dst=fa:16:3e:ac:ee:39,nw_src=192.168.100.1,nw_dst=192.168.100.200,tp_dst=22",
      "tcp,in_port=1,dl_vlan=100,dl_src=fa:16:3e:55:2a:5d,dl_dst=fa:16:3e:ac:ee:39,nw_src=192.168.100.1,nw_dst=192.168.100.200,tp_dst=80",
      "icmp,in_port=1,dl_vlan=100,dl_src=fa:16:3e:55:2a:5d,dl_dst=fa:16:3e:ac:ee:39,nw_src=192.168.100.1,nw_dst=192.168.100.200,icmp_type=8",
      "arp,in_port=1,dl_vlan=100,dl_dst=fa:16:3e:ac:ee:39,arp_op=2",
      // Flat network (untagged from the provider bridge → local 1), and the dead VLAN.
      "ip,in_port=1,dl_dst=fa:16:3e:55:2a:5d",
      "ip,in_port=1,dl_vlan=4095",
    ],
  },
  {
    name: "2024.1 compute br-provider (VLAN 100 and flat translation)",
    protocol: "OpenFlow10",
    flows: flowsOf(`${STUDY}/compute-ovs-ofctl-dump-flows-br-provider-vlan100.txt`),
    ports: showPorts(`${STUDY}/compute-ovs-vsctl-show-stale-tap-error.txt`, "br-provider", {
      "phy-br-provider": 1,
      eth2: 2,
    }),
    seed: 7,
    extra: 40,
  },
  {
    name: "2024.1 network node br-int with router ports",
    protocol: "OpenFlow10",
    flows: flowsOf(`${STUDY}/controller-ovs-ofctl-dump-flows-br-int-router.txt`),
    ports: showPorts(`${STUDY}/controller-ovs-vsctl-show-with-router-vxlan.txt`, "br-int", {
      "int-br-provider": 1,
      "int-br-mgmt": 2,
      "tap183c56bb-b2": 3,
      "tap52b1b85b-8e": 4,
      "patch-tun": 6,
      "tap2dac2cf0-61": 9,
      "qr-13e6e8ff-d7": 10,
      "qg-ca92be94-79": 11,
    }),
    seed: 8,
    extra: 40,
  },
  {
    name: "2024.1 network node br-tun",
    protocol: "OpenFlow10",
    flows: flowsOf(`${STUDY}/controller-ovs-ofctl-dump-flows-br-tun.txt`),
    ports: showPorts(`${STUDY}/controller-ovs-vsctl-show-with-router-vxlan.txt`, "br-tun", {
      "patch-int": 1,
      "vxlan-ac10001f": 2,
    }),
    seed: 9,
    extra: 20,
  },
];

for (const c of fixtureCases) test(`agreement with ofproto/trace: ${c.name}`, (t) => agree(t, c));

// ---------------------------------------------------------------------------------------------
// Generated bridges

function parsed(lines: readonly string[]): Flow[] {
  const { value, issues } = parseFlowDump(lines.join("\n"));
  assert.deepEqual(issues, []);
  return value.flows;
}

/** br-int as the OVS agent builds it, with every kind of port VLAN configuration NORMAL knows. */
function neutronIntegration(): Case {
  const ports: ScratchPort[] = [
    { name: "int-br-eth1", ofport: 1 },
    { name: "patch-tun", ofport: 2 },
    { name: "tap-a", ofport: 3, tag: 1 },
    { name: "tap-b", ofport: 4, tag: 2 },
    { name: "tap-c", ofport: 5, tag: 3 },
    { name: "trunk-12", ofport: 6, trunks: [1, 2] },
    { name: "native-u", ofport: 7, tag: 3, trunks: [1, 3], vlanMode: "native-untagged" },
    { name: "native-t", ofport: 8, tag: 2, vlanMode: "native-tagged" },
    { name: "dead", ofport: 9, tag: 4095 },
    { name: "access-0", ofport: 10, vlanMode: "access" },
  ];
  const flows = parsed([
    "table=0,priority=65535,dl_vlan=4095 actions=drop",
    "table=0,priority=3,in_port=1,dl_vlan=101 actions=mod_vlan_vid:1,resubmit(,58)",
    "table=0,priority=3,in_port=1,dl_vlan=102 actions=mod_vlan_vid:2,resubmit(,58)",
    "table=0,priority=3,in_port=1,vlan_tci=0x0000/0x1fff actions=mod_vlan_vid:3,resubmit(,58)",
    "table=0,priority=2,in_port=1 actions=drop",
    "table=0,priority=2,in_port=9 actions=drop",
    "table=0,priority=10,arp,in_port=3 actions=resubmit(,24)",
    "table=0,priority=0 actions=resubmit(,58)",
    "table=23,priority=0 actions=drop",
    "table=24,priority=2,arp,arp_spa=10.0.0.1,in_port=3 actions=resubmit(,58)",
    "table=24,priority=0 actions=drop",
    "table=58,priority=0 actions=resubmit(,60)",
    "table=60,priority=20,dl_vlan=1,dl_dst=fa:16:3e:00:00:01 actions=strip_vlan,output:3",
    "table=60,priority=20,dl_vlan=3,dl_dst=fa:16:3e:a7:45:cb actions=strip_vlan,output:5",
    "table=60,priority=3 actions=NORMAL",
  ]);
  const fdb: FdbRecord[] = [
    { port: "tap-b", vlan: 2, mac: "fa:16:3e:00:00:02" },
    { port: "int-br-eth1", vlan: 1, mac: "52:54:00:12:34:56" },
    { port: "native-u", vlan: 3, mac: "fa:16:3e:ac:ee:39" },
    { port: "tap-a", vlan: 1, mac: "fa:16:3e:ac:ee:39" },
  ];
  return {
    name: "Neutron-shaped br-int (access/trunk/native ports, MAC table)",
    protocol: "OpenFlow10",
    flows,
    ports,
    fdb,
    seed: 11,
    extra: 200,
  };
}

function neutronPhysical(): Case {
  const flows = parsed([
    "table=0,priority=4,in_port=1,dl_vlan=1 actions=mod_vlan_vid:101,NORMAL",
    "table=0,priority=4,in_port=1,dl_vlan=2 actions=mod_vlan_vid:102,NORMAL",
    "table=0,priority=4,in_port=1,dl_vlan=3 actions=strip_vlan,NORMAL",
    "table=0,priority=2,in_port=1 actions=drop",
    "table=0,priority=0 actions=NORMAL",
  ]);
  const ports: ScratchPort[] = [
    { name: "phy-br-eth1", ofport: 1 },
    { name: "eth1", ofport: 2 },
    { name: "eth1-102", ofport: 3, trunks: [102] },
  ];
  return {
    name: "Neutron-shaped br-eth1 (provider bridge)",
    protocol: "OpenFlow10",
    flows,
    ports,
    seed: 12,
    extra: 100,
  };
}

const RAND_MACS = ["fa:16:3e:00:00:01", "fa:16:3e:00:00:02", "fa:16:3e:a7:45:cb", "52:54:00:12:34:56"];

function randomPorts(r: Rand): ScratchPort[] {
  const ports: ScratchPort[] = [];
  for (let i = 1; i <= 6; i++) {
    const p: ScratchPort = { name: `p${i}`, ofport: i };
    switch (r.int(5)) {
      case 0:
        p.tag = 1 + r.int(4);
        break;
      case 1:
        p.trunks = [1 + r.int(3), 4 + r.int(3)];
        break;
      case 2:
        p.tag = 1 + r.int(4);
        p.vlanMode = r.pick(["native-tagged", "native-untagged"]);
        if (r.chance(0.5)) p.trunks = [1 + r.int(5)];
        break;
      default:
        break; // trunk of all VLANs
    }
    ports.push(p);
  }
  return ports;
}

/** A random match: masks of every kind, protocols, registers; `proto` says which L3/L4 it pinned. */
function randomMatch(r: Rand, of13: boolean, table: number): { text: string; proto: string } {
  const m: string[] = [];
  // Mostly selective in table 0, so that packets get past it to the later tables.
  if (r.chance(table === 0 ? 0.85 : 0.4)) m.push(`in_port=${r.chance(0.1) ? "LOCAL" : 1 + r.int(6)}`);
  switch (r.int(7)) {
    case 0:
      m.push(`dl_vlan=${1 + r.int(5)}`);
      break;
    case 1:
      m.push(
        r.pick([
          "vlan_tci=0x0000/0x1fff",
          "vlan_tci=0x1000/0x1000",
          "vlan_tci=0x0000/0x1000",
          "vlan_tci=0x1003/0x1fff",
        ]),
      );
      break;
    case 2:
      m.push(`dl_vlan_pcp=${r.int(3)}`);
      break;
    case 3:
      if (of13) m.push(r.pick(["vlan_vid=0x1002", "vlan_vid=0x1000/0x1000", "vlan_vid=0"]));
      break;
    default:
      break;
  }
  if (r.chance(0.3))
    m.push(
      `dl_dst=${r.pick([...RAND_MACS, "01:00:00:00:00:00/01:00:00:00:00:00", "00:00:00:00:00:00/01:00:00:00:00:00"])}`,
    );
  if (r.chance(0.25)) m.push(`dl_src=${r.pick([...RAND_MACS, "fa:16:3e:00:00:00/ff:ff:ff:00:00:00"])}`);
  const proto = r.pick(["", "", "ip", "tcp", "udp", "icmp", "arp", "ipv6", "tcp6", "icmp6", "bad"]);
  switch (proto) {
    case "ip":
    case "tcp":
    case "udp":
    case "icmp":
      m.push(proto);
      if (r.chance(0.5))
        m.push(`nw_src=${r.pick(["10.0.0.0/24", "10.0.0.1", "192.168.0.0/16", "10.0.0.0/255.255.254.0"])}`);
      if (r.chance(0.3)) m.push(`nw_dst=${r.pick(["10.0.0.2", "10.0.1.0/24"])}`);
      if (r.chance(0.15)) m.push(`nw_tos=${r.pick([0, 16])}`);
      if (proto === "tcp" || proto === "udp") {
        if (r.chance(0.6)) m.push(`tp_dst=${r.pick(["80", "0x0400/0xfc00", "22", "53"])}`);
        if (r.chance(0.2)) m.push(`tp_src=${r.pick(["68", "1024/0xff00"])}`);
      }
      if (proto === "icmp" && r.chance(0.5)) m.push(`icmp_type=${r.pick([0, 8])}`);
      break;
    case "arp":
      m.push("arp");
      if (r.chance(0.5)) m.push(`arp_op=${1 + r.int(2)}`);
      if (r.chance(0.4)) m.push(`arp_spa=${r.pick(["10.0.0.1", "10.0.0.0/24"])}`);
      if (r.chance(0.2)) m.push("nw_dst=10.0.0.2"); // on an ARP flow this is arp_tpa
      break;
    case "ipv6":
    case "tcp6":
    case "icmp6":
      m.push(proto);
      if (r.chance(0.4)) m.push(`ipv6_src=${r.pick(["fe80::/64", "2001:db8::1"])}`);
      if (proto === "tcp6" && r.chance(0.5)) m.push("tp_dst=22");
      if (proto === "icmp6" && r.chance(0.5)) m.push(`icmp_type=${r.pick([133, 135, 136])}`);
      break;
    case "bad":
      // Fields without their prerequisites: ovs-ofctl drops them from the match.
      m.push(r.pick(["tp_dst=80", "nw_src=10.0.0.1", "ip,tp_dst=80", "arp_op=1"]));
      break;
    default:
      break;
  }
  if (r.chance(0.3)) m.push(`reg${r.int(3)}=${r.pick(["0x1", "0x2", "0x0", "0x1/0x1", "0x4/0xc"])}`);
  if (of13 && r.chance(0.15)) m.push(`metadata=${r.pick(["0x1", "0x2/0x2"])}`);
  return { text: m.join(","), proto };
}

/** Random actions for a flow in `table`, consistent with its match (OVS refuses inconsistent ones). */
function randomActions(
  r: Rand,
  table: number,
  tables: readonly number[],
  proto: string,
  of13: boolean,
): string {
  const a: string[] = [];
  const ip = ["ip", "tcp", "udp", "icmp"].includes(proto);
  const l4 = proto === "tcp" || proto === "udp";
  const ipAny = ip || ["ipv6", "tcp6", "icmp6"].includes(proto);
  const later = tables.filter((t) => t > table);
  const n = r.int(5);
  for (let i = 0; i < n; i++) {
    switch (r.int(of13 ? 17 : 16)) {
      case 0:
        a.push(`output:${r.chance(0.1) ? 9 : 1 + r.int(6)}`);
        break;
      case 1:
        a.push(r.pick(["NORMAL", "NORMAL", "FLOOD", "ALL", "IN_PORT", "LOCAL"]));
        break;
      case 2:
        a.push(
          of13
            ? `push_vlan:0x8100,set_field:${4096 + 1 + r.int(5)}->vlan_vid`
            : `mod_vlan_vid:${1 + r.int(5)}`,
        );
        break;
      case 3:
        a.push(of13 ? "pop_vlan" : "strip_vlan");
        break;
      case 4:
        a.push(of13 ? `set_field:${r.int(8)}->reg${r.int(3)}` : `mod_vlan_pcp:${r.int(8)}`);
        break;
      case 5: {
        const [bits, width] = r.pick([
          ["", 32],
          ["0..3", 4],
          ["4..7", 4],
          ["1", 1],
        ] as const);
        a.push(`load:0x${((1 + r.int(7)) % 2 ** width).toString(16)}->NXM_NX_REG${r.int(4)}[${bits}]`);
        break;
      }
      case 6:
        a.push(
          r.pick([
            "move:NXM_NX_REG0[0..7]->NXM_NX_REG1[8..15]",
            "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]",
            "move:NXM_NX_REG2[]->NXM_NX_REG0[]",
          ]),
        );
        break;
      case 7:
        a.push(`mod_dl_${r.pick(["src", "dst"])}:${r.pick(RAND_MACS)}`);
        break;
      case 8:
        if (ip) a.push(r.pick(["mod_nw_src:10.9.9.9", "mod_nw_dst:10.0.0.2", "mod_nw_tos:16", "dec_ttl"]));
        else if (l4) a.push("mod_tp_dst:8080");
        break;
      case 9:
        if (l4) a.push(r.pick(["mod_tp_dst:8080", "mod_tp_src:99"]));
        break;
      case 10:
      case 11:
        if (of13) {
          if (later.length > 0 && i === n - 1) a.push(`goto_table:${r.pick(later)}`);
          else a.push(`resubmit(,${r.pick(tables)})`);
        } else
          a.push(
            r.pick([
              `resubmit(,${r.pick(tables)})`,
              `resubmit(${1 + r.int(6)},${r.pick(tables)})`,
              `resubmit:${1 + r.int(6)}`,
            ]),
          );
        break;
      case 12:
        a.push(r.pick(["load:0->NXM_OF_IN_PORT[],output:2", "output:NXM_NX_REG0[0..15]", "drop"]));
        break;
      case 13:
        if (ipAny && later.length > 0)
          a.push(`ct(table=${r.pick(later)},zone=${r.pick(["5", "NXM_NX_REG0[0..15]"])})`);
        else if (ipAny) a.push(r.pick(["ct(commit,zone=3)", "ct_clear"]));
        break;
      case 14:
        a.push(r.pick(["note:01020304", "controller", "exit"]));
        break;
      case 15:
        a.push("learn(table=10,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])");
        break;
      case 16:
        a.push(r.pick(["set_field:0x5->metadata", "set_field:0x1/0x1->metadata"]));
        break;
    }
  }
  // goto_table must end the list in OpenFlow 1.1+ (it is an instruction); drop must stand alone.
  const goto = a.findIndex((x) => x.startsWith("goto_table"));
  if (goto >= 0 && goto !== a.length - 1) a.splice(goto, 1);
  const kept = a.filter((x) => x !== "drop");
  return kept.length === 0 ? "drop" : kept.join(",");
}

/** Flows matching ct_state after a ct(table=…) and a conjunction (two 2-clause groups). */
function randomConjunctions(r: Rand, table: number): string[] {
  const pri = 500 + r.int(100);
  const id = 10 + r.int(90);
  return [
    `table=${table},priority=${pri},ip,nw_src=10.0.0.1 actions=conjunction(${id},1/2)`,
    `table=${table},priority=${pri},ip,nw_src=192.168.21.18 actions=conjunction(${id},1/2),conjunction(${id + 1},1/2)`,
    `table=${table},priority=${pri},tcp,tp_dst=22 actions=conjunction(${id},2/2)`,
    `table=${table},priority=${pri},tcp,tp_dst=80 actions=conjunction(${id + 1},2/2)`,
    `table=${table},priority=${pri},conj_id=${id},ip actions=load:0x${id.toString(16)}->NXM_NX_REG7[],output:3`,
    `table=${table},priority=${pri},conj_id=${id + 1},ip actions=output:4`,
    `table=${table},priority=${pri - 1},ct_state=+trk+est,ip actions=output:5`,
    `table=${table},priority=${pri - 2},ct_state=-trk actions=output:6`,
  ];
}

function randomCase(seed: number, of13: boolean): Case {
  const r = rand(seed);
  const tables = of13 ? [0, 1, 3, 5, 8] : [0, 1, 2, 3, 4];
  const lines: string[] = [];
  for (const table of tables) {
    const priorities = new Set<number>();
    const n = 2 + r.int(7);
    while (priorities.size < n) priorities.add(1 + r.int(300));
    for (const pri of priorities) {
      const m = randomMatch(r, of13, table);
      const head = `table=${table},priority=${pri}${m.text === "" ? "" : "," + m.text}`;
      lines.push(`${head} actions=${randomActions(r, table, tables, m.proto, of13)}`);
    }
    // A catch-all that usually moves on, so later tables are reached.
    const next = tables.find((t) => t > table);
    const onward = next === undefined ? undefined : of13 ? `goto_table:${next}` : `resubmit(,${next})`;
    const catchAll =
      onward !== undefined && r.chance(0.7) ? onward : randomActions(r, table, tables, "", of13);
    lines.push(`table=${table},priority=0 actions=${catchAll}`);
    if (table !== 0 && r.chance(0.4)) lines.push(...randomConjunctions(r, table));
  }
  const ports = randomPorts(r);
  const fdb: FdbRecord[] | undefined = r.chance(0.5)
    ? RAND_MACS.slice(0, 3).map((mac, i) => ({ port: `p${1 + ((seed + i) % 6)}`, vlan: i, mac }))
    : undefined;
  return {
    name: `random ${of13 ? "OpenFlow 1.3" : "OpenFlow 1.0"} tables (seed ${seed})`,
    protocol: of13 ? "OpenFlow13" : "OpenFlow10",
    flows: parsed(lines),
    ports,
    ...(fdb === undefined ? {} : { fdb }),
    seed,
    generated: true,
    extra: 40,
  };
}

const generatedCases: Case[] = [
  neutronIntegration(),
  neutronPhysical(),
  ...[101, 102, 103, 104, 105, 106].map((s) => randomCase(s, false)),
  ...[201, 202, 203, 204, 205].map((s) => randomCase(s, true)),
];

for (const c of generatedCases) test(`agreement with ofproto/trace: ${c.name}`, (t) => agree(t, c));

test(`agreement covered at least ${MIN_PACKETS} packets`, (t) => {
  if (skipReason !== undefined) {
    t.skip(skipReason);
    return;
  }
  t.diagnostic(`${compared} packets compared in total`);
  assert.ok(compared >= MIN_PACKETS, `only ${compared} packets compared`);
});
