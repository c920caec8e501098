/**
 * VLAN semantics of OpenFlow matches and actions, shared by the model (VLAN translation tables) and the
 * pipeline simulator. OpenFlow 1.0 prints `dl_vlan=324` / `mod_vlan_vid:324`; OpenFlow 1.3 prints
 * `vlan_tci=0x1144/0x1fff` / `set_field:4420->vlan_vid`, where 0x1000 (4096) is the OFPVID_PRESENT bit.
 */
import type { Action, Flow, MatchField } from "./flow.js";

export const VLAN_PRESENT = 0x1000;
export const VID_MASK = 0x0fff;
export const VLAN_PCP_SHIFT = 13;
/** `dl_vlan=0xffff`: OpenFlow 1.0's "no VLAN header". */
const OFP10_VLAN_NONE = 0xffff;

/** What a flow's match says about the VLAN header. */
export type VlanMatch =
  | { kind: "any" }
  | { kind: "untagged" }
  | { kind: "tagged" } // any tag
  | { kind: "vid"; vid: number };

export function parseNumber(text: string): number {
  const t = text.trim();
  return /^0x/i.test(t) ? Number.parseInt(t, 16) : Number(t);
}

function vlanFromTci(value: number, mask: number | undefined): VlanMatch {
  const m = mask ?? 0xffff;
  if ((m & VLAN_PRESENT) === 0) return { kind: "any" };
  if ((value & VLAN_PRESENT) === 0) return { kind: "untagged" };
  if ((m & VID_MASK) === VID_MASK) return { kind: "vid", vid: value & VID_MASK };
  return { kind: "tagged" };
}

export function matchVlan(fields: readonly MatchField[]): VlanMatch {
  for (const f of fields) {
    if (f.value === undefined) continue;
    switch (f.name) {
      case "dl_vlan":
        // dl_vlan=0xffff is OpenFlow 1.0's "no VLAN header".
        return parseNumber(f.value) === OFP10_VLAN_NONE
          ? { kind: "untagged" }
          : { kind: "vid", vid: parseNumber(f.value) & VID_MASK };
      case "vlan_vid":
        return vlanFromTci(
          parseNumber(f.value),
          f.mask === undefined ? VLAN_PRESENT | VID_MASK : parseNumber(f.mask),
        );
      case "vlan_tci":
      case "NXM_OF_VLAN_TCI":
      case "OXM_OF_VLAN_VID":
        return vlanFromTci(parseNumber(f.value), f.mask === undefined ? undefined : parseNumber(f.mask));
    }
  }
  return { kind: "any" };
}

/** The VLAN a single action sets: a vid, "strip", "push" (push without vid yet), or undefined if unrelated. */
export function actionVlanEffect(a: Action): { set: number } | "strip" | "push" | undefined {
  switch (a.kind) {
    case "mod_vlan_vid":
      return { set: a.vid };
    case "strip_vlan":
    case "pop_vlan":
      return "strip";
    case "push_vlan":
      return "push";
    case "set_field":
      if (a.field === "vlan_vid") return { set: parseNumber(a.value) & VID_MASK };
      if (a.field === "vlan_tci") {
        const v = parseNumber(a.value);
        return (v & VLAN_PRESENT) === 0 ? "strip" : { set: v & VID_MASK };
      }
      return undefined;
    case "load":
      if (a.dst.field === "NXM_OF_VLAN_TCI" || a.dst.field === "OXM_OF_VLAN_VID") {
        const v = parseNumber(a.value);
        if (a.dst.start === undefined) return (v & VLAN_PRESENT) === 0 ? "strip" : { set: v & VID_MASK };
        if (a.dst.start === 0 && (a.dst.end ?? 0) >= 11) return { set: v & VID_MASK };
      }
      return undefined;
    default:
      return undefined;
  }
}

/** The VLAN a flow's action list leaves on the packet, as far as the list says (last write wins). */
export function flowVlanResult(flow: Flow): { set: number } | "strip" | undefined {
  let result: { set: number } | "strip" | undefined;
  for (const a of flow.actions) {
    const e = actionVlanEffect(a);
    if (e === undefined || e === "push") continue;
    result = e;
  }
  return result;
}

/** The `in_port` a flow matches, as written (a number or a name). */
export function matchInPort(fields: readonly MatchField[]): string | undefined {
  return fields.find((f) => f.name === "in_port")?.value;
}

/**
 * The TCI value/mask an OpenFlow 1.0 `dl_vlan=V` match stands for: the VID and the "tag present"
 * bit, so `dl_vlan=5` never matches an untagged frame; `dl_vlan=0xffff` matches only untagged frames.
 */
export function dlVlanTci(vid: number): { value: number; mask: number } {
  if (vid === OFP10_VLAN_NONE) return { value: 0, mask: 0xffff };
  return { value: VLAN_PRESENT | (vid & VID_MASK), mask: VLAN_PRESENT | VID_MASK };
}

/** The TCI value/mask of a `dl_vlan_pcp=P` / `vlan_pcp=P` match: the priority bits and "tag present". */
export function vlanPcpTci(pcp: number): { value: number; mask: number } {
  return { value: VLAN_PRESENT | ((pcp & 7) << VLAN_PCP_SHIFT), mask: VLAN_PRESENT | (7 << VLAN_PCP_SHIFT) };
}
