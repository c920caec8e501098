/**
 * The lab's memory of what it made. Every namespace, link, process, file and directory is written here
 * *before* it is created (intent first), so `lab down` can undo exactly that — also after an `up` that
 * failed half-way or was killed. The file is rewritten atomically after every change.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";

export const processRecordSchema = z.object({
  /** Stable label, e.g. `compute/ovs-vswitchd` or `network/neutron-l3-agent`. */
  name: z.string(),
  pid: z.number().int(),
  /** Field 22 of /proc/<pid>/stat: with the pid it identifies the process even after pid reuse. */
  startTime: z.string(),
  ns: z.string().nullable(),
  argv: z.array(z.string()),
  log: z.string().optional(),
});
export type ProcessRecord = z.infer<typeof processRecordSchema>;

export const linkRecordSchema = z.object({
  kind: z.enum(["veth", "bridge"]),
  name: z.string(),
  /** Namespace of the named end; null = the root namespace. */
  ns: z.string().nullable(),
  /** The other end of a veth pair. */
  peer: z.string().optional(),
  peerNs: z.string().nullable().optional(),
});
export type LinkRecord = z.infer<typeof linkRecordSchema>;

export const neutronIdsSchema = z.object({
  networks: z.record(z.string(), z.string()),
  subnets: z.record(z.string(), z.string()),
  routers: z.record(z.string(), z.string()),
  ports: z.record(z.string(), z.string()),
  floatingIps: z.record(z.string(), z.string()),
  securityGroups: z.record(z.string(), z.string()),
});
export type NeutronIds = z.infer<typeof neutronIdsSchema>;

export const labStateSchema = z.object({
  version: z.literal(1),
  labDir: z.string(),
  phase: z.enum(["building", "up", "failed"]),
  startedAt: z.string(),
  error: z.string().optional(),
  namespaces: z.array(z.string()),
  links: z.array(linkRecordSchema),
  processes: z.array(processRecordSchema),
  files: z.array(z.string()),
  /** Directories made by the lab: removed with their content. */
  dirs: z.array(z.string()),
  /** Directories/placeholders outside the lab dir (mount points): removed only if still empty. */
  mountPoints: z.array(z.string()),
  neutron: neutronIdsSchema,
  /** Seconds from the start of `up` to the end of each phase. */
  timings: z.record(z.string(), z.number()),
});
export type LabState = z.infer<typeof labStateSchema>;

export function emptyNeutronIds(): NeutronIds {
  return { networks: {}, subnets: {}, routers: {}, ports: {}, floatingIps: {}, securityGroups: {} };
}

export function readState(file: string): LabState | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`lab state file ${file} is not valid JSON`, { cause: err });
  }
  const parsed = labStateSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`lab state file ${file} has an unexpected shape`, { cause: parsed.error });
  return parsed.data;
}

/** The one writer of the state file. Mutators persist immediately. */
export class StateStore {
  private constructor(
    readonly file: string,
    readonly state: LabState,
  ) {}

  static open(file: string, labDir: string): StateStore {
    const existing = readState(file);
    const state: LabState = existing ?? {
      version: 1,
      labDir,
      phase: "building",
      startedAt: new Date().toISOString(),
      namespaces: [],
      links: [],
      processes: [],
      files: [],
      dirs: [],
      mountPoints: [],
      neutron: emptyNeutronIds(),
      timings: {},
    };
    const store = new StateStore(file, state);
    store.save();
    return store;
  }

  save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.state, null, 2)}\n`);
    renameSync(tmp, this.file);
  }

  private addUnique(list: string[], value: string): void {
    if (!list.includes(value)) {
      list.push(value);
      this.save();
    }
  }

  recordNamespace(ns: string): void {
    this.addUnique(this.state.namespaces, ns);
  }

  recordLink(rec: LinkRecord): void {
    if (!this.state.links.some((l) => l.name === rec.name && l.ns === rec.ns)) {
      this.state.links.push(rec);
      this.save();
    }
  }

  recordFile(path: string): void {
    this.addUnique(this.state.files, path);
  }

  recordDir(path: string): void {
    this.addUnique(this.state.dirs, path);
  }

  recordMountPoint(path: string): void {
    this.addUnique(this.state.mountPoints, path);
  }

  recordProcess(rec: ProcessRecord): void {
    this.state.processes = this.state.processes.filter((p) => p.name !== rec.name);
    this.state.processes.push(rec);
    this.save();
  }

  neutronId(kind: keyof NeutronIds, name: string, id: string): void {
    this.state.neutron[kind][name] = id;
    this.save();
  }

  timing(phase: string, seconds: number): void {
    this.state.timings[phase] = Math.round(seconds * 10) / 10;
    this.save();
  }

  setPhase(phase: LabState["phase"], error?: string): void {
    this.state.phase = phase;
    if (error !== undefined) this.state.error = error;
    else delete this.state.error;
    this.save();
  }
}
