import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  findOption,
  type IptablesList,
  type IptablesSave,
  type IptListChain,
  type IptRule,
  type IptTable,
  parseIptablesList,
  parseIptablesSave,
} from "../../src/parse/iptables.js";
import { allRealFixtures, realFixture } from "../helpers/fixtures.js";

const lab = (name: string): string => realFixture(`../lab/${name}`);

function table(save: IptablesSave, name: string): IptTable {
  const t = save.tables.find((x) => x.name === name);
  assert.ok(t, `table ${name}`);
  return t;
}

function rulesOf(t: IptTable, chain: string): IptRule[] {
  return t.rules.filter((r) => r.chain === chain);
}

function listChain(list: IptablesList, name: string): IptListChain {
  const c = list.chains.find((x) => x.name === name);
  assert.ok(c, `chain ${name}`);
  return c;
}

/** Each real fixture is either a listing (`Chain X (…)`) or argv lines. */
const isListing = (text: string): boolean => /^Chain /m.test(text);

test("all 18 real iptables fixtures parse; only header-less -S output warns", () => {
  const files = allRealFixtures().filter((f) => f.includes("iptables"));
  assert.equal(files.length, 18);
  let listings = 0;
  for (const f of files) {
    const text = realFixture(f);
    if (isListing(text)) {
      listings++;
      const { value, issues } = parseIptablesList(text);
      assert.deepEqual(issues, [], f);
      assert.ok(value.chains.length > 0, f);
    } else {
      const { value, issues } = parseIptablesSave(text);
      const headerless = !text.includes("\n*") && !text.startsWith("*") && !text.trimStart().startsWith("#");
      assert.deepEqual(
        issues.map((i) => [i.line, i.severity]),
        headerless ? [[1, "warning"]] : [],
        f,
      );
      assert.ok(
        value.tables.some((t) => t.rules.length > 0),
        f,
      );
    }
  }
  assert.equal(listings, 10);
});

test("iptables-save, newton hybrid firewall: tables, policies, counters", () => {
  const { value, issues } = parseIptablesSave(
    realFixture("github-notes-newton-aio-hybrid/iptables-save-compute-hybrid-firewall.txt"),
  );
  // The first line starts with a space as published; it is still a comment.
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.tables.map((t) => [t.name, t.line, t.chains.length, t.rules.length]),
    [
      ["raw", 2, 4, 6],
      ["mangle", 16, 12, 8],
      ["nat", 40, 16, 17],
      ["filter", 77, 21, 71],
    ],
  );
  const filter = table(value, "filter");
  assert.deepEqual(filter.chains[0], {
    line: 78,
    name: "INPUT",
    policy: "ACCEPT",
    counters: { packets: 622109, bytes: 207290282 },
  });
  assert.deepEqual(
    filter.chains.find((c) => c.name === "neutron-openvswi-sg-chain"),
    { line: 92, name: "neutron-openvswi-sg-chain", counters: { packets: 0, bytes: 0 } },
  );
  // Per-port conntrack zones in the raw table.
  const zone = table(value, "raw").rules.find((r) => r.line === 9);
  assert.deepEqual(
    [zone?.target, zone?.targetArgs],
    ["CT", [{ flag: "--zone", value: "1", values: ["1"], negated: false }]],
  );
  assert.deepEqual(findOption(zone!, "--physdev-in")?.value, "qvb0695f2ca-bf");
});

