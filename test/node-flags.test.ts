// saker's Node options (src/node-flags.ts) are written in two more places that cannot import them: the
// `start` script and the Dockerfile (checked in compose.test.ts). They must say the same.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SAKER_NODE_FLAGS } from '../src/node-flags.js';

const root = new URL('../', import.meta.url);
const flags = SAKER_NODE_FLAGS.join(' ');

describe("saker's Node options", () => {
  it('are the ones `npm start` passes', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start']).toBe(`node ${flags} dist/src/cli.js run`);
  });
});
