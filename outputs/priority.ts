// Falco's priority scale as the outputs need it: an order to compare and sort by. Falco's priorities are
// syslog's severities, in the same order, so the rank is also the syslog severity (Emergency 0 … Debug 7).

import type { Alert } from './output.js';

export type Priority = Alert['priority'];

export const PRIORITY_ORDER: readonly Priority[] = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];

/** 0 for Emergency … 7 for Debug. */
export function priorityRank(p: Priority): number {
  return PRIORITY_ORDER.indexOf(p);
}

/** Case-insensitive, with Falco's one alias `info`; undefined when not a priority. */
export function priorityNamed(text: string): Priority | undefined {
  const lower = text.trim().toLowerCase();
  if (lower === 'info') return 'Informational';
  return PRIORITY_ORDER.find((p) => p.toLowerCase() === lower);
}
