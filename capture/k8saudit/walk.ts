// How the k8saudit plugin walks an audit event to collect the values of a list field
// (`requestObject.spec.containers[*].securityContext.privileged`), reproduced step for step because its
// quirks decide what rules see:
// - an array met on the way fans out over its elements, or, when the field was given an index
//   (`ka.req.pod.containers.image[1]`), picks that element — at every array level met, not only the first;
// - an element where the path finds nothing contributes a hole (later skipped or defaulted), but an index
//   past the end of an array makes the whole field missing;
// - the path ends where the keys end: an array found there is one value (rendered as JSON text).

import { MISSING, type JsonDocument } from '../json/document.js';
import { pathNumber } from '../json/access.js';
import type { JsonEvent } from '../json/event.js';
import { compileStep, jsonText, type Access } from '../json/value.js';

/** The index given to a list field, or NO_INDEX. */
export const NO_INDEX = -1;

/** A walk's keys, compiled once per field; an empty key stands for the value itself (the plugin's `Get()`). */
export interface WalkPath {
  readonly keys: readonly string[];
  readonly steps: ReadonlyArray<Access | undefined>;
  /** The path to each key, numbered (access.ts). */
  readonly paths: readonly number[];
}

export function walkPath(keys: readonly string[]): WalkPath {
  return {
    keys,
    steps: keys.map((key) => (key === '' ? undefined : compileStep(key))),
    paths: keys.map((_, i) => pathNumber(keys.slice(0, i + 1))),
  };
}

/**
 * The walk over an event. On indexed text the first steps go through the index with the paths' numbers
 * (access.ts), as far as it covers objects; the walk goes on in the index (a pod's spec is indexed deep,
 * see DeepPath) and parses only the values it ends on, or, from a container the index does not cover,
 * goes on in that container parsed.
 */
export function walkEvent(event: JsonEvent, index: number, path: WalkPath): unknown[] | undefined {
  const doc = event.doc;
  if (doc === undefined) return walk(event.value, index, path.steps);
  const { keys, paths } = path;
  let entry = doc.root;
  let i = 0;
  for (; i < keys.length && keys[i] !== '' && doc.isIndexedObject(entry); i++) {
    entry = doc.memberOnPath(paths[i]!, entry, keys[i]!);
    if (entry === MISSING) return undefined;
  }
  return walkIndexed(doc, entry, index, path, i);
}

/** walk() on indexed text, from the step `from` on: the same steps on the entries, with the same results. */
function walkIndexed(doc: JsonDocument, entry: number, index: number, path: WalkPath, from: number): unknown[] | undefined {
  const { keys, steps } = path;
  for (let i = from; i < keys.length; i++) {
    if (doc.isIndexedArray(entry)) {
      const elements = doc.children(entry);
      if (index === NO_INDEX) {
        const found: unknown[] = [];
        for (const element of elements) {
          const values = walkIndexed(doc, element, index, path, i);
          // A loop, not push(...values): the spread is a call of its own, for mostly one value.
          if (values) for (let v = 0; v < values.length; v++) found.push(values[v]);
          else found.push(undefined);
        }
        return found;
      }
      if (index >= elements.length) return undefined;
      entry = elements[index]!;
      if (doc.isUnindexedContainer(entry)) {
        // The step on the element, parsed, as walk() takes it after picking an element.
        const step = steps[i];
        let v = doc.value(entry);
        if (step) v = step(v);
        return v === undefined ? undefined : walk(v, index, steps, i + 1);
      }
    } else if (doc.isUnindexedContainer(entry)) {
      return walk(doc.value(entry), index, steps, i);
    }
    const key = keys[i]!;
    if (key === '') continue;
    entry = doc.step(entry, key);
    if (entry === MISSING) return undefined;
  }
  return [doc.value(entry)];
}

/** Values found at the end of the path (undefined entries are holes); undefined when not available. */
export function walk(value: unknown, index: number, steps: WalkPath['steps'], from = 0): unknown[] | undefined {
  let v = value;
  for (let i = from; i < steps.length; i++) {
    if (Array.isArray(v)) {
      if (index === NO_INDEX) {
        const found: unknown[] = [];
        for (const element of v) {
          const values = walk(element, index, steps, i);
          if (values) found.push(...values);
          else found.push(undefined);
        }
        return found;
      }
      if (index >= v.length) return undefined;
      v = v[index];
    }
    const step = steps[i];
    if (step) v = step(v);
    if (v === undefined) return undefined;
  }
  return [v];
}

/** Text of each value found, holes skipped; missing (undefined) when nothing is left. */
export function textsSkippingHoles(values: readonly unknown[] | undefined): string[] | undefined {
  if (!values) return undefined;
  const texts: string[] = [];
  for (const v of values) {
    if (v !== undefined) texts.push(jsonText(v)!);
  }
  return texts.length ? texts : undefined;
}

/** Text of each value found; a hole makes the whole field missing (the plugin's type error). */
export function textsRequiringAll(values: readonly unknown[] | undefined): string[] | undefined {
  if (!values || values.length === 0) return undefined;
  const texts: string[] = [];
  for (const v of values) {
    if (v === undefined) return undefined;
    texts.push(jsonText(v)!);
  }
  return texts;
}

/** Parses the optional index argument of a list field once, at compile time. */
export function indexArgument(field: string, arg: string | undefined): number {
  if (arg === undefined) return NO_INDEX;
  if (!/^[0-9]+$/.test(arg) || !Number.isSafeInteger(Number(arg))) {
    throw new Error(`field '${field}' takes a numeric index argument (e.g. ${field}[0]), not '${arg}'`);
  }
  return Number(arg);
}

/** Parses a required key argument once, at compile time. */
export function keyArgument(field: string, arg: string | undefined): string {
  if (arg === undefined || arg === '') throw new Error(`field '${field}' requires a key argument, e.g. ${field}[name]`);
  return arg;
}
