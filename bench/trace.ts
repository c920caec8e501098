/**
 * Trace speed: `simulate()` against Open vSwitch's own `ofproto/trace` on the same br-int — 20,000
 * Neutron-shaped flows (VLAN translation, the openvswitch firewall's per-port tables with ct() and
 * conjunctions, NORMAL), generated deterministically — and the same packets, in one run.
 * The peer is `ovs-appctl ofproto/trace` as an operator runs it (a process per trace); the same
 * command sent straight to ovs-vswitchd's control socket is printed too (that is ofproto/trace's
 * own cost, without process start-up). Target: simulator ≥ 10× ovs-appctl. Prints PASS/MISS; never
 * fails the run. Without Open vSwitch installed only the simulator is measured.
 *
 *   npx tsx bench/trace.ts
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import type { Flow } from "../src/openflow/flow.js";
import { formatPacket, makePacket, type Packet } from "../src/openflow/packet.js";
import { compileBridge, simulate } from "../src/openflow/pipeline.js";
import { parseFlowDump } from "../src/parse/ofctl-flows.js";
import { parseOfprotoTrace } from "../src/parse/ofproto-trace.js";
import { missingOvsBinaries, ScratchOvs, type ScratchPort } from "../test/helpers/scratch-ovs.js";

const FLOWS = 20_000;
const TARGET_RATIO = 10;
const BRIDGE = "br-int";
/** VM ports (ofports 3…) and local VLANs; ports 1 and 2 are int-br-eth1 and patch-tun. */
const VM_PORTS = 700;
const VLANS = 200;
const PACKETS = 1000;
const APPCTL_TRACES = 100;
const SOCKET_TRACES = 1000;
const COOKIE = "0x565d7680690eea02";

const vlanOf = (port: number): number => 1 + (port % VLANS);
const segOf = (vlan: number): number => 1000 + vlan;
const byte = (n: number): string => (n & 255).toString(16).padStart(2, "0");
const macOf = (port: number): string => `fa:16:3e:00:${byte(port >> 8)}:${byte(port)}`;
const ipOf = (port: number): string => `10.${vlanOf(port)}.${port >> 8}.${port & 255}`;
const hex = (n: number): string => "0x" + n.toString(16);

