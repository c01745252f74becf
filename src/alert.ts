// The alert: Falco's JSON alert, the one value that crosses every layer of saker
// (engine → router → queue → outputs). Whatever comes in as Falco JSON goes out as the same JSON.

/** Falco's priorities, most severe first (the order is the numeric severity Falco uses, 0 = Emergency). */
export const PRIORITIES = [
  'Emergency',
  'Alert',
  'Critical',
  'Error',
  'Warning',
  'Notice',
  'Informational',
  'Debug',
] as const;

export type Priority = (typeof PRIORITIES)[number];

const BY_LOWER_NAME = new Map<string, Priority>(PRIORITIES.map((p) => [p.toLowerCase(), p]));
// Falco accepts exactly one alias; `warn` is famously *not* accepted.
BY_LOWER_NAME.set('info', 'Informational');

/** Falco's priority parsing: case-insensitive names plus the alias `info`; undefined when not a priority. */
export function parsePriority(text: string): Priority | undefined {
  return BY_LOWER_NAME.get(text.toLowerCase());
}

/** The text of an error for a string that is not a priority, in the words the HTTP API and config use. */
export function priorityProblem(text: string): string {
  return `'${text}' is not a priority; use one of ${PRIORITIES.join(', ')} (case-insensitive) or info`;
}

/** 0 for Emergency … 7 for Debug: a lower number is more severe. */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p);
}

/** True when `p` is at least as severe as `minimum` (minimum priorities are inclusive). */
export function atLeast(p: Priority, minimum: Priority): boolean {
  return priorityRank(p) <= priorityRank(minimum);
}

export type OutputFieldValue = string | number | boolean | null | OutputFieldValue[] | { [k: string]: OutputFieldValue };

export interface Alert {
  /** Stable id of this alert: kept when the sender supplied one, generated otherwise. The idempotency key. */
  uuid: string;
  /** RFC 3339; Falco writes nanoseconds (`2026-11-29T01:02:03.123456789Z`). Kept as the sender wrote it. */
  time: string;
  rule: string;
  priority: Priority;
  /** `syscall`, `k8s_audit`, `json`, … */
  source: string;
  output: string;
  output_fields: Record<string, OutputFieldValue>;
  tags: string[];
  hostname: string;
}
