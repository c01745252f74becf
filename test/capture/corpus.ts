// Falco's own material beside the checkout (../shared/corpus). Tests that read it skip, saying so, when it
// is absent.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
export const SAMPLES_DIR = `${CORPUS}k8s_audit/samples/`;
export const hasSamples = existsSync(SAMPLES_DIR);
export const CORPUS_ABSENT = `skipped: ${SAMPLES_DIR} is absent`;

export interface Sample {
  name: string;
  text: string;
}

/** The k8s audit samples, one event per file (one JSON object on one line). */
export function k8sSamples(): Sample[] {
  if (!hasSamples) return [];
  return readdirSync(SAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => ({ name, text: readFileSync(SAMPLES_DIR + name, 'utf8').trim() }));
}