/** The flows of one VM port, as the agent's openvswitch firewall writes them (tables 60-82). */
function portFlows(p: number): string[] {
  const v = vlanOf(p);
  const mac = macOf(p);
  const ip = ipOf(p);
  const regs = `load:${hex(p)}->NXM_NX_REG5[],load:${hex(v)}->NXM_NX_REG6[]`;
  const zone = "zone=NXM_NX_REG6[0..15]";
  const lines = [
    `table=60,priority=100,in_port=${p} actions=${regs},resubmit(,71)`,
    `table=60,priority=90,dl_vlan=${v},dl_dst=${mac} actions=${regs},strip_vlan,resubmit(,81)`,
    `table=71,priority=95,arp,reg5=${hex(p)},in_port=${p},dl_src=${mac},arp_spa=${ip} actions=resubmit(,94)`,
    `table=71,priority=65,ip,reg5=${hex(p)},in_port=${p},dl_src=${mac},nw_src=${ip} actions=ct(table=72,${zone})`,
    `table=71,priority=80,udp,reg5=${hex(p)},in_port=${p},dl_src=${mac},nw_src=0.0.0.0,tp_src=68,tp_dst=67 actions=resubmit(,73)`,
    `table=71,priority=70,udp,reg5=${hex(p)},in_port=${p},tp_src=67,tp_dst=68 actions=resubmit(,93)`,
    `table=71,priority=95,icmp6,reg5=${hex(p)},in_port=${p},dl_src=${mac},icmp_type=133 actions=resubmit(,94)`,
    `table=71,priority=65,ipv6,reg5=${hex(p)},in_port=${p},dl_src=${mac} actions=ct(table=72,${zone})`,
    `table=71,priority=10,reg5=${hex(p)},in_port=${p} actions=ct_clear,resubmit(,93)`,
    `table=72,priority=74,ct_state=+est-rel-rpl,ip,reg5=${hex(p)} actions=resubmit(,73)`,
    `table=72,priority=74,ct_state=+new-est,ip,reg5=${hex(p)} actions=resubmit(,73)`,
    `table=72,priority=50,ct_mark=0x1,reg5=${hex(p)} actions=resubmit(,93)`,
    `table=72,priority=40,ct_state=-est,reg5=${hex(p)} actions=resubmit(,93)`,
    `table=73,priority=100,reg6=${hex(v)},dl_dst=${mac} actions=load:${hex(p)}->NXM_NX_REG5[],resubmit(,81)`,
    `table=73,priority=90,ct_state=+new-est,ip,reg5=${hex(p)} actions=ct(commit,${zone}),resubmit(,91)`,
    `table=73,priority=80,reg5=${hex(p)} actions=resubmit(,94)`,
    `table=81,priority=100,arp,reg5=${hex(p)} actions=output:${p}`,
    `table=81,priority=95,udp,reg5=${hex(p)},tp_src=67,tp_dst=68 actions=output:${p}`,
    `table=81,priority=90,ct_state=-trk,ip,reg5=${hex(p)} actions=ct(table=82,${zone})`,
    `table=81,priority=80,ct_state=+trk,reg5=${hex(p)} actions=resubmit(,82)`,
    `table=82,priority=75,ct_state=+est-rel-rpl,icmp,reg5=${hex(p)} actions=output:${p}`,
    `table=82,priority=75,ct_state=+new-est,icmp,reg5=${hex(p)} actions=ct(commit,${zone}),output:${p},resubmit(,92)`,
    `table=82,priority=70,ct_state=+est-rel-rpl,ip,reg5=${hex(p)} actions=conjunction(${2 * p},2/2)`,
    `table=82,priority=70,conj_id=${2 * p},ct_state=+est-rel-rpl,ip,reg5=${hex(p)} actions=load:${hex(2 * p)}->NXM_NX_REG7[],output:${p}`,
    `table=82,priority=50,ct_state=+est-rel+rpl,ct_zone=${v},ct_mark=0,reg5=${hex(p)} actions=output:${p}`,
  ];
  for (const port of [22, 80, 443]) {
    lines.push(
      `table=82,priority=77,ct_state=+est-rel-rpl,tcp,reg5=${hex(p)},tp_dst=${port} actions=output:${p}`,
      `table=82,priority=77,ct_state=+new-est,tcp,reg5=${hex(p)},tp_dst=${port} actions=ct(commit,${zone}),output:${p},resubmit(,92)`,
    );
  }
  // Remote security group: this port's address is clause 1 of every conjunction of its VLAN.
  const members: number[] = [];
  for (let q = v - 1; q < 3 + VM_PORTS; q += VLANS) if (q >= 3) members.push(q);
  const conj = members.map((q) => `conjunction(${2 * q},1/2)`).join(",");
  lines.push(`table=82,priority=70,ct_state=+est-rel-rpl,ip,reg6=${hex(v)},nw_src=${ip} actions=${conj}`);
  return lines;
}

/** Exactly `FLOWS` flows: table 0 translation, shared tables, then VM ports until the count is reached. */
export function generateBrInt(): Flow[] {
  const lines = [
    "table=0,priority=65535,dl_vlan=4095 actions=drop",
    "table=0,priority=2,in_port=1 actions=drop",
    "table=0,priority=0 actions=resubmit(,60)",
    "table=23,priority=0 actions=drop",
    "table=60,priority=3 actions=NORMAL",
    "table=71,priority=110,ct_state=+trk actions=ct_clear,resubmit(,71)",
    "table=71,priority=0 actions=drop",
    "table=72,priority=50,ct_state=+inv+trk actions=resubmit(,93)",
    "table=72,priority=0 actions=drop",
    "table=73,priority=0 actions=drop",
    "table=81,priority=0 actions=drop",
    "table=82,priority=50,ct_state=+inv+trk actions=resubmit(,93)",
    "table=82,priority=0 actions=drop",
    "table=91,priority=1 actions=resubmit(,94)",
    "table=92,priority=0 actions=drop",
    "table=93,priority=0 actions=drop",
    "table=94,priority=1 actions=NORMAL",
  ];
  for (let v = 1; v <= VLANS; v++) {
    lines.push(`table=0,priority=3,in_port=1,dl_vlan=${segOf(v)} actions=mod_vlan_vid:${v},resubmit(,60)`);
  }
  for (let p = 3; p < 3 + VM_PORTS && lines.length < FLOWS; p++) lines.push(...portFlows(p));
  const text = lines
    .slice(0, FLOWS)
    .map((l) => ` cookie=${COOKIE}, ${l.replace(/^table=(\d+),/, "table=$1, ")}`);
  const { value, issues } = parseFlowDump(text.join("\n"));
  if (issues.length > 0 || value.flows.length !== FLOWS) {
    throw new Error(`generated dump: ${value.flows.length} flows, first issue ${JSON.stringify(issues[0])}`);
  }
  return value.flows;
}

