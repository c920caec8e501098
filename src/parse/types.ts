/**
 * Shared result shape of every parser. Parsers are pure: text in, typed records out.
 * They never throw on bad input; what they cannot read becomes an issue that names the
 * line, and parsing goes on with the rest (the caller adds the file name).
 */

export interface ParseIssue {
  /** 1-based line number in the parsed text (0 when the whole input is at fault). */
  line: number;
  message: string;
  /** The offending line as it was, so a report can quote it. */
  text?: string;
  severity: "error" | "warning";
}

export interface ParseResult<T> {
  value: T;
  issues: ParseIssue[];
}

/** Half-open [start, end) character offsets into a line, so findings can quote evidence exactly. */
export type Span = readonly [start: number, end: number];

export function issue(line: number, message: string, text?: string, severity: ParseIssue["severity"] = "error"): ParseIssue {
  return text === undefined ? { line, message, severity } : { line, message, text, severity };
}

/** Split text into lines without the trailing empty line a final newline leaves behind. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}
