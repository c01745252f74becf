// The replay progress bar: drawn (by cli-progress) only on a terminal; warnings and alerts printed above it.

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ReplayProgress } from '../../src/replay/progress.js';

class Terminal extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  columns = 120;
  cursorTo(): boolean {
    return true;
  }
  clearLine(): boolean {
    return true;
  }
  moveCursor(): boolean {
    return true;
  }
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('replay progress', () => {
  it('draws a bar on a terminal stderr, with the MiB done and total', async () => {
    const stderr = new Terminal(true);
    const progress = await ReplayProgress.start({ stdout: new Terminal(false), stderr }, 64 * 1024 * 1024);
    expect(progress.active).toBe(true);
    progress.update(32 * 1024 * 1024);
    progress.warn('saker replay: x.jsonl:3: not valid JSON\n');
    // cli-progress redraws on a timer (5 per second here).
    await new Promise((r) => setTimeout(r, 400));
    progress.stop();
    expect(stderr.text).toContain('replay [');
    expect(stderr.text).toContain('/64.0 MiB');
    expect(stderr.text).toContain('saker replay: x.jsonl:3: not valid JSON');
  });
  it('stays silent when stderr is not a terminal, or the size is unknown', async () => {
    const stderr = new Terminal(false);
    const p1 = await ReplayProgress.start({ stdout: new Terminal(false), stderr }, 64 * 1024 * 1024);
    const p2 = await ReplayProgress.start({ stdout: new Terminal(false), stderr: new Terminal(true) }, undefined);
    expect(p1.active || p2.active).toBe(false);
    p1.warn('plain warning\n');
    p1.stop();
    expect(stderr.text).toBe('plain warning\n');
  });
});
