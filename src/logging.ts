// Structured logs (pino), on stderr so that stdout carries only alerts. Secrets are redacted twice: by path
// (authorization headers, fields named like credentials) and by value — every line is scrubbed of the values
// of `secret` configuration keys, and of the passwords of URLs (any setting's, any library's message), whatever
// path or error message they turned up in.

import { destination, pino, symbols, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/service-config.js';
import { redactUrlPasswords } from './url-credentials.js';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

export interface LoggerOptions {
  level: LogLevel;
  format: 'json' | 'pretty';
  /** Values never written to the log. */
  secrets?: readonly string[];
  /** Where JSON lines go instead of stderr (tests pass a collector); `format` is then ignored. */
  destination?: { write(line: string): unknown };
}

/** Replaces every occurrence of the secrets, raw or as they appear inside a JSON string, and URL passwords. */
export class Scrubber {
  private readonly needles: string[];

  constructor(secrets: readonly string[]) {
    const forms = new Set<string>();
    for (const s of secrets) {
      if (s === '') continue;
      forms.add(s);
      forms.add(JSON.stringify(s).slice(1, -1));
    }
    // Longest first, so that a secret containing another is replaced whole.
    this.needles = [...forms].sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    // Secrets first: a secret URL is replaced whole, not left with its host once its password is masked.
    let out = text;
    for (const needle of this.needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return redactUrlPasswords(out);
  }
}

/** Where the lines go. pino-pretty (about 1 MB of heap) is loaded only for `log.format: pretty`. */
async function logTarget(options: LoggerOptions): Promise<{ write(line: string): unknown }> {
  if (options.destination) return options.destination;
  if (options.format !== 'pretty') return destination({ fd: 2, sync: true });
  const { default: pretty } = await import('pino-pretty');
  return pretty({ destination: 2, colorize: process.stderr.isTTY, sync: true, translateTime: 'SYS:HH:MM:ss.l' });
}

export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const target = await logTarget(options);
  const scrubber = new Scrubber(options.secrets ?? []);
  const stream: DestinationStream = { write: (line: string) => target.write(scrubber.scrub(line)) };
  return pino(
    {
      name: 'saker',
      level: options.level,
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', '*.password', '*.token', '*.tokens'],
        censor: REDACTED,
      },
    },
    stream,
  );
}

/**
 * Writes a line another logger formatted (a worker thread's, see queue/redis/thread.ts) where `logger` writes,
 * through the same secret scrubbing: the thread's lines join this process's log as if written here.
 */
export function writeLogLine(logger: Logger, line: string): void {
  (logger as unknown as Record<symbol, DestinationStream>)[symbols.streamSym]!.write(line);
}
