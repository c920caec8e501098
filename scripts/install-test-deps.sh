#!/bin/sh
# Installs everything the test suite needs on a fresh Debian 12 machine (run as root), then the npm packages.
# The tests use real components (Open vSwitch userspace datapath, namespaces, tcpdump, lldpd), never mocks.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  openvswitch-switch python3-openvswitch python3-netaddr \
  iproute2 iptables tcpdump lldpd ethtool iputils-ping procps
npm ci
