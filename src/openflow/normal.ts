/**
 * The `NORMAL` action: Open vSwitch's built-in learning L2 switch, with the VLAN rules each port's
 * OVSDB `tag`, `trunks` and `vlan_mode` give it. Written from OVS's own behaviour (bridge.c port
 * configuration, ofproto-dpif bundles, `xlate_normal` in ofproto-dpif-xlate.c) and checked against
 * `ofproto/trace` on a real ovs-vswitchd (test/openflow/agreement.test.ts):
 *
 * - a port with a `tag` and no `vlan_mode` is an access port (its `trunks` are then ignored); without a
 *   tag it is a trunk; an access port drops frames tagged with a non-zero VID, a trunk drops VLANs
 *   outside `trunks` (an empty list means every VLAN);
 * - `native-tagged`/`native-untagged` put untagged frames on the `tag` VLAN and always carry it (VLAN 0
 *   never), `native-untagged` sends that VLAN out untagged;
 * - the destination is looked up in the MAC table for the frame's VLAN: a hit on another port
 *   forwards there, a hit on the input port drops, a miss — and every multicast or broadcast
 *   destination — floods to every port carrying the VLAN except the input port;
 * - frames to reserved multicast MACs (STP, LACP, CDP…) are never forwarded (no `forward-bpdu`);
 * - on the way out an access port strips the tag, a trunk keeps it.
 *
 * ofproto/trace does not learn, so the MAC table is whatever the caller gives (`fdb/show`); without
 * one every unicast floods. Not modelled: bonds, mirrors, `dot1q-tunnel`, `priority-tags`,
 * multicast snooping, ports with flooding disabled.
 */
import { OFPP, type Vlan } from "./packet.js";

export interface SwitchPort {
  ofport: number;
  name: string;
  tag?: number;
  trunks?: readonly number[];
  vlanMode?: string;
  type?: string;
}

/** A MAC table entry (`ovs-appctl fdb/show`): the port by number, `LOCAL` or name. */
export interface FdbRecord {
  port: number | string;
  vlan: number;
  mac: string;
}

type VlanMode = "access" | "trunk" | "native-tagged" | "native-untagged";

interface Bundle {
  port: SwitchPort;
  mode: VlanMode | "dot1q-tunnel";
  /** The access or native VLAN (0 when the port has no tag). */
  vlan: number;
  /** VLANs a trunk or native port carries; undefined means all. */
  trunks?: ReadonlySet<number>;
}

export interface NormalOutput {
  port: number;
  /** Tags as the frame leaves that port, outermost first. */
  vlans: Vlan[];
}

export interface NormalResult {
  decision: "forward" | "flood" | "drop";
  outputs: NormalOutput[];
  /** The VLAN the frame was switched in, once the input port admitted it. */
  vlan?: number;
  /** Why, in words that name the ports. */
  reason: string;
}

function bundleOf(port: SwitchPort): Bundle {
  const tag = port.tag !== undefined && port.tag >= 0 && port.tag <= 4095 ? port.tag : undefined;
  let mode: Bundle["mode"];
  switch (port.vlanMode) {
    case "access":
    case "trunk":
    case "native-tagged":
    case "native-untagged":
    case "dot1q-tunnel":
      mode = port.vlanMode;
      break;
    default:
      // No (or an unknown) vlan_mode: a tag makes an access port, otherwise a trunk.
      mode = tag !== undefined ? "access" : "trunk";
  }
  const vlan = mode === "trunk" ? 0 : (tag ?? 0);
  const listed = port.trunks !== undefined && port.trunks.length > 0 ? new Set(port.trunks) : undefined;
  let trunks: ReadonlySet<number> | undefined;
  if (mode === "trunk") trunks = listed;
  else if (mode === "native-tagged" || mode === "native-untagged") {
    // The native VLAN is always carried and VLAN 0 never is; with no list, everything else is.
    if (vlan !== 0 && (listed === undefined || !listed.has(vlan) || listed.has(0))) {
      const s = new Set(listed ?? Array.from({ length: 4096 }, (_, i) => i));
      s.add(vlan);
      s.delete(0);
      trunks = s;
    } else trunks = listed;
  }
  return { port, mode, vlan, trunks };
}

function trunksVlan(b: Bundle, vid: number): boolean {
  return b.mode !== "access" && b.mode !== "dot1q-tunnel" && (b.trunks === undefined || b.trunks.has(vid));
}

function includesVlan(b: Bundle, vlans: readonly Vlan[]): boolean {
  const outer = vlans[0]?.vid ?? 0;
  if (b.mode === "access") return outer === b.vlan && (vlans[1]?.vid ?? 0) === 0;
  return trunksVlan(b, outer);
}

/** Tags on egress from `b` of a frame switched with tags `vlans` (internal form: vid 0 = none). */
function egressVlans(b: Bundle, vlans: readonly Vlan[]): Vlan[] {
  let out: Vlan[];
  if (b.mode === "access") out = [];
  else if (b.mode === "native-untagged" && vlans[0]?.vid === b.vlan) out = vlans.slice(1);
  else out = [...vlans];
  // A slot with neither VID nor priority is not a tag at all.
  const tags: Vlan[] = [];
  for (const v of out) {
    if (v.vid === 0 && v.pcp === 0) break;
    tags.push({ vid: v.vid, pcp: v.pcp });
  }
  return tags;
}