test("iptables-save, newton hybrid firewall: physdev dispatch, ipset remote group, sg-fallback, bare -A FORWARD", () => {
  const filter = table(
    parseIptablesSave(realFixture("github-notes-newton-aio-hybrid/iptables-save-compute-hybrid-firewall.txt"))
      .value,
    "filter",
  );
  const toPort = rulesOf(filter, "neutron-openvswi-sg-chain")[0]!;
  assert.deepEqual(toPort, {
    line: 162,
    table: "filter",
    chain: "neutron-openvswi-sg-chain",
    text: '-A neutron-openvswi-sg-chain -m physdev --physdev-out tap0695f2ca-bf --physdev-is-bridged -m comment --comment "Jump to the VM specific chain." -j neutron-openvswi-i0695f2ca-b',
    matches: [
      {
        module: "physdev",
        options: [
          { flag: "--physdev-out", value: "tap0695f2ca-bf", values: ["tap0695f2ca-bf"], negated: false },
          { flag: "--physdev-is-bridged", values: [], negated: false },
        ],
      },
      {
        module: "comment",
        options: [
          {
            flag: "--comment",
            value: "Jump to the VM specific chain.",
            values: ["Jump to the VM specific chain."],
            negated: false,
          },
        ],
      },
    ],
    target: "neutron-openvswi-i0695f2ca-b",
    targetArgs: [],
    comment: "Jump to the VM specific chain.",
  });
  const ipset = filter.rules.find((r) => r.line === 132)!;
  assert.deepEqual(findOption(ipset, "--match-set"), {
    flag: "--match-set",
    value: "NIPv4e7b85005-a11b-405e-a60f- src",
    values: ["NIPv4e7b85005-a11b-405e-a60f-", "src"],
    negated: false,
  });
  assert.equal(ipset.matches[0]?.module, "set");
  const fallback = rulesOf(filter, "neutron-openvswi-sg-fallback");
  assert.deepEqual(
    fallback.map((r) => [r.line, r.target, r.comment]),
    [[167, "DROP", "Default drop rule for unmatched traffic."]],
  );
  const dhcp = filter.rules.find((r) => r.line === 129)!;
  assert.deepEqual(
    dhcp.matches.map((m) => [m.module, m.options.map((o) => `${o.flag} ${o.value}`)]),
    [
      [undefined, ["-s 172.24.220.3/32", "-p udp"]],
      ["udp", ["--sport 67"]],
      ["udp", ["--dport 68"]],
    ],
  );
  const bare = filter.rules.filter((r) => r.chain === "FORWARD" && r.text === "-A FORWARD");
  assert.deepEqual(
    bare.map((r) => [r.line, r.matches, r.target]),
    [
      [114, [], undefined],
      [115, [], undefined],
    ],
  );
  const reject = filter.rules.find((r) => r.line === 112)!;
  assert.deepEqual(
    [reject.target, findOption(reject, "--reject-with")?.value],
    ["REJECT", "icmp-port-unreachable"],
  );
  const masq = table(
    parseIptablesSave(realFixture("github-notes-newton-aio-hybrid/iptables-save-compute-hybrid-firewall.txt"))
      .value,
    "nat",
  ).rules.find((r) => r.line === 69)!;
  assert.deepEqual(findOption(masq, "-d"), {
    flag: "-d",
    value: "192.168.122.0/24",
    values: ["192.168.122.0/24"],
    negated: true,
  });
});

test("iptables-save, Havana FWaaS: ICMP denied by the firewall chains, default drop", () => {
  const { value, issues } = parseIptablesSave(
    realFixture("github-blog-havana-2013/ip-netns-exec-qrouter-iptables-save-filter-fwaas-icmp-deny.txt"),
  );
  assert.deepEqual(issues, []);
  const filter = table(value, "filter");
  const icmpDrops = filter.rules.filter((r) => findOption(r, "-p")?.value === "icmp" && r.target === "DROP");
  assert.deepEqual(
    icmpDrops.map((r) => [r.line, r.chain]),
    [
      [28, "neutron-l3-agent-iv480daec7b"],
      [31, "neutron-l3-agent-ov480daec7b"],
    ],
  );
  assert.deepEqual(
    rulesOf(filter, "neutron-l3-agent-fwaas-defau").map((r) => [r.target, r.matches]),
    [["DROP", []]],
  );
  const fwd = rulesOf(filter, "neutron-l3-agent-FORWARD")[0]!;
  assert.deepEqual([findOption(fwd, "-o")?.value, fwd.target], ["qr-+", "neutron-l3-agent-iv480daec7b"]);
});

