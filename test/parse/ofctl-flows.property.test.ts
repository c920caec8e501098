import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Action, Flow } from "../../src/openflow/flow.js";
import {
  formatAction,
  formatFlow,
  isFlow,
  parseFlowDump,
  parseFlowLine,
} from "../../src/parse/ofctl-flows.js";
import { allRealFixtures, realFixture } from "../helpers/fixtures.js";

// ---- what "the same flow" means: every field but positions and the line's own text

/** Kind and interpreted fields; the raw `arg` only where it is the whole content (kind "other"). */
function plainAction(a: Action): unknown {
  const { span: _span, arg, ...rest } = a;
  if (a.kind === "ct") return { ...rest, exec: a.exec.map(plainAction) };
  return a.kind === "other" ? { ...rest, arg } : rest;
}

function plain(f: Flow): unknown {
  return {
    cookie: f.cookie,
    table: f.table,
    tableName: f.tableName,
    priority: f.priority,
    nPackets: f.nPackets,
    nBytes: f.nBytes,
    duration: f.duration,
    idleAge: f.idleAge,
    hardAge: f.hardAge,
    info: f.info.map((i) => [i.name, i.value]),
    match: f.match.map((m) => [m.name, m.value, m.mask, m.quoted]),
    actions: f.actions.map(plainAction),
  };
}

function parsed(text: string, lineNo = 1): Flow {
  const r = parseFlowLine(text, lineNo);
  assert.ok(isFlow(r), `${JSON.stringify(r)}`);
  return r;
}

/** Text → flow → canonical text → flow gives the same flow, and the canonical text is a fixed point. */
function assertRoundTrip(text: string): Flow {
  const first = parsed(text);
  const canonical = formatFlow(first);
  const second = parsed(canonical);
  assert.deepEqual(plain(second), plain(first), `${text}\n${canonical}`);
  assert.equal(formatFlow(second), canonical);
  return first;
}

// ---- generators of Neutron-shaped flow text

const hex = (max: number) => fc.integer({ min: 0, max }).map((n) => "0x" + n.toString(16));
const dec = (max: number) => fc.integer({ min: 0, max }).map(String);
const byte = fc.integer({ min: 0, max: 255 }).map((b) => b.toString(16).padStart(2, "0"));
const mac = fc.tuple(byte, byte, byte, byte, byte, byte).map((b) => b.join(":"));
const ipv4 = fc.tuple(dec(255), dec(255), dec(255), dec(255)).map((b) => b.join("."));
const ipv6 = fc.tuple(hex(0xffff), hex(0xffff)).map(([a, b]) => `fe80::${a.slice(2)}:${b.slice(2)}`);
const portName = fc
  .tuple(fc.constantFrom("tap", "qvo", "int-br-", "patch-"), fc.integer({ min: 0, max: 0xffffff }))
  .map(([p, n]) => p + n.toString(16));
const reg = fc.integer({ min: 0, max: 15 }).map((n) => `reg${n}`);
const nxm = fc.constantFrom(
  "NXM_NX_REG5",
  "NXM_NX_REG6",
  "NXM_OF_VLAN_TCI",
  "NXM_NX_TUN_ID",
  "NXM_NX_CT_MARK",
  "OXM_OF_METADATA",
);
const bits = fc.oneof(
  fc.constant(""),
  fc.integer({ min: 0, max: 31 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 16, max: 31 })).map(([a, b]) => `${a}..${b}`),
);
const fieldRef = fc.tuple(nxm, bits).map(([f, b]) => `${f}[${b}]`);

/** [name, value?, mask?, quoted] and its text. */
type GenMatch = [string, string | undefined, string | undefined, boolean];
const m = (name: string, value: fc.Arbitrary<string>, mask?: fc.Arbitrary<string>): fc.Arbitrary<GenMatch> =>
  fc
    .tuple(value, mask === undefined ? fc.constant(undefined) : fc.option(mask, { nil: undefined }))
    .map(([v, k]): GenMatch => [name, v, k, false]);
