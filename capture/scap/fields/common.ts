// Shared pieces of the `syscall` field extractors.

import type { Extractor, ExtractorFactory, FieldValue } from '../../../src/engine/source.js';
import type { ScapEvent } from '../event.js';

export type SyscallExtractors = Record<string, ExtractorFactory<ScapEvent>>;

/** A field that takes no argument. */
export function plain(fn: Extractor<ScapEvent>): ExtractorFactory<ScapEvent> {
  return (arg) => {
    if (arg !== undefined) throw new Error(`this field takes no argument (got '${arg}')`);
    return fn;
  };
}

/** A field whose argument is required. */
export function withArg(
  what: string,
  bind: (arg: string) => Extractor<ScapEvent>,
): ExtractorFactory<ScapEvent> {
  return (arg) => {
    if (arg === undefined || arg === '') throw new Error(`this field requires an argument (${what})`);
    return bind(arg);
  };
}

/** Parses a non-negative integer argument (`proc.aname[2]`). */
export function indexArg(arg: string): number {
  if (!/^\d+$/.test(arg)) throw new Error(`the argument must be a non-negative integer (got '${arg}')`);
  return Number(arg);
}

export type { FieldValue };
