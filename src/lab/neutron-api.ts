/**
 * A minimal client for the lab's neutron-server (noauth). Without Keystone, Neutron takes the caller's
 * identity from headers and wants the project in every body it creates.
 */
import { CONTROLLER_IP, NEUTRON_API_PORT, PROJECT_ID } from "./topology.js";

export const NEUTRON_ENDPOINT = `http://${CONTROLLER_IP}:${NEUTRON_API_PORT}`;

export class NeutronApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

export type Json = Record<string, unknown>;

export class NeutronClient {
  constructor(
    readonly endpoint: string = NEUTRON_ENDPOINT,
    readonly projectId: string = PROJECT_ID,
  ) {}

  /**
   * With sqlite, a write that collides with another worker's transaction fails at once with "database is
   * locked"; where Neutron has no retry of its own the API answers a bare HTTP 500 and rolls back. Trying
   * again a moment later is safe, also for a POST.
   */
  async request<T = Json>(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce<T>(method, path, body, timeoutMs);
      } catch (err) {
        const serverError = err instanceof NeutronApiError && err.status === 500;
        if (!serverError || attempt >= 6) throw err;
        await new Promise((r) => setTimeout(r, 300 * attempt));
      }
    }
  }

  private async requestOnce<T>(method: string, path: string, body: unknown, timeoutMs: number): Promise<T> {
    const url = `${this.endpoint}/v2.0${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-Project-Id": this.projectId,
          "X-Tenant-Id": this.projectId,
          "X-User-Id": "netdoctor-lab",
          "X-Roles": "admin",
        },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new Error(`Neutron API ${method} ${url} unreachable`, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) {
      throw new NeutronApiError(
        `Neutron API ${method} ${path} → HTTP ${res.status}: ${text.slice(0, 500)}`,
        res.status,
        text,
      );
    }
    return (text === "" ? {} : JSON.parse(text)) as T;
  }

  get<T = Json>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  post<T = Json>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, body);
  }

  put<T = Json>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, body);
  }

  /** List a collection (`networks`, `ports`, …) with a query, returning the array inside. */
  async list<T = Json>(collection: string, query: Record<string, string> = {}): Promise<T[]> {
    const qs = new URLSearchParams(query).toString();
    const res = await this.get<Record<string, T[]>>(`/${collection}${qs ? `?${qs}` : ""}`);
    // the URL says security-groups, the body says security_groups
    return res[collection.replaceAll("-", "_")] ?? [];
  }

  /** True once the API answers (GET / lists the versions). */
  async answers(): Promise<boolean> {
    try {
      const res = await fetch(`${this.endpoint}/`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }
}

export interface ApiAgent {
  id: string;
  agent_type: string;
  host: string;
  alive: boolean;
  binary: string;
}

export interface ApiPort {
  id: string;
  name: string;
  status: string;
  mac_address: string;
  network_id: string;
  device_owner: string;
  device_id: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  "binding:host_id"?: string;
  "binding:vif_type"?: string;
  "binding:vif_details"?: Record<string, unknown>;
}
