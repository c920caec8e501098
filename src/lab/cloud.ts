/**
 * The guide's tenant objects, created through the real Neutron API: the VLAN networks int-net-320…328 on
 * physnet trunknet, the flat external network, security-group rules for ICMP and SSH, a router with a
 * gateway and an interface on int-net-324, the VMs' ports (bound to their hosts as Nova would) and a
 * floating IP. Every id is recorded in the lab state as soon as it exists.
 */
import { type ApiPort, type Json, NeutronApiError, type NeutronClient } from "./neutron-api.js";
import { allSettledOrThrow, waitFor } from "./run.js";
import type { StateStore } from "./state.js";
import {
  EXTERNAL_NETWORK,
  type LabVm,
  PHYSNET_VLAN,
  PROJECT_ID,
  ROUTER,
  TENANT_NETWORKS,
  type TenantNetwork,
  tenantNetworkByName,
} from "./topology.js";

/** The router's address on the external network (fixed, so faults and docs can name it). */
export const ROUTER_GATEWAY_IP = "172.24.4.10";

interface Named {
  id: string;
  name: string;
}

async function findByName(api: NeutronClient, collection: string, name: string): Promise<Named | undefined> {
  const found = await api.list<Named>(collection, { name, project_id: PROJECT_ID });
  return found[0];
}

async function ensure(
  api: NeutronClient,
  collection: string,
  singular: string,
  name: string,
  body: Json,
): Promise<string> {
  const existing = await findByName(api, collection, name);
  if (existing !== undefined) return existing.id;
  const res = await api.post<Record<string, Named>>(`/${collection}`, {
    [singular]: { name, tenant_id: PROJECT_ID, ...body },
  });
  const created = res[singular];
  if (created === undefined) throw new Error(`Neutron returned no ${singular} for ${name}`);
  return created.id;
}

async function createTenantNetwork(api: NeutronClient, store: StateStore, net: TenantNetwork): Promise<void> {
  const id = await ensure(api, "networks", "network", net.name, {
    "provider:network_type": "vlan",
    "provider:physical_network": PHYSNET_VLAN,
    "provider:segmentation_id": net.segmentationId,
  });
  store.neutronId("networks", net.name, id);
  const subnetId = await ensure(api, "subnets", "subnet", `${net.name}-subnet`, {
    network_id: id,
    ip_version: 4,
    cidr: net.cidr,
    gateway_ip: net.gateway,
    enable_dhcp: true,
  });
  store.neutronId("subnets", net.name, subnetId);
}

async function createExternalNetwork(api: NeutronClient, store: StateStore): Promise<void> {
  const extId = await ensure(api, "networks", "network", EXTERNAL_NETWORK.name, {
    "router:external": true,
    "provider:network_type": "flat",
    "provider:physical_network": EXTERNAL_NETWORK.physnet,
  });
  store.neutronId("networks", EXTERNAL_NETWORK.name, extId);
  const extSubnet = await ensure(api, "subnets", "subnet", `${EXTERNAL_NETWORK.name}-subnet`, {
    network_id: extId,
    ip_version: 4,
    cidr: EXTERNAL_NETWORK.cidr,
    gateway_ip: EXTERNAL_NETWORK.gateway,
    enable_dhcp: false,
    allocation_pools: [EXTERNAL_NETWORK.pool],
  });
  store.neutronId("subnets", EXTERNAL_NETWORK.name, extSubnet);
}

/** All networks at once: the API server handles requests concurrently, and each one waits on sqlite anyway. */
export async function createNetworks(api: NeutronClient, store: StateStore): Promise<void> {
  await allSettledOrThrow([
    ...TENANT_NETWORKS.map((net) => createTenantNetwork(api, store, net)),
    createExternalNetwork(api, store),
  ]);
}

/** The project's default group (Neutron makes it on first sight) plus the guide's ICMP rule and SSH. */
export async function createSecurityRules(api: NeutronClient, store: StateStore): Promise<string> {
  // Neutron makes a project's default group itself when it first sees the project (and a listing can
  // race with that creation), so wait for it rather than create it
  const sg = await waitFor(
    "the project's default security group",
    async () =>
      (await api.list<Named>("security-groups", { project_id: PROJECT_ID })).find(
        (g) => g.name === "default",
      ),
    { timeoutMs: 20_000, intervalMs: 500 },
  );
  store.neutronId("securityGroups", "default", sg.id);
  const rules: Json[] = [{ protocol: "icmp" }, { protocol: "tcp", port_range_min: 22, port_range_max: 22 }];
  for (const r of rules) {
    try {
      await api.post("/security-group-rules", {
        security_group_rule: {
          security_group_id: sg.id,
          tenant_id: PROJECT_ID,
          direction: "ingress",
          ethertype: "IPv4",
          remote_ip_prefix: "0.0.0.0/0",
          ...r,
        },
      });
    } catch (err) {
      // 409: the rule is already there (a second `up` on a kept database)
      if (!(err instanceof NeutronApiError && err.status === 409)) throw err;
    }
  }
  return sg.id;
}

