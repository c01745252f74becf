// pino-pretty (about 1 MB of heap) and cli-progress are loaded only when used: pretty logs, a progress bar.
// Proven on the built saker (dist/) by the packages its processes resolve (test/helpers/resolved-modules.ts);
// the --pretty run is the control that shows the probe sees pino-pretty when it loads.

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ModuleProbe, type ResolvedLog } from '../helpers/resolved-modules.js';
import { waitUntil } from '../helpers/wait.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const PACKAGES = ['pino-pretty', 'cli-progress'];
const probe = ModuleProbe.create();
const dir = mkdtempSync(join(tmpdir(), 'saker-lazy-imports-'));
afterAll(() => {
  probe.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** `saker run ARGS` until it listens, then SIGTERM; what it resolved meanwhile. */
async function runUntilListening(args: string[]): Promise<ResolvedLog> {
  const log = probe.log();
  const child = spawn(process.execPath, ['--import', probe.preload, CLI, 'run', '--port', '0', ...args], {
    env: { PATH: process.env['PATH'] ?? '', LISTENADDRESS: '127.0.0.1', RESOLVED_LOG: log.file },
    cwd: dir,
  });
  try {
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    // The message is in the line whatever the log format.
    await waitUntil('saker listening', () => stderr.includes('saker listening'));
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  return log;
}

describe('libraries loaded only when used', () => {
  it('saker run loads pino-pretty for --pretty logs only, and cli-progress never', async () => {
    const json = await runUntilListening([]);
    expect(json.text()).toContain('/dist/src/logging.js');
    expect(json.packages(PACKAGES)).toEqual([]);
    expect((await runUntilListening(['--pretty'])).packages(PACKAGES)).toEqual(['pino-pretty']);
  });

  it('saker replay without a terminal (no progress bar) loads neither', async () => {
    const log = probe.log();
    const events = join(dir, 'events.jsonl');
    writeFileSync(events, '{"a":1}\n');
    const status = await new Promise<number>((resolve) =>
      execFile(process.execPath, ['--import', probe.preload, CLI, 'replay', '--source', 'json', events], { env: { PATH: process.env['PATH'] ?? '', RESOLVED_LOG: log.file } }, (err) =>
        resolve(err ? Number((err as { code?: number }).code ?? 1) : 0),
      ),
    );
    expect(status).toBe(0);
    expect(log.text()).toContain('/dist/src/replay/progress.js');
    expect(log.packages(PACKAGES)).toEqual([]);
    // The bar itself, and so cli-progress, is drawn on a terminal in test/cli/progress.test.ts.
  });
});
