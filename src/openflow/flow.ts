/**
 * One OpenFlow flow as `ovs-ofctl dump-flows` prints it. Produced by parse/ofctl-flows.ts,
 * consumed by the model, the checks and the pipeline simulator.
 *
 * Values are kept as written (strings) together with their spans in the line: the parser is
 * lossless and a finding can quote its evidence exactly. Numeric interpretation (masks, the
 * OFPVID_PRESENT bit of `set_field:4098->vlan_vid`, port names vs numbers) belongs to
 * openflow/ where the semantics live.
 */
import type { Span } from "../parse/types.js";

/** A `key=value` (or bare `key`) of the statistics/info part: cookie, duration, n_packets, … */
export interface FlowInfoField {
  name: string;
  value?: string;
  span: Span;
}

export interface MatchField {
  /** Field name as written (`dl_vlan`, `in_port`, `reg5`, `NXM_NX_REG5`, `ip`, `vlan_tci`). */
  name: string;
  /** Value as written without surrounding quotes; undefined for protocol shorthands like `ip`, `arp`. */
  value?: string;
  /** Mask after `/` when present (`0x1000/0x1000` → value 0x1000, mask 0x1000). */
  mask?: string;
  /** True when the value was quoted (`in_port="int-br-em3"`, printed with --names). */
  quoted?: boolean;
  span: Span;
}

/** A bit range of a field: `NXM_NX_REG6[0..15]`, `reg5[]` (whole field: no start/end). */
export interface FieldRef {
  field: string;
  start?: number;
  end?: number;
}

interface ActionBase {
  /** Action keyword as written (`mod_vlan_vid`, `output`, `NORMAL`, `set_field`, …). */
  name: string;
  /** Raw argument text after `:` or inside `(...)`, when there is one. */
  arg?: string;
  span: Span;
}

export type Action =
  | (ActionBase & { kind: "output"; port: string; quoted?: boolean })
  | (ActionBase & { kind: "normal" | "local" | "in_port" | "flood" | "all" | "drop" })
  | (ActionBase & { kind: "controller"; params: Record<string, string> })
  | (ActionBase & { kind: "mod_vlan_vid"; vid: number })
  | (ActionBase & { kind: "mod_vlan_pcp"; pcp: number })
  | (ActionBase & { kind: "strip_vlan" | "pop_vlan" })
  | (ActionBase & { kind: "push_vlan"; ethertype: string })
  | (ActionBase & { kind: "set_field"; field: string; value: string; mask?: string })
  | (ActionBase & { kind: "load"; value: string; dst: FieldRef })
  | (ActionBase & { kind: "move"; src: FieldRef; dst: FieldRef })
  | (ActionBase & { kind: "resubmit"; port?: string; table?: number; ct?: boolean })
  | (ActionBase & { kind: "goto_table"; table: number })
  | (ActionBase & {
      kind: "ct";
      commit: boolean;
      /** `zone=5` or `zone=NXM_NX_REG6[0..15]` as written. */
      zone?: string;
      table?: number;
      nat?: string;
      /** Actions nested in `exec(...)`. */
      exec: Action[];
      params: Record<string, string>;
    })
  | (ActionBase & { kind: "learn"; specs: string[] })
  | (ActionBase & { kind: "conjunction"; id: number; clause: number; nClauses: number })
  | (ActionBase & { kind: "note"; hex: string })
  | (ActionBase & { kind: "mod_field"; field: string; value: string })
  /** Anything else OVS prints (dec_ttl, set_queue, meter:, write_metadata, …): kept, not interpreted. */
  | (ActionBase & { kind: "other" });

export interface Flow {
  /** 1-based line number in the dump file. */
  line: number;
  /** The line exactly as it was in the dump. */
  text: string;
  cookie: string;
  table: number;
  /** OVS default priority when absent is 32768. */
  priority: number;
  nPackets?: number;
  nBytes?: number;
  /** Seconds. */
  duration?: number;
  idleAge?: number;
  hardAge?: number;
  /** Every info field as written, known or not (lossless). */
  info: FlowInfoField[];
  match: MatchField[];
  actions: Action[];
  /** Span of the text after `actions=`. */
  actionsSpan: Span;
}

export interface FlowDumpHeader {
  /** `NXST_FLOW` (OpenFlow 1.0 with Nicira extensions) or `OFPST_FLOW` (1.1+). */
  kind: string;
  /** `OF1.3` when printed. */
  ofVersion?: string;
  xid?: string;
  line: number;
}

export interface FlowDump {
  headers: FlowDumpHeader[];
  flows: Flow[];
}
