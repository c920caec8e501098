import assert from "node:assert/strict";
import { test } from "node:test";
import { parseLibvirtDomain } from "../../src/parse/libvirt-xml.js";
import { guideFixture, realFixture } from "../helpers/fixtures.js";

// guide lines 154-162: an excerpt that leaves <domain>, <interface> and <serial> open
test("guide fragment (not well-formed): hybrid-plug interface recovered, unclosed elements reported", () => {
  const { value, issues } = parseLibvirtDomain(guideFixture("libvirt-instance-hybrid.xml"));
  assert.equal(value.domainType, "kvm");
  assert.equal(value.interfaces.length, 1);
  const nic = value.interfaces[0]!;
  assert.equal(nic.type, "bridge");
  assert.equal(nic.mac, "fa:16:3e:a4:56:3d");
  assert.equal(nic.sourceBridge, "qbrff8e411e-6e");
  assert.equal(nic.targetDev, "tapff8e411e-6e");
  assert.equal(nic.model, "virtio");
  assert.equal(nic.virtualport, undefined);
  assert.equal(nic.extra["address@slot"], "0x03");
  // the <serial> the unclosed <interface> swallowed is not an interface detail
  assert.equal(nic.extra["serial@type"], undefined);
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity, i.message]),
    [
      [1, "warning", "<domain> is never closed; read as if closed at the end"],
      [3, "warning", "<interface> is never closed; read as if closed at the end"],
      [9, "warning", "<serial> is never closed; read as if closed at the end"],
    ],
  );
  assert.match(issues[1]!.text ?? "", /<interface type='bridge'>/);
});

test("hotsos /etc/libvirt/qemu/instance-00000001.xml: OVS direct plug with the Neutron port id", () => {
  const { value, issues } = parseLibvirtDomain(
    realFixture("hotsos-ussuri-dvr/libvirt-qemu-instance-00000001.xml"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.name, "instance-00000001");
  assert.equal(value.uuid, "d1d75e2f-ada4-49bc-a963-528d89dfda25");
  assert.equal(value.novaInstanceUuid, "d1d75e2f-ada4-49bc-a963-528d89dfda25");
  assert.equal(value.novaName, "focal-161303-1");
  assert.equal(
    value.consoleLogPath,
    "/var/lib/nova/instances/d1d75e2f-ada4-49bc-a963-528d89dfda25/console.log",
  );
  assert.equal(value.interfaces.length, 1);
  const nic = value.interfaces[0]!;
  assert.equal(nic.type, "bridge");
  assert.equal(nic.mac, "fa:16:3e:a7:45:cb");
  assert.equal(nic.sourceBridge, "br-int");
  assert.deepEqual(nic.virtualport, {
    type: "openvswitch",
    interfaceId: "0e778df8-ca29-490b-8d54-e238b1e0be1c",
  });
  assert.equal(nic.targetDev, "tap0e778df8-ca");
  assert.equal(nic.mtu, 1450);
});

test("virsh dumpxml excerpt with only <interface type='ethernet'> as root (os-vif, no virtualport)", () => {
  const { value, issues } = parseLibvirtDomain(
    realFixture("9506hqwy-study-notes-2024/compute-virsh-dumpxml-interface-ethernet.xml"),
  );
  assert.deepEqual(issues, []);
  assert.equal(value.name, undefined);
  assert.deepEqual(value.interfaces, [
    {
      type: "ethernet",
      mac: "fa:16:3e:ac:ee:39",
      targetDev: "tap0ab9a23c-99",
      model: "virtio",
      mtu: 1500,
      extra: {
        "driver@name": "qemu",
        "alias@name": "net0",
        "address@type": "pci",
        "address@domain": "0x0000",
        "address@bus": "0x00",
        "address@slot": "0x03",
        "address@function": "0x0",
      },
    },
  ]);
});

test("non-Nova domain, file serial console, mismatched closing tag", () => {
  const xml = [
    "<domain type='qemu'>",
    "  <name>testvm</name>",
    "  <uuid>0b7d2d8e-1111-4222-8333-444455556666</uuid>",
    "  <devices>",
    "    <interface type='network'><source network='default'/><mac address='52:54:00:12:34:56'/></interface>",
    "    <serial type='file'><source path='/var/log/testvm.log'/></serial>",
    "  </device>",
    "</domain>",
  ].join("\n");
  const { value, issues } = parseLibvirtDomain(xml);
  assert.equal(value.name, "testvm");
  assert.equal(value.novaInstanceUuid, undefined);
  assert.equal(value.interfaces[0]!.type, "network");
  assert.equal(value.interfaces[0]!.extra["source@network"], "default");
  assert.equal(value.consoleLogPath, "/var/log/testvm.log");
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.line, 7);
  assert.equal(issues[0]!.severity, "error");
});

test("not XML at all: an issue, an empty domain, no exception", () => {
  const { value, issues } = parseLibvirtDomain("error: failed to get domain 'instance-00000009'\n");
  assert.deepEqual(value, { interfaces: [] });
  assert.ok(issues.length >= 1);
  assert.ok(issues.every((i) => i.severity === "error"));
});

test("interface details not modelled stay in extra: virtualport profile, source port group", () => {
  const xml =
    "<interface type='bridge'><source bridge='br-int' portgroup='pg1'/>" +
    "<virtualport type='openvswitch'><parameters interfaceid='11111111-2222-4333-8444-555555555555' profileid='p'/></virtualport>" +
    "<link state='down'/></interface>";
  const { value, issues } = parseLibvirtDomain(xml);
  assert.deepEqual(issues, []);
  const nic = value.interfaces[0]!;
  assert.equal(nic.sourceBridge, "br-int");
  assert.equal(nic.virtualport?.interfaceId, "11111111-2222-4333-8444-555555555555");
  assert.deepEqual(nic.extra, {
    "source@portgroup": "pg1",
    "virtualport/parameters@profileid": "p",
    "link@state": "down",
  });
});
