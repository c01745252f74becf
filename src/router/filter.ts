// An output's filter: minimum priority (inclusive) and allow/deny lists of rules, tags and sources, compiled
// once into a predicate. Deny wins over allow; an empty allow list allows everything.

import { priorityRank, type Alert } from '../alert.js';
import type { FilterSpec } from '../config/output-keys.js';

export type AlertFilter = (alert: Alert) => boolean;

function setOrNull(list: readonly string[]): Set<string> | null {
  return list.length === 0 ? null : new Set(list);
}

function anyIn(values: readonly string[], set: Set<string>): boolean {
  for (const v of values) if (set.has(v)) return true;
  return false;
}

/** The predicate for `spec`, or null when it lets every alert through (so the router can skip filtering). */
export function compileFilter(spec: FilterSpec): AlertFilter | null {
  const maxRank = spec.minimumPriority === undefined ? undefined : priorityRank(spec.minimumPriority);
  const allowRules = setOrNull(spec.rules.allow);
  const denyRules = setOrNull(spec.rules.deny);
  const allowTags = setOrNull(spec.tags.allow);
  const denyTags = setOrNull(spec.tags.deny);
  const allowSources = setOrNull(spec.sources.allow);
  const denySources = setOrNull(spec.sources.deny);
  if (maxRank === undefined && !allowRules && !denyRules && !allowTags && !denyTags && !allowSources && !denySources) return null;

  return (alert) =>
    (maxRank === undefined || priorityRank(alert.priority) <= maxRank) &&
    (allowRules === null || allowRules.has(alert.rule)) &&
    (denyRules === null || !denyRules.has(alert.rule)) &&
    (allowSources === null || allowSources.has(alert.source)) &&
    (denySources === null || !denySources.has(alert.source)) &&
    (allowTags === null || anyIn(alert.tags, allowTags)) &&
    (denyTags === null || !anyIn(alert.tags, denyTags));
}