test("iptables-save, Havana hybrid excerpt: multiport and MAC anti-spoofing", () => {
  const filter = table(
    parseIptablesSave(
      realFixture("github-blog-havana-2013/iptables-save-filter-excerpt-compute-hybrid-havana.txt"),
    ).value,
    "filter",
  );
  const mp = filter.rules.find((r) => findOption(r, "--dports") !== undefined)!;
  assert.deepEqual(
    mp.matches.map((m) => m.module),
    [undefined, "tcp", "multiport"],
  );
  assert.equal(findOption(mp, "--dports")?.value, "1:65535");
  const spoof = rulesOf(filter, "neutron-openvswi-s6bc18a88-9");
  assert.deepEqual(
    spoof.map((r) => [findOption(r, "-s")?.value, findOption(r, "--mac-source")?.value, r.target]),
    [
      ["10.10.10.2/32", "FA:16:3E:31:E3:11", "RETURN"],
      [undefined, undefined, "DROP"],
    ],
  );
});

test("iptables-save, DVR qrouter/snat/fip (hotsos): floating IP NAT and negations", () => {
  const nat = table(
    parseIptablesSave(realFixture("hotsos-ussuri-dvr/ip-netns-exec-qrouter-iptables-save.txt")).value,
    "nat",
  );
  const dnat = nat.rules.find((r) => r.target === "DNAT")!;
  assert.deepEqual(
    [
      dnat.line,
      dnat.chain,
      findOption(dnat, "-d")?.value,
      findOption(dnat, "-i")?.value,
      findOption(dnat, "--to-destination")?.value,
    ],
    [29, "neutron-l3-agent-PREROUTING", "10.100.0.203/32", "rfp-984c22fd-6", "192.168.21.18"],
  );
  const snat = nat.rules.find((r) => r.target === "SNAT")!;
  assert.deepEqual(snat.targetArgs, [
    { flag: "--to-source", value: "10.100.0.203", values: ["10.100.0.203"], negated: false },
    { flag: "--random-fully", values: [], negated: false },
  ]);
  const post = nat.rules.find((r) => r.line === 27)!;
  assert.deepEqual(
    post.matches.map((m) => [m.module, m.options.map((o) => [o.flag, o.value, o.negated])]),
    [
      [undefined, [["-o", "rfp-984c22fd-6", true]]],
      ["conntrack", [["--ctstate", "DNAT", true]]],
    ],
  );
  const snatNs = table(
    parseIptablesSave(realFixture("hotsos-ussuri-dvr/ip-netns-exec-snat-iptables-save.txt")).value,
    "nat",
  );
  assert.deepEqual(
    snatNs.rules.filter((r) => r.target === "SNAT").map((r) => [r.line, findOption(r, "--to-source")?.value]),
    [
      [29, "10.100.0.204"],
      [30, "10.100.0.204"],
    ],
  );
  assert.deepEqual(findOption(snatNs.rules.find((r) => r.line === 30)!, "--mark")?.negated, true);
  const raw = table(
    parseIptablesSave(realFixture("hotsos-ussuri-dvr/ip-netns-exec-fip-iptables-save.txt")).value,
    "raw",
  );
  assert.deepEqual(
    raw.rules[2]?.targetArgs.map((o) => o.flag),
    ["--notrack"],
  );
});

