// saker's Node options (src/node-flags.ts) are written in three more places that cannot import them: the
// `start` script, the `saker` command's first line and the Dockerfile (checked in compose.test.ts). They
// must say the same, and the command must run with them.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SAKER_NODE_FLAGS } from '../src/node-flags.js';

const root = new URL('../', import.meta.url);
const flags = SAKER_NODE_FLAGS.join(' ');

describe("saker's Node options", () => {
  it('are the ones `npm start` passes', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start']).toBe(`node ${flags} dist/src/cli.js run`);
  });

  it("are on the `saker` command's first line, in the source and in the build", () => {
    for (const file of ['src/cli.ts', 'dist/src/cli.js']) {
      const firstLine = readFileSync(new URL(file, root), 'utf8').split('\n', 1)[0];
      expect(firstLine, file).toBe(`#!/usr/bin/env -S node ${flags}`);
    }
  });

  it('start the built command when it is run as a program', async () => {
    const cli = fileURLToPath(new URL('dist/src/cli.js', root));
    const out = await new Promise<string>((resolve, reject) =>
      execFile(cli, ['version'], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    expect(out).toMatch(/^saker \d+\.\d+\.\d+/);
  });
});