export async function createRouter(api: NeutronClient, store: StateStore): Promise<string> {
  const extId = store.state.neutron.networks[EXTERNAL_NETWORK.name];
  const extSubnet = store.state.neutron.subnets[EXTERNAL_NETWORK.name];
  const subnetId = store.state.neutron.subnets[ROUTER.network];
  if (extId === undefined || extSubnet === undefined || subnetId === undefined) {
    throw new Error("createRouter: networks must be created first");
  }
  const id = await ensure(api, "routers", "router", ROUTER.name, {
    external_gateway_info: {
      network_id: extId,
      enable_snat: true,
      external_fixed_ips: [{ subnet_id: extSubnet, ip_address: ROUTER_GATEWAY_IP }],
    },
  });
  store.neutronId("routers", ROUTER.name, id);
  const ifaces = await api.list<ApiPort>("ports", {
    device_id: id,
    device_owner: "network:router_interface",
  });
  if (!ifaces.some((p) => p.fixed_ips.some((f) => f.subnet_id === subnetId))) {
    await api.put(`/routers/${id}/add_router_interface`, { subnet_id: subnetId });
  }
  return id;
}

/** A VM's port as Nova asks for it: owner compute:nova, device = instance uuid, bound to the VM's host. */
export async function createVmPort(
  api: NeutronClient,
  store: StateStore,
  vm: LabVm,
  sgId: string,
): Promise<ApiPort> {
  const net = tenantNetworkByName(vm.network);
  const netId = store.state.neutron.networks[vm.network];
  const subnetId = store.state.neutron.subnets[vm.network];
  if (net === undefined || netId === undefined || subnetId === undefined) {
    throw new Error(`createVmPort ${vm.name}: network ${vm.network} does not exist`);
  }
  const name = `${vm.name}-port`;
  const existing = await api.list<ApiPort>("ports", { name, project_id: PROJECT_ID });
  let port = existing.find((p) => p.name === name);
  if (port === undefined) {
    const body: Json = {
      name,
      tenant_id: PROJECT_ID,
      network_id: netId,
      fixed_ips: [{ subnet_id: subnetId, ip_address: vm.ip }],
      device_owner: "compute:nova",
      device_id: vm.uuid,
      security_groups: [sgId],
      "binding:host_id": vm.node,
    };
    if (vm.mac !== undefined) body["mac_address"] = vm.mac;
    const res = await api.post<{ port: ApiPort }>("/ports", { port: body });
    port = res.port;
  }
  store.neutronId("ports", vm.name, port.id);
  return port;
}

export async function createFloatingIp(
  api: NeutronClient,
  store: StateStore,
  vm: LabVm,
): Promise<string | undefined> {
  if (vm.floatingIp === undefined) return undefined;
  const extId = store.state.neutron.networks[EXTERNAL_NETWORK.name];
  const portId = store.state.neutron.ports[vm.name];
  if (extId === undefined || portId === undefined)
    throw new Error(`createFloatingIp ${vm.name}: port or network missing`);
  const existing = await api.list<{ id: string }>("floatingips", { floating_ip_address: vm.floatingIp });
  let id = existing[0]?.id;
  if (id === undefined) {
    const res = await api.post<{ floatingip: { id: string } }>("/floatingips", {
      floatingip: {
        tenant_id: PROJECT_ID,
        floating_network_id: extId,
        floating_ip_address: vm.floatingIp,
        port_id: portId,
        fixed_ip_address: vm.ip,
      },
    });
    id = res.floatingip.id;
  }
  store.neutronId("floatingIps", vm.name, id);
  return id;
}

/** Every port of the lab's networks (VMs, DHCP, router), for "is everything ACTIVE" waits. */
export async function labPorts(api: NeutronClient, store: StateStore): Promise<ApiPort[]> {
  const netIds = new Set(Object.values(store.state.neutron.networks));
  const ports = await api.list<ApiPort>("ports");
  return ports.filter((p) => netIds.has(p.network_id));
}

/**
 * Zed schedules a network to a DHCP agent when the agent syncs or when a port is created on it; networks
 * made while the agent was starting and still without ports would stay without DHCP. Do what an operator
 * does (`openstack network agent add network --dhcp`) for each tenant network that no agent hosts yet.
 */
export async function scheduleDhcp(
  api: NeutronClient,
  store: StateStore,
  dhcpAgentId: string,
): Promise<void> {
  for (const net of TENANT_NETWORKS) {
    const id = store.state.neutron.networks[net.name];
    if (id === undefined) continue;
    const hosting = await api.get<{ agents?: unknown[] }>(`/networks/${id}/dhcp-agents`);
    if ((hosting.agents ?? []).length > 0) continue;
    try {
      await api.post(`/agents/${dhcpAgentId}/dhcp-networks`, { network_id: id });
    } catch (err) {
      // 409: the agent picked it up meanwhile
      if (!(err instanceof NeutronApiError && err.status === 409)) throw err;
    }
  }
}