const matchField: fc.Arbitrary<GenMatch> = fc.oneof(
  fc
    .constantFrom("ip", "arp", "tcp", "udp", "icmp", "icmp6", "ipv6", "tcp6", "udp6", "rarp", "sctp")
    .map((p): GenMatch => [p, undefined, undefined, false]),
  m("in_port", dec(65279)),
  portName.map((n): GenMatch => ["in_port", n, undefined, true]),
  m("dl_vlan", dec(4095)),
  m("vlan_tci", hex(0xffff), fc.constantFrom("0x1fff", "0x1000", "0x0fff")),
  m("dl_src", mac, mac),
  m("dl_dst", mac, mac),
  m("nw_src", ipv4, dec(32)),
  m("nw_dst", ipv4, ipv4),
  m("arp_spa", ipv4),
  m("arp_tpa", ipv4, dec(32)),
  m("arp_sha", mac),
  m("arp_tha", mac),
  m("tp_src", dec(65535), hex(0xffff)),
  m("tp_dst", hex(0xffff), hex(0xffff)),
  reg.chain((r) => m(r, hex(0xffffffff), hex(0xffffffff))),
  m(
    "ct_state",
    fc
      .uniqueArray(fc.constantFrom("new", "est", "rel", "rpl", "inv", "trk"), { minLength: 1, maxLength: 4 })
      .chain((fs) => fc.tuple(...fs.map((f) => fc.constantFrom("+" + f, "-" + f))).map((xs) => xs.join(""))),
  ),
  m("ct_zone", dec(65535)),
  m("ct_mark", hex(0xffff), hex(0xffff)),
  m("metadata", hex(0xffffff), hex(0xffffff)),
  m("ipv6_src", ipv6, dec(128)),
  m("ipv6_dst", ipv6),
  m("nd_target", ipv6),
  m("icmp_type", dec(255)),
  m("icmp_code", dec(255)),
  m("icmpv6_type", dec(255)),
  m("tun_id", hex(0xffffff), hex(0xffffff)),
  m("conj_id", dec(100000)),
  m("pkt_mark", hex(0xffff)),
);
const matchText = ([name, value, mask, quoted]: GenMatch): string =>
  value === undefined
    ? name
    : `${name}=${quoted ? `"${value}"` : value}${mask === undefined ? "" : `/${mask}`}`;