test("iptables -S without a table header (yeasy): nat given by the caller, grep'd filter excerpt", () => {
  const { value, issues } = parseIptablesSave(
    realFixture("yeasy-understand-neutron/ip-netns-exec-qrouter-iptables-t-nat-S.txt"),
    "nat",
  );
  assert.deepEqual(issues, []);
  const nat = table(value, "nat");
  assert.deepEqual(nat.chains[0], { line: 1, name: "PREROUTING", policy: "ACCEPT" });
  assert.deepEqual(nat.chains[4], { line: 5, name: "neutron-postrouting-bottom" });
  const fip = nat.rules
    .filter((r) => r.target === "DNAT")
    .map((r) => [r.chain, findOption(r, "--to-destination")?.value]);
  assert.deepEqual(fip, [
    ["neutron-vpn-agen-OUTPUT", "10.0.0.2"],
    ["neutron-vpn-agen-PREROUTING", "10.0.0.2"],
  ]);
  const post = nat.rules.find((r) => r.line === 17)!;
  assert.deepEqual(
    post.matches[0]?.options.map((o) => [o.flag, o.negated]),
    [
      ["-i", true],
      ["-o", true],
    ],
  );
  const grep = parseIptablesSave(realFixture("yeasy-understand-neutron/iptables-S-grep-tap.txt"));
  assert.deepEqual(grep.issues[0]?.message, "no *table header before this line: assuming filter");
  const f = table(grep.value, "filter");
  assert.equal(f.rules.length, 5);
  assert.deepEqual(
    rulesOf(f, "neutron-openvswi-sg-chain").map((r) => [findOption(r, "--physdev-out")?.value, r.target]),
    [
      ["tap583c7038-d3", "neutron-openvswi-i583c7038-d"],
      [undefined, "neutron-openvswi-o583c7038-d"],
    ],
  );
});

test("iptables-save from nf_tables iptables 1.8.9 (lab): `! -s`, lower-case MAC", () => {
  const { value, issues } = parseIptablesSave(lab("iptables-save-nft-netns-hybrid-sg.txt"));
  assert.deepEqual(issues, []);
  const filter = table(value, "filter");
  const icmp = rulesOf(filter, "neutron-openvswi-i1a2b3c4d-5").find(
    (r) => findOption(r, "-p")?.value === "icmp",
  )!;
  assert.deepEqual(findOption(icmp, "-s"), {
    flag: "-s",
    value: "10.99.0.0/24",
    values: ["10.99.0.0/24"],
    negated: true,
  });
  assert.equal(
    findOption(rulesOf(filter, "neutron-openvswi-s1a2b3c4d-5")[0]!, "--mac-source")?.value,
    "fa:16:3e:00:00:02",
  );
  assert.deepEqual(
    table(value, "nat").rules.map((r) => r.target),
    ["neutron-l3-agent-PREROUTING", "REDIRECT", "DNAT"],
  );
  const n2 = parseIptablesSave(lab("iptables-save.n2.txt"));
  assert.deepEqual(n2.issues, []);
  assert.equal(rulesOf(table(n2.value, "filter"), "neutron-openvswi-sg-fallback")[0]?.target, "DROP");
  const s = parseIptablesSave(lab("iptables-S-nft-netns-hybrid-sg.txt"), "filter");
  assert.deepEqual(s.issues, []);
  assert.equal(table(s.value, "filter").rules.length, table(value, "filter").rules.length);
});

