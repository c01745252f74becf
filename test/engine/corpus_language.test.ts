// Falco's language test material (../shared/corpus/language): the same sections `npm run conformance`
// prints, asserted to be complete. Skipped, saying so, when the corpus is absent.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as escaping } from '../../scripts/conformance/escaping.js';
import { run as parser } from '../../scripts/conformance/parser.js';
import { run as pmatch } from '../../scripts/conformance/pmatch.js';

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');
const present = existsSync(resolve(CORPUS, 'language'));
if (!present) console.warn(`language corpus tests skipped: ${CORPUS}/language is absent`);

describe.skipIf(!present)('language corpus (skipped when ../shared/corpus is absent)', () => {
  for (const [name, section] of [
    ['parser_cases.json', parser],
    ['escaping_cases.json', escaping],
    ['pmatch_cases.json', pmatch],
  ] as const) {
    it(`${name}: every case passes`, async () => {
      const result = await section(CORPUS);
      expect(result.failures).toEqual([]);
      for (const row of result.rows) expect(row.passed, row.check).toBe(row.total);
      expect(result.rows.reduce((n, r) => n + r.total, 0)).toBeGreaterThan(0);
    });
  }
});