/** Ports the flows use: the two trunks and the VM ports that got flows, with their local VLAN. */
function ports(flows: readonly Flow[]): ScratchPort[] {
  const used = new Set<number>();
  for (const f of flows)
    for (const m of f.match) if (m.name === "in_port" && m.value !== undefined) used.add(Number(m.value));
  const out: ScratchPort[] = [
    { name: "int-br-eth1", ofport: 1 },
    { name: "patch-tun", ofport: 2 },
  ];
  for (const p of [...used].filter((n) => n >= 3).sort((a, b) => a - b))
    out.push({ name: `tap${p}`, ofport: p, tag: vlanOf(p) });
  return out;
}

/** Traffic a compute node's br-int sees, spread over the ports. */
function packets(vmPorts: readonly number[]): Packet[] {
  const out: Packet[] = [];
  for (let i = 0; i < PACKETS; i++) {
    const p = vmPorts[(i * 37) % vmPorts.length] as number;
    const q = vmPorts[(i * 53 + 7) % vmPorts.length] as number;
    const v = vlanOf(p);
    const vm = { dl_src: macOf(p), nw_src: ipOf(p) };
    switch (i % 6) {
      case 0: // VM → anywhere: egress firewall, conntrack, NORMAL
        out.push(
          makePacket({
            in_port: p,
            ...vm,
            dl_dst: macOf(q),
            dl_type: 0x0800,
            nw_proto: 6,
            nw_dst: ipOf(q),
            nw_ttl: 64,
            tp_src: 40000,
            tp_dst: 443,
          }),
        );
        break;
      case 1: // VM ARP request
        out.push(
          makePacket({
            in_port: p,
            dl_src: macOf(p),
            dl_dst: "ff:ff:ff:ff:ff:ff",
            dl_type: 0x0806,
            arp_op: 1,
            arp_spa: ipOf(p),
            arp_tpa: ipOf(q),
            arp_sha: macOf(p),
          }),
        );
        break;
      case 2: // from the provider network to the VM: translation, ingress firewall
        out.push(
          makePacket({
            in_port: 1,
            vlans: [{ vid: segOf(v), pcp: 0 }],
            dl_src: "52:54:00:12:34:56",
            dl_dst: macOf(p),
            dl_type: 0x0800,
            nw_proto: 6,
            nw_src: "192.0.2.9",
            nw_dst: ipOf(p),
            nw_ttl: 63,
            tp_src: 50000,
            tp_dst: 22,
          }),
        );
        break;
      case 3: // from another VM in the same network
        out.push(
          makePacket({
            in_port: q,
            dl_src: macOf(q),
            dl_dst: macOf(p),
            dl_type: 0x0800,
            nw_proto: 1,
            nw_src: ipOf(q),
            nw_dst: ipOf(p),
            nw_ttl: 64,
            icmp_type: 8,
          }),
        );
        break;
      case 4: // DHCP discover
        out.push(
          makePacket({
            in_port: p,
            dl_src: macOf(p),
            dl_dst: "ff:ff:ff:ff:ff:ff",
            dl_type: 0x0800,
            nw_proto: 17,
            nw_src: "0.0.0.0",
            nw_dst: "255.255.255.255",
            nw_ttl: 64,
            tp_src: 68,
            tp_dst: 67,
          }),
        );
        break;
      default: // broadcast from the wire
        out.push(
          makePacket({
            in_port: 1,
            vlans: [{ vid: segOf(v), pcp: 0 }],
            dl_src: "52:54:00:12:34:56",
            dl_dst: "ff:ff:ff:ff:ff:ff",
            dl_type: 0x0806,
            arp_op: 1,
            arp_spa: "192.0.2.9",
            arp_tpa: ipOf(p),
          }),
        );
    }
  }
  return out;
}

const rate = (n: number, seconds: number): string => Math.round(n / seconds).toLocaleString("en");