test("iptables-save argv edge cases: escaped quotes, old negation, counters, -I, bad lines", () => {
  const text = [
    "*filter",
    ":INPUT DROP [5:300]",
    '[12:720] -A INPUT -m comment --comment "say \\"hi\\" -j x" -j ACCEPT',
    "-A INPUT -s ! 10.0.0.0/8 -p tcp --dport 22 -j ACCEPT",
    "-I INPUT 1 -i lo -g local-chain",
    "-A INPUT -c 3 4 -j DROP",
    '-A INPUT -m comment --comment "open',
    "-X INPUT",
    "COMMIT",
    "-A FORWARD -j ACCEPT",
  ].join("\r\n");
  const { value, issues } = parseIptablesSave(text);
  const filter = value.tables[0]!;
  assert.deepEqual(filter.chains[0], {
    line: 2,
    name: "INPUT",
    policy: "DROP",
    counters: { packets: 5, bytes: 300 },
  });
  const [quoted, old, ins, counted, open] = filter.rules;
  assert.deepEqual(
    [quoted?.comment, quoted?.target, quoted?.counters],
    ['say "hi" -j x', "ACCEPT", { packets: 12, bytes: 720 }],
  );
  assert.deepEqual(findOption(old!, "-s"), {
    flag: "-s",
    value: "10.0.0.0/8",
    values: ["10.0.0.0/8"],
    negated: true,
  });
  // `--dport` without `-m tcp` belongs to the implicit protocol match.
  assert.deepEqual(
    old?.matches.map((m) => m.options.map((o) => o.flag)),
    [["-s", "-p", "--dport"]],
  );
  assert.deepEqual([ins?.target, ins?.goto, findOption(ins!, "-i")?.value], ["local-chain", true, "lo"]);
  assert.deepEqual([counted?.counters, counted?.target], [{ packets: 3, bytes: 4 }, "DROP"]);
  assert.equal(open?.comment, "open");
  // After COMMIT a rule has no table: it goes to a header-less filter table, with a warning.
  assert.deepEqual(
    value.tables.map((t) => [t.name, t.line, t.rules.length]),
    [
      ["filter", 1, 5],
      ["filter", 0, 1],
    ],
  );
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity, i.message]),
    [
      [7, "error", "unterminated quote"],
      [8, "error", "not an iptables-save line"],
      [10, "warning", "no *table header before this line: assuming filter"],
    ],
  );
});

test("iptables -n -t nat -L (9506hqwy, nf_tables `prot 0`): floating IP DNAT 172.16.0.175 -> 192.168.101.85", () => {
  const { value } = parseIptablesList(
    realFixture("9506hqwy-study-notes-2024/controller-ip-netns-exec-qrouter-iptables-n-t-nat-L-fip.txt"),
  );
  assert.equal(value.chains.length, 10);
  assert.deepEqual(listChain(value, "PREROUTING"), {
    line: 1,
    name: "PREROUTING",
    policy: "ACCEPT",
    rules: [
      {
        line: 3,
        target: "neutron-l3-agent-PREROUTING",
        prot: "0",
        opt: "--",
        source: "0.0.0.0/0",
        destination: "0.0.0.0/0",
        rest: "",
        text: "neutron-l3-agent-PREROUTING  0    --  0.0.0.0/0            0.0.0.0/0",
      },
    ],
  });
  const out = listChain(value, "neutron-l3-agent-OUTPUT");
  assert.equal(out.references, 1);
  assert.deepEqual(
    out.rules.map((r) => [r.target, r.destination, r.rest]),
    [["DNAT", "172.16.0.175", "to:192.168.101.85"]],
  );
  const pre = listChain(value, "neutron-l3-agent-PREROUTING").rules;
  assert.deepEqual(
    pre.map((r) => [r.target, r.prot, r.destination, r.rest]),
    [
      ["REDIRECT", "6", "169.254.169.254", "tcp dpt:80 redir ports 9697"],
      ["DNAT", "0", "172.16.0.175", "to:192.168.101.85"],
    ],
  );
  const fsnat = listChain(value, "neutron-l3-agent-float-snat").rules[0];
  assert.deepEqual(
    [fsnat?.target, fsnat?.source, fsnat?.rest],
    ["SNAT", "192.168.101.85", "to:172.16.0.175 random-fully"],
  );
  const bottom = listChain(value, "neutron-postrouting-bottom").rules[0];
  assert.equal(bottom?.comment, "Perform source NAT on outgoing traffic.");
});

