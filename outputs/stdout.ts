// stdout: each alert on saker's standard output, as Falco prints it (its text line) or as JSON lines.
// saker's logs go to stderr, so stdout can be piped to another tool.

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { PermanentError, type Alert, type Output, type OutputModule } from './output.js';

// Falco's text line starts with the event time (`17:20:42.123456789: ` or ISO 8601 with
// `time_format_iso_8601`), then the priority: alerts from Falco already carry it in `output`.
const FALCO_LINE_PREFIX = /^(?:\d{2}:\d{2}:\d{2}\.\d+|\d{4}-\d{2}-\d{2}T\S+): /;

export function textLine(alert: Alert): string {
  if (FALCO_LINE_PREFIX.test(alert.output)) return `${alert.output}\n`;
  return `${alert.time}: ${alert.priority} ${alert.output === '' ? alert.rule : alert.output}\n`;
}

export class StreamOutput implements Output {
  readonly maxBatch = 256;
  private broken: Error | undefined;

  constructor(
    readonly name: string,
    private readonly stream: Writable,
    private readonly format: 'text' | 'json',
  ) {
    // A closed pipe (`saker run | head`) must not crash saker: the failure goes to the queue instead.
    stream.on('error', (err) => {
      this.broken = err;
    });
  }

  async send(alerts: Alert[]): Promise<void> {
    if (this.broken) throw new PermanentError(`${this.name} cannot be written: ${this.broken.message}`);
    let text = '';
    for (const alert of alerts) text += this.format === 'json' ? `${JSON.stringify(alert)}\n` : textLine(alert);
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {}
}

export const stdoutOutput: OutputModule = {
  type: 'stdout',
  summary: "Alerts on saker's standard output: Falco's text line, or JSON lines",
  keys: [
    { name: 'enabled', type: 'bool', default: true, doc: 'Print alerts on standard output' },
    { name: 'format', type: 'enum', values: ['text', 'json'], default: 'text', doc: "`text`: Falco's text line; `json`: one alert JSON per line" },
    { name: 'concurrency', type: 'int', default: 1, min: 1, doc: 'Batches written at the same time (1 keeps the order)' },
  ],
  isEnabled: (config) => config['enabled'] === true,
  create: (config) => new StreamOutput('stdout', process.stdout, config['format'] as 'text' | 'json'),
  // A worker thread's process.stdout is a pipe to the main thread, which does the writing anyway; and lines
  // still in that pipe when saker exits can be lost.
  mainThreadOnly: "a worker thread's standard output is relayed through the main thread",
};
