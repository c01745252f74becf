import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REFERENCE_BEGIN, REFERENCE_END, renderReference, withReference } from '../../src/config/reference.js';
import { allSections } from '../../src/config/sections.js';

describe("the README's configuration reference", () => {
  it('is the one generated from the key declarations (run `npm run docs:config` when this fails)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(REFERENCE_BEGIN);
    expect(readme).toContain(REFERENCE_END);
    expect(withReference(readme, renderReference(allSections()))).toBe(readme);
  });

  it('has a row for every key, with its environment name', () => {
    const text = renderReference(allSections());
    expect(text).toContain('| `webhook.minimumpriority` | `WEBHOOK_MINIMUMPRIORITY` | priority |');
    expect(text).toContain('| `webhook.rules.allow` | `WEBHOOK_RULES_ALLOW` | string[] |');
    expect(text).toContain('| `listenport` | `LISTENPORT` | int | `2801` |');
    expect(text).toContain('| `redis.url` | `REDIS_URL` | string |');
  });
});