test("iptables --line-numbers -vnL (yeasy): neutron-openvswi-i583c7038-d ingress chain", () => {
  const { value, issues } = parseIptablesList(
    realFixture("yeasy-understand-neutron/iptables-vnL-neutron-openvswi-i583c7038-d.txt"),
  );
  assert.deepEqual(issues, []);
  const c = listChain(value, "neutron-openvswi-i583c7038-d");
  assert.equal(c.references, 1);
  assert.deepEqual(
    c.rules.map((r) => [r.num, r.pkts, r.bytes, r.target, r.prot, r.source, r.rest]),
    [
      [1, 0, 0, "DROP", "all", "0.0.0.0/0", "state INVALID"],
      [2, 400, 43350, "RETURN", "all", "0.0.0.0/0", "state RELATED,ESTABLISHED"],
      [3, 1, 60, "RETURN", "tcp", "0.0.0.0/0", "tcp dpt:22"],
      [4, 1, 84, "RETURN", "icmp", "0.0.0.0/0", ""],
      [5, 3885, 1391000, "RETURN", "udp", "192.168.0.3", "udp spt:67 dpt:68"],
      [6, 3885, 1197000, "neutron-openvswi-sg-fallback", "all", "0.0.0.0/0", ""],
    ],
  );
  assert.deepEqual([c.rules[0]?.in, c.rules[0]?.out, c.rules[0]?.opt], ["*", "*", "--"]);
});

test("iptables -vnL (yeasy): policies with abbreviated counters, physdev rows, host INPUT", () => {
  const out = listChain(
    parseIptablesList(realFixture("yeasy-understand-neutron/iptables-vnL-OUTPUT.txt")).value,
    "OUTPUT",
  );
  assert.deepEqual([out.policy, out.packets, out.bytes], ["ACCEPT", 965000, 149000000]);
  assert.deepEqual(
    out.rules.map((r) => [r.pkts, r.bytes]),
    [
      [481000, 107000000],
      [481000, 107000000],
    ],
  );
  const sg = listChain(
    parseIptablesList(realFixture("yeasy-understand-neutron/iptables-vnL-neutron-openvswi-sg-chain.txt"))
      .value,
    "neutron-openvswi-sg-chain",
  );
  assert.deepEqual(
    sg.rules.map((r) => [r.target, r.rest]),
    [
      ["neutron-openvswi-i583c7038-d", "PHYSDEV match --physdev-out tap583c7038-d3 --physdev-is-bridged"],
      ["neutron-openvswi-o583c7038-d", "PHYSDEV match --physdev-in tap583c7038-d3 --physdev-is-bridged"],
      ["ACCEPT", ""],
    ],
  );
  const input = listChain(
    parseIptablesList(realFixture("yeasy-understand-neutron/iptables-vnL-INPUT.txt")).value,
    "INPUT",
  );
  assert.deepEqual([input.rules[0]?.pkts, input.rules[0]?.bytes], [360000, 56000000]);
  assert.deepEqual([input.rules[5]?.in, input.rules[5]?.target], ["lo", "ACCEPT"]);
  assert.equal(input.rules[1]?.comment, "001 nagios-nrpe incoming 192.168.122.100");
  const spoof = listChain(
    parseIptablesList(realFixture("yeasy-understand-neutron/iptables-vnL-neutron-openvswi-s583c7038-d.txt"))
      .value,
    "neutron-openvswi-s583c7038-d",
  );
  assert.deepEqual(spoof.rules[0]?.rest, "MAC FA:16:3E:9C:DC:3A");
});

test("iptables -vnxL (hotsos host, openvswitch firewall): empty built-in chains, exact counters", () => {
  const { value, issues } = parseIptablesList(realFixture("hotsos-ussuri-dvr/iptables-vnxL-host.txt"));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    value.chains.map((c) => [c.name, c.policy, c.packets, c.bytes, c.rules.length]),
    [
      ["INPUT", "ACCEPT", 2146966, 16720463859, 0],
      ["FORWARD", "ACCEPT", 51447171, 14181486425, 0],
      ["OUTPUT", "ACCEPT", 2077592, 7053194122, 0],
    ],
  );
});