const table = dec(254);
/** Actions in the canonical spelling formatAction prints. */
const simpleAction: fc.Arbitrary<string> = fc.oneof(
  dec(65279).map((p) => `output:${p}`),
  portName.map((p) => `output:"${p}"`),
  fc.constantFrom(
    "NORMAL",
    "LOCAL",
    "IN_PORT",
    "FLOOD",
    "ALL",
    "strip_vlan",
    "pop_vlan",
    "ct_clear",
    "dec_ttl",
  ),
  fc.constantFrom(
    "clear_actions",
    "push_vlan:0x8100",
    "CONTROLLER:65535",
    "controller(userdata=00.00.00.01,pause)",
  ),
  dec(4095).map((v) => `mod_vlan_vid:${v}`),
  dec(7).map((v) => `mod_vlan_pcp:${v}`),
  table.map((t) => `resubmit(,${t})`),
  fc.tuple(dec(65279), table).map(([p, t]) => `resubmit(${p},${t})`),
  dec(65279).map((p) => `resubmit:${p}`),
  table.map((t) => `resubmit(,${t},ct)`),
  table.map((t) => `goto_table:${t}`),
  dec(8191).map((v) => `set_field:${v}->vlan_vid`),
  fc.tuple(hex(0xffff), hex(0xffff), reg).map(([v, k, r]) => `set_field:${v}/${k}->${r}`),
  mac.map((v) => `set_field:${v}->eth_src`),
  fc.tuple(hex(0xffff), fieldRef).map(([v, f]) => `load:${v}->${f}`),
  fc.tuple(fieldRef, fieldRef).map(([a, b]) => `move:${a}->${b}`),
  fc.tuple(dec(100000), dec(3), dec(3)).map(([id, k, n]) => `conjunction(${id},${k}/${n})`),
  fc.array(byte, { minLength: 1, maxLength: 6 }).map((b) => `note:${b.join(".")}`),
  mac.map((v) => `mod_dl_src:${v}`),
  mac.map((v) => `mod_dl_dst:${v}`),
  hex(0xffffff).map((v) => `set_tunnel:${v}`),
  dec(100).map((v) => `meter:${v}`),
  fc.constant("write_metadata:0x1/0xff"),
  fc.constant(
    "learn(table=20,hard_timeout=300,priority=1,cookie=0x1,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[])",
  ),
);
const ctAction: fc.Arbitrary<string> = fc
  .record({
    commit: fc.boolean(),
    table: fc.option(table, { nil: undefined }),
    zone: fc.option(fc.oneof(dec(65535), fc.constant("NXM_NX_REG6[0..15]")), { nil: undefined }),
    nat: fc.option(fc.constantFrom("", "src=10.0.0.1", "dst=10.0.0.2:80"), { nil: undefined }),
    exec: fc.array(
      fc.oneof(
        hex(0xff).map((v) => `load:${v}->NXM_NX_CT_MARK[]`),
        hex(0xff).map((v) => `set_field:${v}->ct_mark`),
      ),
      {
        maxLength: 2,
      },
    ),
  })
  .map(({ commit, table: t, zone, nat, exec }) => {
    const parts: string[] = [];
    if (commit) parts.push("commit");
    if (t !== undefined) parts.push(`table=${t}`);
    if (zone !== undefined) parts.push(`zone=${zone}`);
    if (nat !== undefined) parts.push(nat === "" ? "nat" : `nat(${nat})`);
    if (exec.length > 0) parts.push(`exec(${exec.join(",")})`);
    return `ct(${parts.join(",")})`;
  });
const actionText = fc.oneof({ weight: 4, arbitrary: simpleAction }, { weight: 1, arbitrary: ctAction });

interface GenFlow {
  cookie: string;
  table: number;
  priority: number;
  stats: { duration: string; packets: number; bytes: number; idle: number } | undefined;
  flags: string[];
  match: GenMatch[];
  actions: string[];
  bridgeForm: boolean;
}

const genFlow: fc.Arbitrary<GenFlow> = fc.record({
  cookie: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((c) => "0x" + c.toString(16)),
  table: fc.integer({ min: 0, max: 254 }),
  priority: fc.integer({ min: 0, max: 65535 }),
  stats: fc.option(
    fc.record({
      duration: fc.tuple(dec(999999), dec(999)).map(([s, ms]) => `${s}.${ms.padStart(3, "0")}s`),
      packets: fc.integer({ min: 0, max: 2 ** 40 }),
      bytes: fc.integer({ min: 0, max: 2 ** 50 }),
      idle: fc.integer({ min: 0, max: 65535 }),
    }),
    { nil: undefined },
  ),
  flags: fc.subarray([
    "idle_timeout=60",
    "hard_timeout=300",
    "importance=5",
    "send_flow_rem",
    "reset_counts",
  ]),
  match: fc.array(matchField, { maxLength: 6 }),
  actions: fc.array(actionText, { minLength: 1, maxLength: 5 }),
  bridgeForm: fc.boolean(),
});

/** As ovs-ofctl prints it, or (bridgeForm) as ovs-appctl bridge/dump-flows does. */
function render(g: GenFlow): string {
  const match = ["priority=" + g.priority, ...g.match.map(matchText)].join(",");
  if (g.bridgeForm) {
    const stats =
      g.stats === undefined
        ? ""
        : `duration=${g.stats.duration}, n_packets=${g.stats.packets}, n_bytes=${g.stats.bytes}, `;
    return `table_id=${g.table}, ${stats}${match},actions=${g.actions.join(",")}`;
  }
  let info = ` cookie=${g.cookie}, `;
  if (g.stats !== undefined)
    info += `duration=${g.stats.duration}, table=${g.table}, n_packets=${g.stats.packets}, n_bytes=${g.stats.bytes}, `;
  else info += `table=${g.table}, `;
  for (const f of g.flags) info += f.includes("=") ? f + ", " : f + " ";
  if (g.stats !== undefined) info += `idle_age=${g.stats.idle}, `;
  return `${info}${match} actions=${g.actions.join(",")}`;
}

