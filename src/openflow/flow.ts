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
  | (ActionBase & {
      kind: "output";
      /** Port number, reserved name, `--names` name (unquoted) or field (`NXM_NX_REG0[]`), as written. */
      port: string;
      quoted?: boolean;
      /** `output(port=…,max_len=N)`: bytes to send. */
      maxLen?: number;
    })
  | (ActionBase & { kind: "normal" | "local" | "in_port" | "flood" | "all" | "drop" })
  | (ActionBase & { kind: "controller"; params: Record<string, string> })
  | (ActionBase & { kind: "mod_vlan_vid"; vid: number })
  | (ActionBase & { kind: "mod_vlan_pcp"; pcp: number })
  | (ActionBase & { kind: "strip_vlan" | "pop_vlan" })
  | (ActionBase & { kind: "push_vlan"; ethertype: string })
  /** Also `set_tunnel:V` / `set_tunnel64:V` (field `tun_id`; `name` keeps the keyword). */
  | (ActionBase & { kind: "set_field"; field: string; value: string; mask?: string })
  | (ActionBase & { kind: "load"; value: string; dst: FieldRef })
  | (ActionBase & { kind: "move"; src: FieldRef; dst: FieldRef })
  | (ActionBase & {
      kind: "resubmit";
      /** As written, quotes included (`IN_PORT`, `3`, `"tap1"`); absent when empty (`resubmit(,60)`). */
      port?: string;
      table?: number;
      /** Set (and `table` is -1) when the table was printed by name. */
      tableName?: string;
      ct?: boolean;
    })
  | (ActionBase & { kind: "goto_table"; table: number; tableName?: string })
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
  /** `mod_dl_src:…`, `mod_nw_dst:…`, …: `field` is the part after `mod_` (`dl_src`). */
  | (ActionBase & { kind: "mod_field"; field: string; value: string })
  /** Anything else OVS prints (dec_ttl, set_queue, meter:, write_metadata, …): kept, not interpreted. */
  | (ActionBase & {
      kind: "other";
      /** The whole action as written, so it can be printed back unchanged. */
      raw?: string;
    });

/**
 * Flows from parse/ofctl-flows.ts build `info`, `match`, `actions` and `actionsSpan` from `text` on
 * first access (a dump can hold hundreds of thousands of flows): read and assign them as usual;
 * JSON.stringify gives every field, while a spread (`{...flow}`) copies only those already read.
 */
export interface Flow {
  /** 1-based line number in the dump file. */
  line: number;
  /** The line exactly as it was in the dump. */
  text: string;
  /** `0x0` when the dump does not print one (ovs-appctl bridge/dump-flows). */
  cookie: string;
  /** -1 when the table was printed only by name (see tableName). */
  table: number;
  /** Table name as printed by `--names` when the table has one. */
  tableName?: string;
  /** OVS default priority when absent is 32768. */
  priority: number;
  nPackets?: number;
  nBytes?: number;
  /** Seconds. */
  duration?: number;
  idleAge?: number;
  hardAge?: number;
  /** Every info field as written, known or not (lossless); `priority` is kept here too, not in `match`. */
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
