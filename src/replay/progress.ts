// A progress bar on stderr for long replays: only when stderr is a terminal and the input is large, so
// that pipes, logs and CI output stay clean. cli-progress is loaded only then: every command (saker run
// too) registers replay, and most runs never draw a bar.

import type { MultiBar, SingleBar } from 'cli-progress';
import type { ReplayConsole } from './replay.js';

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

export class ReplayProgress {
  private readonly bar: SingleBar | undefined;

  /** A bar when stderr is a terminal and `totalBytes` is known; otherwise a progress that draws nothing. */
  static async start(io: ReplayConsole, totalBytes: number | undefined): Promise<ReplayProgress> {
    if (totalBytes === undefined || !io.stderr.isTTY) return new ReplayProgress(io, undefined, 0);
    const { MultiBar, Presets } = await import('cli-progress');
    const bars = new MultiBar(
      {
        stream: io.stderr,
        format: 'replay [{bar}] {percentage}% | {doneMiB}/{totalMiB} MiB | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
      },
      Presets.shades_classic,
    );
    return new ReplayProgress(io, bars, totalBytes);
  }

  private constructor(
    private readonly io: ReplayConsole,
    private readonly bars: MultiBar | undefined,
    totalBytes: number,
  ) {
    this.bar = bars?.create(totalBytes, 0, { doneMiB: '0.0', totalMiB: mib(totalBytes) });
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