test("generated flows: parsed fields are the generated ones, and text → flow → formatFlow → flow is stable", () => {
  fc.assert(
    fc.property(genFlow, (g) => {
      const text = render(g);
      const f = assertRoundTrip(text);
      assert.equal(f.table, g.table);
      assert.equal(f.priority, g.priority);
      assert.equal(f.cookie, g.bridgeForm ? "0x0" : g.cookie);
      assert.equal(f.nPackets, g.stats?.packets);
      assert.equal(f.nBytes, g.stats?.bytes);
      assert.deepEqual(
        f.match.map((x) => [x.name, x.value, x.mask, x.quoted]),
        g.match,
      );
      assert.deepEqual(
        f.actions.map((a) => formatAction(a)),
        g.actions,
      );
      if (!g.bridgeForm) assert.equal(formatFlow(f), text);
    }),
    { numRuns: 400 },
  );
});

const REAL_LINES = allRealFixtures()
  .filter((f) => /ofctl-dump-flows|ofctl-O-OpenFlow13-dump-flows|bridge-dump-flows|ovsfw-flows/.test(f))
  .flatMap((f) => realFixture(f).split("\n"))
  .filter((l) => l.includes("actions="));

test("every real fixture line round-trips to an equivalent flow", () => {
  assert.ok(REAL_LINES.length > 700);
  for (const l of REAL_LINES) assertRoundTrip(l);
});

/** Whatever the input, parsing does not throw, and every flow it yields can be built, printed and re-read. */
function assertWellBehaved(text: string): void {
  const lines = text.split(/\r?\n/).length;
  const r = parseFlowDump(text);
  for (const i of r.issues) assert.ok(i.line >= 1 && i.line <= lines, `issue line ${i.line}`);
  for (const h of r.value.headers) assert.ok(h.line >= 1 && h.line <= lines);
  for (const f of r.value.flows) {
    assert.ok(f.line >= 1 && f.line <= lines);
    JSON.stringify(f);
    assertRoundTrip(formatFlow(f));
  }
}

const NOISY = [..."abcdeiklmnoprstuvx0123456789 ,=:/()[]{}\"'\\.->+_\t\u00a0é"];

test("random text never throws and yields flows or issues with the right line numbers", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.string({ unit: fc.constantFrom(...NOISY), maxLength: 80 }),
          fc.string({ unit: "binary", maxLength: 40 }),
          fc.constantFrom(...REAL_LINES),
        ),
        {
          maxLength: 8,
        },
      ),
      (lines) => assertWellBehaved(lines.join("\n")),
    ),
    { numRuns: 400 },
  );
});

test("mutated real lines: a flow that can be re-read, or an issue naming the line", () => {
  const edit = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom("insert", "delete", "replace"),
    ch: fc.constantFrom(...NOISY),
  });
  fc.assert(
    fc.property(
      fc.constantFrom(...REAL_LINES),
      fc.array(edit, { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 1, max: 9999 }),
      (l, edits, lineNo) => {
        let s = l;
        for (const e of edits) {
          const at = e.at % (s.length + 1);
          if (e.kind === "insert") s = s.slice(0, at) + e.ch + s.slice(at);
          else if (e.kind === "delete") s = s.slice(0, at) + s.slice(at + 1);
          else s = s.slice(0, at) + e.ch + s.slice(at + 1);
        }
        const r = parseFlowLine(s, lineNo);
        if (isFlow(r)) {
          assert.equal(r.line, lineNo);
          assert.equal(r.text, s);
          assertRoundTrip(formatFlow(r));
        } else {
          assert.equal(r.line, lineNo);
          assert.equal(r.text, s);
          assert.equal(r.severity, "error");
        }
      },
    ),
    { numRuns: 1500 },
  );
});
