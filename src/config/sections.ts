// Every configuration section saker knows: its own, one per output in outputs/registry.ts, and those that
// other parts contribute (capture sources, rules). A part with settings adds its section to EXTRA_SECTIONS.

import { OUTPUT_MODULES } from '../../outputs/registry.js';
import { CORE_SECTIONS } from './core-sections.js';
import { outputSection } from './output-keys.js';
import type { ConfigSection } from './section.js';
import { JSON_EVENTS_SECTION } from '../../capture/json/config.js';
import { K8SAUDIT_SECTION } from '../../capture/k8saudit/config.js';
import { RULES_SECTION } from '../rules/config.js';

/** Sections of parts other than the spine and the outputs (one line each: capture sources, rules…). */
export const EXTRA_SECTIONS: readonly ConfigSection[] = [RULES_SECTION, K8SAUDIT_SECTION, JSON_EVENTS_SECTION];

export function allSections(): ConfigSection[] {
  return [...CORE_SECTIONS, ...EXTRA_SECTIONS, ...OUTPUT_MODULES.map(outputSection)];
}
