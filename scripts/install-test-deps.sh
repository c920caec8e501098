#!/bin/sh
# Installs everything the test suite needs on a fresh Debian 12 machine (run as root): the npm packages, then the
# Debian packages of the real components the tests drive (Open vSwitch userspace datapath, iproute2 namespaces,
# tcpdump, lldpd, RabbitMQ and Neutron for the lab). The package list lives in src/lab/install.ts; it installs
# with service starts disabled, so nothing machine-wide starts.
set -eu
cd "$(dirname "$0")/.."
npm ci
node --import tsx src/lab/install.ts
# Test- and bench-only extras: the Open vSwitch project's Python flow parser needs netaddr (bench peer).
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-netaddr
