/** `ethtool -i <dev>`: the driver behind a device (veth, tun, virtio_net, a NIC driver with bus-info). */
import { issue, type ParseIssue, type ParseResult, splitLines } from "./types.js";

export interface EthtoolDriverInfo {
  driver?: string;
  version?: string;
  firmwareVersion?: string;
  expansionRomVersion?: string;
  /** PCI address for a physical NIC; empty (absent) for virtual devices. */
  busInfo?: string;
  /** `supports-statistics: yes` → `{ statistics: true }`. */
  supports: Record<string, boolean>;
  /** Keys not modelled, as printed (key without the colon). */
  extra: Record<string, string>;
}

const KNOWN = {
  driver: "driver",
  version: "version",
  "firmware-version": "firmwareVersion",
  "expansion-rom-version": "expansionRomVersion",
  "bus-info": "busInfo",
} as const;

export function parseEthtoolI(text: string): ParseResult<EthtoolDriverInfo> {
  const value: EthtoolDriverInfo = { supports: {}, extra: {} };
  const issues: ParseIssue[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "") return;
    const m = /^\s*([A-Za-z][\w-]*):\s?(.*)$/.exec(raw);
    if (!m) {
      // e.g. "Cannot get driver information: No such device" has a space in the key.
      issues.push(issue(line, "not a `key: value` line", raw));
      return;
    }
    const key = m[1]!;
    const v = m[2]!.trim();
    if (key in KNOWN) {
      // Empty values (`firmware-version: `) mean "not applicable": leave the field absent.
      if (v !== "") value[KNOWN[key as keyof typeof KNOWN]] = v;
    } else if (key.startsWith("supports-") && (v === "yes" || v === "no")) {
      value.supports[key.slice("supports-".length)] = v === "yes";
    } else value.extra[key] = v;
  });
  if (value.driver === undefined && issues.length === 0)
    issues.push(issue(0, "no `driver:` line: not ethtool -i output?", undefined, "warning"));
  return { value, issues };
}
