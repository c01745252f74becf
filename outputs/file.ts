// file: alerts appended to a file as JSON lines. On SIGHUP the file is reopened, so that logrotate (or any
// rename-then-signal rotation) works without losing or splitting a line.

import { open, type FileHandle } from 'node:fs/promises';
import { PermanentError, type Alert, type Output, type OutputModule } from './output.js';

class FileOutput implements Output {
  readonly name = 'file';
  readonly maxBatch = 512;
  private handle: FileHandle | undefined;
  /** Writes and reopenings run one after another, so a rotation never cuts a batch in two files. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly onHangup = () => {
    this.chain = this.chain.then(() => this.reopen()).catch(() => {});
  };

  constructor(private readonly path: string) {}

  async start(): Promise<void> {
    try {
      this.handle = await open(this.path, 'a');
    } catch (err) {
      throw new Error(`file.path: cannot open '${this.path}' for appending: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        cause: err,
      });
    }
    process.on('SIGHUP', this.onHangup);
  }

  private async reopen(): Promise<void> {
    const old = this.handle;
    this.handle = await open(this.path, 'a');
    await old?.close();
  }

  send(alerts: Alert[]): Promise<void> {
    let text = '';
    for (const alert of alerts) text += `${JSON.stringify(alert)}\n`;
    const write = this.chain.then(async () => {
      if (!this.handle) throw new PermanentError('file output used before start');
      await this.handle.appendFile(text);
    });
    this.chain = write.catch(() => {});
    return write;
  }

  async close(): Promise<void> {
    process.off('SIGHUP', this.onHangup);
    await this.chain;
    await this.handle?.close();
    this.handle = undefined;
  }
}

export const fileOutput: OutputModule = {
  type: 'file',
  summary: 'Alerts appended to a file as JSON lines (reopened on SIGHUP for log rotation)',
  keys: [
    { name: 'path', type: 'string', default: '', doc: 'File to append alerts to, one JSON object per line; set = output on' },
    { name: 'concurrency', type: 'int', default: 1, min: 1, doc: 'Batches written at the same time (1 keeps the order)' },
  ],
  isEnabled: (config) => typeof config['path'] === 'string' && config['path'] !== '',
  create: (config) => new FileOutput(config['path'] as string),
};
