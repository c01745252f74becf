// `saker replay`'s loop: open each input, let its reader produce events, evaluate them, print the alerts
// as Falco prints them, and count everything for the end-of-run statistics. Unusable events are reported
// and skipped; an input that cannot be read at all is reported and the next one goes on.

import type { Writable } from 'node:stream';
import type { Alert } from '../alert.js';
import { InputError, openInput } from '../../capture/files/open.js';
import type { EventReader, ReadProblem } from '../../capture/files/reader.js';
import { falcoJsonLine, falcoTextLine } from './falco-lines.js';
import { ReplayProgress } from './progress.js';
import { ReplayStats } from './stats.js';

export interface Evaluator {
  evaluate(source: string, event: unknown): Alert[];
  /** Optional: false when no rule can match events of this type (readers may then only count them). */
  canMatch?(source: string, eventType: string): boolean;
}

export interface ReplayRequest {
  readonly files: readonly string[];
  /** `--source`; undefined to detect per file. */
  readonly source?: string;
  readonly json: boolean;
  readonly allEvents: boolean;
  readonly maxEventBytes: number;
  readonly readers: readonly EventReader[];
  /** Sources the evaluator knows; events of another source are counted as unusable. */
  readonly sources: ReadonlySet<string>;
}

export interface ReplayConsole {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
}

export interface ReplayResult {
  readonly stats: ReplayStats;
  /** Inputs that could not be read (whole or to the end), with the reason. */
  readonly failedInputs: string[];
}

/** Individual problems printed before they are only counted. */
const PROBLEMS_SHOWN = 20;
/** A progress bar is worth showing from this much input on. */
const LARGE_INPUT_BYTES = 16 * 1024 * 1024;
const FLUSH_CHARS = 64 * 1024;

/** Buffers output lines and writes them in chunks, waiting when the stream asks to. */
class LineWriter {
  private buffer = '';
  constructor(private readonly stream: Writable, private readonly direct?: (text: string) => void) {}
  /** True when the buffer is full and should be flushed. */
  line(text: string): boolean {
    if (this.direct) {
      this.direct(text + '\n');
      return false;
    }
    this.buffer += text + '\n';
    return this.buffer.length >= FLUSH_CHARS;
  }
  async flush(): Promise<void> {
    if (!this.buffer) return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }
}

export async function replay(evaluator: Evaluator, request: ReplayRequest, io: ReplayConsole): Promise<ReplayResult> {
  const stats = new ReplayStats();
  const failedInputs: string[] = [];
  const inputs = [];
  for (const name of request.files) {
    try {
      inputs.push(await openInput(name, request.readers));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      failedInputs.push(err.message);
      io.stderr.write(`saker replay: ${err.message}\n`);
    }
  }
  const sizes = inputs.map((i) => i.size);
  const total = sizes.every((s) => s !== undefined) ? sizes.reduce((a, b) => a! + b!, 0)! : undefined;
  const progress = await ReplayProgress.start(io, total !== undefined && total >= LARGE_INPUT_BYTES ? total : undefined);
  // With a bar on the terminal, alerts for the same terminal are printed above it.
  const out = new LineWriter(io.stdout, progress.active && io.stdout.isTTY ? (t) => progress.log(t) : undefined);

  let shown = 0;
  const problem = (p: ReadProblem): void => {
    stats.unusable++;
    if (shown++ < PROBLEMS_SHOWN) progress.warn(`saker replay: ${p.where}: ${p.reason}\n`);
  };

  let done = 0;
  for (const input of inputs) {
    try {
      const context = {
        name: input.name,
        allEvents: request.allEvents,
        maxEventBytes: request.maxEventBytes,
        problem,
        // Each batch is evaluated, and its alerts written out as text, before the next is asked for.
        transient: true,
        ...(request.source !== undefined ? { source: request.source } : {}),
        ...(evaluator.canMatch !== undefined
          ? {
              wants: (source: string, eventType: string) => evaluator.canMatch!(source, eventType),
              skipped: (source: string, n: number) => stats.countEvents(source, n),
            }
          : {}),
      };
      if (input.reader.readEach !== undefined) {
        // One event at a time (stateful formats): evaluated before the next one is read.
        let n = 0;
        await input.reader.readEach(input.content, context, (source, event) => {
          if (!request.sources.has(source)) {
            problem({ where: input.name, reason: `an event of source '${source}', which no rule file can use here` });
            return;
          }
          stats.countEvents(source, 1);
          let full = false;
          for (const alert of evaluator.evaluate(source, event)) {
            stats.countAlert(alert);
            if (out.line(request.json ? falcoJsonLine(alert) : falcoTextLine(alert))) full = true;
          }
          if ((++n & 0xfff) === 0) progress.update(done + input.consumed());
          return full ? out.flush() : undefined;
        });
        progress.update(done + input.consumed());
      } else {
        for await (const batch of input.reader.read(input.content, context)) {
          if (!request.sources.has(batch.source)) {
            problem({ where: input.name, reason: `${batch.events.length} event(s) of source '${batch.source}', which no rule file can use here` });
            continue;
          }
          stats.countEvents(batch.source, batch.events.length);
          for (const event of batch.events) {
            for (const alert of evaluator.evaluate(batch.source, event)) {
              stats.countAlert(alert);
              if (out.line(request.json ? falcoJsonLine(alert) : falcoTextLine(alert))) await out.flush();
            }
          }
          progress.update(done + input.consumed());
        }
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failedInputs.push(message);
      progress.warn(`saker replay: ${message}\n`);
    }
    done += input.size ?? 0;
  }
  await out.flush();
  progress.stop();
  if (shown > PROBLEMS_SHOWN) io.stderr.write(`saker replay: … and ${shown - PROBLEMS_SHOWN} more unusable events\n`);
  return { stats, failedInputs };
}
