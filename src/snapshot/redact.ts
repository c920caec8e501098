/**
 * Secrets never leave a node: config files are redacted before they are written into a snapshot.
 * Works line by line on oslo.config-style files so the rest of the file stays byte-for-byte as it was.
 */

export const REDACTED = "<redacted>";

/** Option names whose values are secrets (passwords, tokens, URLs and connection strings with credentials). */
const SECRET_KEY =
  /^(?:[\w.-]*(?:password|passwd|secret|token|api_key|credential)[\w.-]*|transport_url|connection|slave_connection|memcache_secret_key|metadata_proxy_shared_secret|rabbit_password|admin_password)$/i;

/** `scheme://user:pass@host` anywhere in a value. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^:@/\s]+:)[^@\s]+@/gi;

export function redactConfig(text: string): { text: string; redacted: number } {
  let redacted = 0;
  const out = text.split("\n").map((line) => {
    if (/^\s*[#;]/.test(line)) return line;
    const m = /^(\s*)([^=:\s][^=:]*?)(\s*[=:]\s*)(.*)$/.exec(line);
    if (m && SECRET_KEY.test(m[2]!.trim()) && m[4]!.trim() !== "") {
      redacted++;
      return `${m[1]}${m[2]}${m[3]}${REDACTED}`;
    }
    return line.replace(URL_CREDENTIALS, (_all, head: string) => {
      redacted++;
      return `${head}${REDACTED}@`;
    });
  });
  return { text: out.join("\n"), redacted };
}
