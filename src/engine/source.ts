// What a source tells the engine: its name, its fields (definitions from the generated tables, extractors
// from capture/), and how to read an event's type and time. The engine knows nothing else about events:
// to the engine an event is opaque, and only extractors look inside.

import type { OutputFieldValue } from '../alert.js';

/**
 * A field's type, normalised from Falco's spellings (libsinsp's CHARBUF/UINT64/…, the plugin SDK's
 * string/uint64) to the kinds that decide which operators apply and how literals are parsed.
 */
export type FieldType =
  | 'string' // CHARBUF, plugin string
  | 'fspath' // FSPATH, FSRELPATH: strings that are paths
  | 'int64' // INT8…INT64, ERRNO, PID, FD, …: signed integers
  | 'uint64' // UINT8…UINT64, UID, GID, MODE, FLAGS*, …: unsigned integers
  | 'double'
  | 'bool'
  | 'ipaddr' // IPV4ADDR, IPV6ADDR, IPADDR
  | 'ipnet'
  | 'port'
  | 'l4proto'
  | 'abstime' // ns since the epoch
  | 'reltime' // ns
  | 'bytebuf'
  | 'dynamic'; // DYNAMIC: type decided by the argument (evt.arg.*, evt.rawarg.*)

/**
 * The JS value an extractor returns, by field type:
 * - string, fspath: string
 * - integers, port, l4proto, double: number — or bigint when the value may exceed 2^53 (ns timestamps)
 * - bool: boolean
 * - ipaddr, ipnet: their text form (`10.0.0.1`, `::1`, `10.0.0.0/8`); the engine parses and compares them
 * - bytebuf: Uint8Array (a Buffer is one)
 * - list fields: an array of the element values (an empty array counts as missing, as in Falco)
 * `undefined` means the field is *missing* for this event: every comparison on it is false, only `not`
 * makes it true, and outputs print `<NA>`. Never return the text `<NA>`.
 */
export type FieldValue = string | number | bigint | boolean | Uint8Array | FieldValue[];

export type Extractor<E> = (event: E) => FieldValue | undefined;

/**
 * Binds a field to its argument once, at compile time (`proc.aname[2]` → arg `2`, `json.value[/a/b]` →
 * `/a/b`), so that parsing the argument is not repeated per event. `arg` is undefined when the condition
 * gave none. Throws an Error with a message fit for the user when the argument is invalid.
 */
export type ExtractorFactory<E> = (arg: string | undefined) => Extractor<E>;

export type FieldArgKind = 'index' | 'key' | 'index|key';

export interface FieldDef<E = unknown> {
  /** `proc.name`, `ka.req.pod.containers.image`, `evt.arg` … */
  name: string;
  type: FieldType;
  /** Falco's own spelling of the type (`CHARBUF`, `LIST(CHARBUF)`, `string`) for `saker fields`. */
  falcoType: string;
  isList: boolean;
  /** null when the field takes no argument. */
  arg: { kind: FieldArgKind; required: boolean } | null;
  /** libsinsp flags without the EPF_ prefix (`DEPRECATED`, `FILTER_ONLY`, `NO_RHS`, …). */
  flags: readonly string[];
  /** Absent until the source's capture code provides it; a rule using a field without one never matches. */
  extractor?: ExtractorFactory<E>;
}

export interface SourceDefinition<E = unknown> {
  /** `syscall`, `k8s_audit`, `json`, `cloudtrail`: the `source:` of rules. */
  name: string;
  fields: ReadonlyArray<FieldDef<E>>;
  /**
   * The Falco plugins whose fields this source stands in for, so that `required_plugin_versions` of the
   * upstream rule files can be satisfied (e.g. k8saudit 0.16.0; container 0.4.0 for the syscall source).
   */
  plugins: ReadonlyArray<{ name: string; version: string }>;
  /** The syscall source's event type (`open`, `execve`, …), used to index rules; other sources omit it. */
  eventType?(event: E): string;
  /** When the event happened, in ns since the epoch; becomes the alert's `time`. */
  eventTime(event: E): bigint;
  /**
   * Optional: fields this source prints its own way in output lines (libsinsp prints flags, fds… specially);
   * return undefined to keep the engine's rendering. Missing values always print `<NA>`.
   */
  renderValue?(field: FieldDef<E>, value: FieldValue, arg: string | undefined): string | undefined;
  /**
   * Optional: the same for `output_fields` of JSON alerts (e.g. `evt.time` is text in the output line but a
   * number of ns in Falco's `output_fields`); return undefined to keep the engine's JSON value.
   */
  outputFieldValue?(field: FieldDef<E>, value: FieldValue, arg: string | undefined): OutputFieldValue | undefined;
}