export async function benchTrace(): Promise<void> {
  const flows = generateBrInt();
  const portList = ports(flows);
  const vmPorts = portList.filter((p) => p.ofport >= 3).map((p) => p.ofport);
  const pkts = packets(vmPorts);
  console.log(
    `trace: br-int with ${flows.length.toLocaleString("en")} Neutron-shaped flows, ${portList.length} ports, ${pkts.length} packets`,
  );

  const t0 = performance.now();
  const bridge = compileBridge({ name: BRIDGE, flows, ports: portList });
  console.log(`  simulator compile (index per table): ${(performance.now() - t0).toFixed(0)} ms`);
  const options = { ctState: "+trk+est" };
  for (const p of pkts) simulate(bridge, p, options); // warm-up
  let n = 0;
  let outputs = 0;
  const t1 = performance.now();
  while (performance.now() - t1 < 2000) {
    for (const p of pkts) outputs += simulate(bridge, p, options).outputs.length;
    n += pkts.length;
  }
  const simSeconds = (performance.now() - t1) / 1000;
  const simRate = n / simSeconds;
  console.log(
    `  simulator: ${rate(n, simSeconds)} traces/s (${n} traces, ${(outputs / n).toFixed(1)} outputs each)`,
  );

  const missing = missingOvsBinaries();
  if (missing.length > 0) {
    console.log(`  ofproto/trace: SKIPPED, Open vSwitch not installed (missing ${missing.join(", ")})`);
    return;
  }
  const ovs = await ScratchOvs.start();
  try {
    const t2 = performance.now();
    await ovs.addBridge(BRIDGE, portList);
    await ovs.loadFlows(BRIDGE, flows, "OpenFlow10");
    const loaded = /flow_count=(\d+)/.exec(await ovs.ofctl(BRIDGE, "dump-aggregate"))?.[1];
    console.log(
      `  real OVS: bridge, ports and ${loaded} flows loaded in ${((performance.now() - t2) / 1000).toFixed(1)} s`,
    );
    const args = (p: Packet): string[] => ["ofproto/trace", BRIDGE, formatPacket(p), "--ct-next", "trk,est"];
    await ovs.appctl(...args(pkts[0] as Packet)); // warm-up
    const t3 = performance.now();
    for (let i = 0; i < APPCTL_TRACES; i++) await ovs.appctl(...args(pkts[i % pkts.length] as Packet));
    const appctlSeconds = (performance.now() - t3) / 1000;
    const appctlRate = APPCTL_TRACES / appctlSeconds;
    console.log(
      `  ovs-appctl ofproto/trace: ${rate(APPCTL_TRACES, appctlSeconds)} traces/s (${APPCTL_TRACES} traces)`,
    );
    const texts: string[] = [];
    const t4 = performance.now();
    for (let i = 0; i < SOCKET_TRACES; i++) {
      texts.push(await ovs.trace(BRIDGE, formatPacket(pkts[i % pkts.length] as Packet), "trk,est", 1));
    }
    const socketSeconds = (performance.now() - t4) / 1000;
    const socketRate = SOCKET_TRACES / socketSeconds;
    console.log(
      `  ofproto/trace over the control socket (no ovs-appctl process): ${rate(SOCKET_TRACES, socketSeconds)} traces/s`,
    );
    // Both did the same work: as many outputs per packet (test/openflow/agreement.test.ts checks the rest).
    const same = texts.filter((text, i) => {
      const sections = parseOfprotoTrace(text).value;
      const theirs = sections.reduce((n, s) => n + s.actions.filter((a) => a.kind === "output").length, 0);
      return theirs === simulate(bridge, pkts[i % pkts.length] as Packet, options).outputs.length;
    }).length;
    console.log(`  same number of outputs from both: ${same}/${texts.length} packets`);
    const ratio = simRate / appctlRate;
    console.log(
      `  ratio vs ovs-appctl ofproto/trace: ${ratio.toFixed(0)}x (target >= ${TARGET_RATIO}x) ${ratio >= TARGET_RATIO ? "PASS" : "MISS"}; ` +
        `vs the control socket: ${(simRate / socketRate).toFixed(1)}x ${simRate / socketRate >= TARGET_RATIO ? "PASS" : "MISS"}`,
    );
  } finally {
    await ovs.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchTrace();
}
