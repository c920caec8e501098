/**
 * Open vSwitch part of the model: bridges and ports from `ovs-vsctl show`, enriched by the OVSDB tables
 * (external_ids, ofport, errors, other_config) and `ovs-ofctl show` (port numbers), with each bridge's flows.
 * When `ovs-vsctl show` is missing, the OVSDB tables alone give the same structure.
 */

import { parseFlowDump } from "../parse/ofctl-flows.js";
import { parseOfctlShow } from "../parse/ofctl-show.js";
import { parseOvsVsctlShow, type ShowPort } from "../parse/ovs-vsctl-show.js";
import {
  atomText,
  colMap,
  colNumber,
  colSet,
  colString,
  type OvsdbRow,
  parseOvsdbList,
} from "../parse/ovsdb.js";
import { type EvidenceReader, lineRef } from "./evidence.js";
import { classifyDevice } from "./naming.js";
import type { Bridge, EvidenceRef, OvsPort } from "./types.js";

/** Name of the pseudo-bridge holding ports of an `ovs-vsctl show` excerpt whose bridge line was cut. */
export const EXCERPT_BRIDGE = "(excerpt)";

interface OvsdbView {
  interfaces: Map<string, OvsdbRow>;
  ports: Map<string, OvsdbRow>;
  bridges: OvsdbRow[];
  ref: Record<"interface" | "port" | "bridge", EvidenceRef | undefined>;
}

function readOvsdb(ev: EvidenceReader, node: string): OvsdbView {
  const owner = `node:${node}`;
  const rows = (id: string) => ev.parse(owner, ev.item(node, id), parseOvsdbList);
  const byName = (r: ReturnType<typeof rows>): Map<string, OvsdbRow> =>
    new Map(
      (r?.value ?? []).flatMap((row) => {
        const name = colString(row, "name");
        return name === undefined ? [] : [[name, row] as const];
      }),
    );
  const ifaces = rows("ovsdb-interface");
  const ports = rows("ovsdb-port");
  const bridges = rows("ovsdb-bridge");
  return {
    interfaces: byName(ifaces),
    ports: byName(ports),
    bridges: bridges?.value ?? [],
    ref: { interface: ifaces?.ref, port: ports?.ref, bridge: bridges?.ref },
  };
}

function numbers(row: OvsdbRow | undefined, col: string): number[] {
  return row
    ? colSet(row, col)
        .map((a) => Number(atomText(a)))
        .filter((n) => Number.isInteger(n))
    : [];
}

function makePort(
  name: string,
  bridge: string,
  evidence: EvidenceRef,
  db: OvsdbView,
  fromShow?: ShowPort,
): OvsPort {
  const iface = db.interfaces.get(name);
  const portRow = db.ports.get(name);
  const showIface = fromShow?.interfaces.find((i) => i.name === name) ?? fromShow?.interfaces[0];
  const externalIds = iface ? colMap(iface, "external_ids") : {};
  const options = showIface?.options ?? (iface ? colMap(iface, "options") : {});
  const port: OvsPort = {
    name,
    bridge,
    trunks: fromShow?.trunks ?? numbers(portRow, "trunks"),
    type: showIface?.type ?? (iface ? (colString(iface, "type") ?? "") : ""),
    externalIds,
    role: classifyDevice(name).role,
    evidence,
  };
  const tag = fromShow?.tag ?? (portRow ? colNumber(portRow, "tag") : undefined);
  if (tag !== undefined) port.tag = tag;
  const vlanMode = fromShow?.vlanMode ?? (portRow ? colString(portRow, "vlan_mode") : undefined);
  if (vlanMode !== undefined) port.vlanMode = vlanMode;
  if (options.peer !== undefined) port.peer = options.peer;
  const error = showIface?.error ?? (iface ? colString(iface, "error") : undefined);
  if (error !== undefined) port.error = error;
  const ofport = iface ? colNumber(iface, "ofport") : undefined;
  if (ofport !== undefined) port.ofport = ofport;
  if (externalIds["iface-id"]) port.neutronPortId = externalIds["iface-id"];
  return port;
}

export function buildBridges(ev: EvidenceReader, node: string): Bridge[] {
  const owner = `node:${node}`;
  const db = readOvsdb(ev, node);
  const show = ev.parse(owner, ev.item(node, "ovs-vsctl-show"), parseOvsVsctlShow);
  const bridges: Bridge[] = [];

  if (show) {
    for (const b of show.value.bridges) {
      const ref = lineRef(show.ref, b.line);
      const bridge: Bridge = {
        name: b.name,
        ports: b.ports.map((p) => makePort(p.name, b.name, lineRef(show.ref, p.line), db, p)),
        ofports: new Map(),
        evidence: ref,
      };
      if (b.failMode !== undefined) bridge.failMode = b.failMode;
      if (b.datapathType !== undefined) bridge.datapathType = b.datapathType;
      bridges.push(bridge);
    }
    if (show.value.loosePorts.length > 0) {
      bridges.push({
        name: EXCERPT_BRIDGE,
        ports: show.value.loosePorts.map((p) =>
          makePort(p.name, EXCERPT_BRIDGE, lineRef(show.ref, p.line), db, p),
        ),
        ofports: new Map(),
        evidence: show.ref,
      });
    }
  } else if (db.bridges.length > 0) {
    // No `ovs-vsctl show`: rebuild the structure from Bridge.ports → Port.interfaces uuids.
    const portsByUuid = new Map([...db.ports.values()].map((r) => [r._uuid, r]));
    for (const row of db.bridges) {
      const name = colString(row, "name");
      if (name === undefined) continue;
      const ref = db.ref.bridge!;
      const bridge: Bridge = { name, ports: [], ofports: new Map(), evidence: ref };
      const failMode = colString(row, "fail_mode");
      if (failMode !== undefined) bridge.failMode = failMode;
      const dp = colString(row, "datapath_type");
      if (dp) bridge.datapathType = dp;
      for (const uuid of colSet(row, "ports").map(atomText)) {
        const portName = portsByUuid.get(uuid) && colString(portsByUuid.get(uuid)!, "name");
        if (portName !== undefined) bridge.ports.push(makePort(portName, name, db.ref.port ?? ref, db));
      }
      bridges.push(bridge);
    }
  } else {
    ev.missing(owner, "no Open vSwitch view (ovs-vsctl show or OVSDB tables) in the snapshot");
  }

  for (const bridge of bridges) {
    if (bridge.name === EXCERPT_BRIDGE) continue;
    for (const p of bridge.ports)
      if (p.ofport !== undefined && p.ofport > 0) bridge.ofports.set(p.ofport, p.name);
    const shown = ev.parse(owner, ev.item(node, "ovs-ofctl-show", bridge.name), parseOfctlShow);
    for (const p of shown?.value.ports ?? []) {
      if (typeof p.ofport !== "number") continue;
      bridge.ofports.set(p.ofport, p.name);
      const port = bridge.ports.find((x) => x.name === p.name);
      if (port && port.ofport === undefined) port.ofport = p.ofport;
    }
    const flows = ev.parse(owner, ev.item(node, "ovs-ofctl-dump-flows", bridge.name), parseFlowDump);
    if (flows) bridge.flows = { path: flows.ref.path, flows: flows.value.flows };
  }
  return bridges;
}

/** A port's name from a flow's `in_port`/`output` value: a number via the bridge's port map, or a name. */
export function resolvePort(bridge: Bridge, value: string): string | undefined {
  if (/^\d+$/.test(value)) return bridge.ofports.get(Number(value));
  if (value === "LOCAL") return bridge.name;
  return value;
}
