// A progress bar on stderr for long replays: only when stderr is a terminal and the input is large, so
// that pipes, logs and CI output stay clean.

import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { ReplayConsole } from './replay.js';

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

export class ReplayProgress {
  private readonly bars: MultiBar | undefined;
  private readonly bar: SingleBar | undefined;

  constructor(private readonly io: ReplayConsole, totalBytes: number | undefined) {
    if (totalBytes === undefined || !io.stderr.isTTY) return;
    this.bars = new MultiBar(
      {
        stream: io.stderr,
        format: 'replay [{bar}] {percentage}% | {doneMiB}/{totalMiB} MiB | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
      },
      Presets.shades_classic,
    );
    this.bar = this.bars.create(totalBytes, 0, { doneMiB: '0.0', totalMiB: mib(totalBytes) });
  }

  get active(): boolean {
    return this.bar !== undefined;
  }

  update(bytes: number): void {
    this.bar?.update(bytes, { doneMiB: mib(bytes) });
  }

  /** Text for the terminal that must not be overwritten by the bar. */
  log(text: string): void {
    if (this.bars) this.bars.log(text);
    else this.io.stdout.write(text);
  }

  /** A warning for stderr, printed above the bar when there is one. */
  warn(text: string): void {
    if (this.bars) this.bars.log(text);
    else this.io.stderr.write(text);
  }

  stop(): void {
    this.bars?.stop();
  }
}
