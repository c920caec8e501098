"""Peer for bench/flow-parse.ts: parse an ovs-ofctl dump-flows file with the Open vSwitch
project's own Python parser (ovs.flow, Debian's python3-openvswitch) and print
{"flows": N, "seconds": S} as JSON. Run with Debian's /usr/bin/python3.

Usage: ovs_flow_parse.py DUMP_FILE
"""

import json
import sys
import time

try:
    import ovs.flow.kv
    from ovs.flow.ofp import OFPFlow
except ImportError as e:
    print(json.dumps({"error": "cannot import ovs.flow (apt-get install python3-openvswitch python3-netaddr): %s" % e}))
    sys.exit(2)

# OVS 3.1's info decoder knows `n_packet` (sic) but not `n_packets` or `idle_age`: without this
# it raises ParseError on any dump that carries statistics.
ovs.flow.kv.KVDecoders.strict = False


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    start = time.perf_counter()
    flows = 0
    for line in text.splitlines():
        if "actions=" in line:
            OFPFlow(line)
            flows += 1
    seconds = time.perf_counter() - start
    print(json.dumps({"flows": flows, "seconds": seconds}))


if __name__ == "__main__":
    main()