test("nf_tables listings from the lab: `!` glued to the source, interface wildcard", () => {
  const { value, issues } = parseIptablesList(lab("iptables-line-numbers-vnL-nft-netns-hybrid-sg.txt"));
  assert.deepEqual(issues, []);
  const neg = listChain(value, "neutron-openvswi-i1a2b3c4d-5").rules[2];
  assert.deepEqual([neg?.num, neg?.prot, neg?.source, neg?.rest], [3, "1", "!10.99.0.0/24", ""]);
  assert.equal(
    listChain(value, "neutron-openvswi-sg-fallback").rules[0]?.comment,
    "Default drop rule for unmatched traffic.",
  );
  const nat = parseIptablesList(lab("iptables-t-nat-vnxL-nft-netns.txt"));
  assert.deepEqual(nat.issues, []);
  const redirect = listChain(nat.value, "neutron-l3-agent-PREROUTING").rules[0];
  assert.deepEqual([redirect?.target, redirect?.in, redirect?.num], ["REDIRECT", "qr-+", undefined]);
});

test("iptables -L edge cases: empty target, ip6tables without opt, header-less rows, CRLF, garbage", () => {
  const text = [
    "Chain FORWARD (policy DROP 10 packets, 2K bytes)",
    "num   pkts bytes target     prot opt in     out     source               destination",
    "1        0     0            all  --  *      *       0.0.0.0/0            0.0.0.0/0",
    "",
    "Chain INPUT (policy ACCEPT)",
    "target     prot opt source               destination",
    "ACCEPT     all      ::/0                 ::/0                 state RELATED,ESTABLISHED",
    "",
    "Chain neutron-openvswi-sg-chain (2 references)",
    "2     8156 2729K neutron-openvswi-o583c7038-d  all  --  *      *       0.0.0.0/0            0.0.0.0/0",
    "Chain weird (something else)",
    "ACCEPT",
  ].join("\r\n");
  const { value, issues } = parseIptablesList(`garbage\r\n${text}`);
  const fwd = listChain(value, "FORWARD");
  assert.deepEqual([fwd.policy, fwd.packets, fwd.bytes], ["DROP", 10, 2000]);
  assert.deepEqual([fwd.rules[0]?.target, fwd.rules[0]?.prot, fwd.rules[0]?.num], [undefined, "all", 1]);
  const v6 = listChain(value, "INPUT").rules[0];
  assert.deepEqual(
    [v6?.target, v6?.prot, v6?.opt, v6?.source, v6?.rest],
    ["ACCEPT", "all", undefined, "::/0", "state RELATED,ESTABLISHED"],
  );
  const grep = listChain(value, "neutron-openvswi-sg-chain").rules[0];
  assert.deepEqual(
    [grep?.num, grep?.pkts, grep?.bytes, grep?.target, grep?.in],
    [2, 8156, 2729000, "neutron-openvswi-o583c7038-d", "*"],
  );
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity, i.message]),
    [
      [1, "error", "rule row before any `Chain` header"],
      [12, "warning", "unrecognised chain header details"],
      [13, "error", "too few columns for a rule row"],
    ],
  );
});

test("never throws on arbitrary or mangled input; issue lines stay in range", () => {
  const sample = realFixture("github-notes-newton-aio-hybrid/iptables-save-compute-hybrid-firewall.txt")
    .concat(realFixture("yeasy-understand-neutron/iptables-vnL-INPUT.txt"))
    .split("\n");
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constantFrom(...sample), fc.string())), (lines) => {
      const text = lines.join("\n");
      const max = text.split("\n").length;
      for (const parse of [(t: string) => parseIptablesSave(t), parseIptablesList]) {
        for (const i of parse(text).issues) assert.ok(i.line >= 0 && i.line <= max, i.message);
      }
    }),
  );
});