/** Destinations a bridge never forwards to (OVS's eth_addr_is_reserved). */
const RESERVED_MACS: ReadonlySet<bigint> = new Set([
  ...Array.from({ length: 16 }, (_, i) => 0x0180c2000000n + BigInt(i)), // STP, pause, LACP, LLDP…
  0x00e02b000000n, // Extreme EDP
  0x00e02b000004n, // EAPS
  0x00e02b000006n, // EAPS
  0x01000c000000n, // Cisco ISL
  0x01000cccccccn, // CDP, VTP, DTP, PAgP, UDLD
  0x01000ccccccdn, // PVST+
  0x01000ccdcdcdn, // STP UplinkFast
  ...Array.from({ length: 8 }, (_, i) => 0x01000cccccc0n + BigInt(i)), // Cisco CFM
]);

const MULTICAST_BIT = 0x010000000000n;

function macKey(vlan: number, mac: bigint): string {
  return vlan + "/" + mac.toString(16);
}

export class NormalSwitch {
  private readonly bundles = new Map<number, Bundle>();
  private readonly fdb?: ReadonlyMap<string, number>;
  private readonly flood = new Map<number, readonly Bundle[]>();

  /** `fdb` undefined means "no MAC table was given" (reported as such), not "empty table". */
  constructor(ports: readonly SwitchPort[], fdb?: readonly FdbRecord[]) {
    const byName = new Map<string, number>();
    for (const p of ports) {
      this.bundles.set(p.ofport, bundleOf(p));
      byName.set(p.name, p.ofport);
    }
    if (fdb !== undefined) {
      const table = new Map<string, number>();
      for (const e of fdb) {
        const port =
          typeof e.port === "number" ? e.port : e.port === "LOCAL" ? OFPP.LOCAL : byName.get(e.port);
        const mac = BigInt("0x" + e.mac.replace(/[:-]/g, ""));
        if (port !== undefined) table.set(macKey(e.vlan, mac), port);
      }
      this.fdb = table;
    }
  }

  /** Ports that carry a frame with these (internal) tags; cached, since a bridge floods the same VLANs over and over. */
  private members(vlans: readonly Vlan[]): readonly Bundle[] {
    const key = (vlans[0]?.vid ?? 0) * 4096 + (vlans[1]?.vid ?? 0);
    let list = this.flood.get(key);
    if (list === undefined) {
      list = [...this.bundles.values()].filter((b) => includesVlan(b, vlans));
      this.flood.set(key, list);
    }
    return list;
  }

  private name(ofport: number): string {
    const b = this.bundles.get(ofport);
    return b === undefined ? String(ofport) : `${ofport}(${b.port.name})`;
  }

  /** Where NORMAL sends a frame that entered on `inPort` with tags `vlans` (outermost first). */
  forward(inPort: number, vlans: readonly Vlan[], dlDst: bigint): NormalResult {
    const drop = (reason: string, vlan?: number): NormalResult => ({
      decision: "drop",
      outputs: [],
      vlan,
      reason,
    });
    const input = this.bundles.get(inPort);
    if (input === undefined) return drop(`input port ${inPort} is not a port of this bridge`);
    const inName = this.name(inPort);
    if (input.mode === "dot1q-tunnel") return drop(`${inName} is a dot1q-tunnel port (not simulated)`);
    const vid = vlans[0]?.vid ?? 0;
    const pcp = vlans[0]?.pcp ?? 0;
    let internal: Vlan[];
    if (input.mode === "access") {
      if (vid !== 0) {
        return drop(`VLAN ${vid} tagged frame on ${inName}, an access port of VLAN ${input.vlan}: dropped`);
      }
      internal = [{ vid: input.vlan, pcp }];
    } else {
      if (vid !== 0 || input.mode === "trunk") {
        if (!trunksVlan(input, vid)) return drop(`${inName} does not trunk VLAN ${vid}: dropped`);
      }
      internal = vlans.map((v) => ({ ...v }));
      if (vid === 0 && input.mode !== "trunk") internal[0] = { vid: input.vlan, pcp };
    }
    const vlan = internal[0]?.vid ?? 0;
    if (RESERVED_MACS.has(dlDst))
      return drop("reserved multicast destination (STP/LACP/CDP…): never forwarded", vlan);
    const flood = (why: string): NormalResult => {
      const outputs: NormalOutput[] = [];
      for (const b of this.members(internal)) {
        if (b.port.ofport !== inPort) outputs.push({ port: b.port.ofport, vlans: egressVlans(b, internal) });
      }
      const to =
        outputs.length === 0 ? "no other port carries it" : outputs.map((o) => this.name(o.port)).join(", ");
      return { decision: "flood", outputs, vlan, reason: `flooded (${why}) in VLAN ${vlan} to ${to}` };
    };
    if ((dlDst & MULTICAST_BIT) !== 0n) return flood("multicast/broadcast destination");
    if (this.fdb === undefined) return flood("no FDB");
    const learned = this.fdb.get(macKey(vlan, dlDst));
    if (learned === undefined) return flood("destination not in the FDB");
    const out = this.bundles.get(learned);
    if (out === undefined) return flood(`FDB names port ${learned}, which is not on this bridge`);
    if (learned === inPort)
      return drop(`FDB: destination was learned on the input port ${inName}: dropped`, vlan);
    return {
      decision: "forward",
      outputs: [{ port: learned, vlans: egressVlans(out, internal) }],
      vlan,
      reason: `FDB: destination learned on ${this.name(learned)} in VLAN ${vlan}`,
    };
  }
}
