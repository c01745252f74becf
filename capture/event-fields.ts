// The generic `evt.*` fields libsinsp offers on events of plugin sources (k8s_audit, json): number, time
// in its several renderings, source, plugin and host. Time renderings follow libsinsp: `evt.time` and
// `evt.datetime` in local time with nanoseconds, `evt.time.iso8601` in UTC.

import { hostname as osHostname } from 'node:os';
import { evtTime, rfc3339Nanos } from '../src/engine/alert_builder.js';
import { firstEventTime } from './shared-state.js';
import type { Extractor, ExtractorFactory, FieldValue } from '../src/engine/source.js';
import type { JsonEvent } from './json/event.js';

const NS = 1_000_000_000n;

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function date(time: bigint): Date {
  return new Date(Number(time / 1_000_000n));
}

/** `HH:MM:SS` in local time. */
function clock(d: Date): string {
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `YYYY-MM-DD` in local time. */
function day(d: Date): string {
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

export interface PluginSourceInfo<E> {
  /** `k8s_audit`, `json`. */
  readonly source: string;
  /** The Falco plugin the source stands in for (`evt.pluginname`). */
  readonly plugin: string;
  /** `evt.plugininfo`: the plugin's one-line description of an event. */
  readonly describe: (event: E) => string;
  /** `evt.hostname`; defaults to the machine's host name. */
  readonly hostname?: () => string;
}

export function pluginEventExtractors<E extends JsonEvent>(info: PluginSourceInfo<E>): Record<string, ExtractorFactory<E>> {
  // evt.reltime counts from the first event this source evaluated, as libsinsp counts from the capture's
  // start: the first this engine saw, or, in `saker run`, the first any thread saw since start-up.
  let first: bigint | undefined;
  const relative = (e: E): bigint => e.time - (first ??= firstEventTime(info.source, e.time));
  const host = info.hostname ?? osHostname;
  const fixed = (extract: Extractor<E>): ExtractorFactory<E> => () => extract;
  const value = (v: FieldValue | undefined): ExtractorFactory<E> => () => () => v;
  return {
    'evt.num': fixed((e) => e.num),
    'evt.time': fixed((e) => evtTime(e.time)),
    'evt.time.s': fixed((e) => clock(date(e.time))),
    'evt.time.iso8601': fixed((e) => rfc3339Nanos(e.time)),
    'evt.datetime': fixed((e) => `${day(date(e.time))} ${evtTime(e.time)}`),
    'evt.datetime.s': fixed((e) => `${day(date(e.time))} ${clock(date(e.time))}`),
    'evt.rawtime': fixed((e) => e.time),
    'evt.rawtime.s': fixed((e) => e.time / NS),
    'evt.rawtime.ns': fixed((e) => e.time % NS),
    'evt.reltime': fixed(relative),
    'evt.reltime.s': fixed((e) => relative(e) / NS),
    'evt.reltime.ns': fixed((e) => relative(e) % NS),
    'evt.pluginname': value(info.plugin),
    'evt.plugininfo': fixed(info.describe),
    'evt.source': value(info.source),
    'evt.is_async': value(false),
    // Only asynchronous (meta) events have a type; plugin source events never are.
    'evt.asynctype': value(undefined),
    'evt.hostname': fixed(() => host()),
  };
}
