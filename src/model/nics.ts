/**
 * Physical NICs of a node: the roles node.json declares, the link state from `ip`, the OVS bridge holding
 * them, the driver (`ethtool -i`) and what the switch says over LLDP.
 */
import { parseEthtoolI } from "../parse/ethtool.js";
import {
  type LldpNeighbor,
  lldpPortMode,
  parseLldpctlJson,
  parseLldpctlKeyvalue,
  parseLldpctlText,
  parseLldpTcpdump,
} from "../parse/lldp.js";
import type { ParseResult } from "../parse/types.js";
import type { NodeMeta } from "../snapshot/format.js";
import type { EvidenceReader } from "./evidence.js";
import type { Bridge, Link, LldpView, Nic } from "./types.js";

function lldpView(n: LldpNeighbor, path: string): LldpView {
  const mode = lldpPortMode(n);
  const view: LldpView = {
    vlans: n.vlans.map((v) => v.id),
    mode: mode.mode,
    modeReason: mode.reason,
    evidence: { path },
  };
  if (n.systemName !== undefined) view.systemName = n.systemName;
  if (n.portId !== undefined) view.portId = n.portId;
  if (n.portDescr !== undefined) view.portDescr = n.portDescr;
  if (n.pvid !== undefined) view.pvid = n.pvid;
  return view;
}

/**
 * lldpd's view in whichever form the snapshot holds: `lldpctl -f json` live, `-f keyvalue` or the plain
 * `lldpctl`/`lldpcli show neighbors details` text that sosreports and operators paste.
 */
function parseLldpctlAny(text: string): ParseResult<LldpNeighbor[]> {
  const t = text.trimStart();
  if (t.startsWith("{") || t.startsWith("[")) return parseLldpctlJson(text);
  if (/^lldp\.[^=\s]+=/m.test(text)) return parseLldpctlKeyvalue(text);
  return parseLldpctlText(text);
}

/** `lldp@<nic>` is normally a tcpdump capture, but operators also drop lldpctl's output there. */
function parseLldpEvidence(text: string): ParseResult<LldpNeighbor[]> {
  return /LLDP, length|listening on|^\s*\d+:\d+:\d+\.\d+ /m.test(text)
    ? parseLldpTcpdump(text)
    : parseLldpctlAny(text);
}

/** A NIC is physical when it is declared in node.json, or when `ip -d` says it is not virtual. */
function isPhysical(link: Link): boolean {
  return link.kind === undefined || link.kind === "openvswitch" || link.kind === "bridge";
}

export function buildNics(
  ev: EvidenceReader,
  node: string,
  meta: NodeMeta,
  links: Link[],
  bridges: Bridge[],
): Nic[] {
  const owner = `node:${node}`;
  const names = new Set(meta.nics.map((n) => n.name));
  // NICs with LLDP or driver evidence count too, so a snapshot without NIC roles still shows them.
  for (const id of ["lldp", "ethtool-i"]) for (const p of ev.params(node, id)) names.add(p);
  const lldpd = ev.parse(owner, ev.item(node, "lldpctl-json"), parseLldpctlAny);
  for (const n of lldpd?.value ?? [])
    if (n.iface !== undefined && links.some((l) => l.name === n.iface)) names.add(n.iface);

  return [...names].map((name) => {
    const declared = meta.nics.find((n) => n.name === name);
    const nic: Nic = { name };
    if (declared) {
      nic.role = declared.role;
      if (declared.physnet !== undefined) nic.physnet = declared.physnet;
    }
    const link = links.find((l) => l.name === name && isPhysical(l)) ?? links.find((l) => l.name === name);
    if (link) nic.link = link;
    const bridge = bridges.find((b) => b.ports.some((p) => p.name === name && p.type === ""));
    if (bridge) nic.bridge = bridge.name;
    const eth = ev.parse(owner, ev.item(node, "ethtool-i", name), parseEthtoolI);
    if (eth) {
      nic.driver = {};
      if (eth.value.driver !== undefined) nic.driver.driver = eth.value.driver;
      if (eth.value.version !== undefined) nic.driver.version = eth.value.version;
      if (eth.value.firmwareVersion !== undefined) nic.driver.firmware = eth.value.firmwareVersion;
    }
    const captured = ev.parse(owner, ev.item(node, "lldp", name), parseLldpEvidence);
    const neighbour =
      captured?.value.find((n) => n.via === undefined || n.via === "LLDP") ??
      lldpd?.value.find((n) => n.iface === name);
    if (neighbour)
      nic.lldp = lldpView(neighbour, (captured?.value.includes(neighbour) ? captured.ref : lldpd?.ref)!.path);
    return nic;
  });
}
