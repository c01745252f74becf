// A source prepared for compilation: its fields by name (with libsinsp's `.NAME` argument suffixes and the
// longest-prefix lookup output formats need), the event names `evt.type` may take, and how its values render.

import { SYSCALL_DOT_ARGUMENT_FIELDS, SYSCALL_EVENT_NAMES } from '../fields/index.js';
import type { OutputFieldValue } from '../../alert.js';
import type { FieldDef, FieldValue, SourceDefinition } from '../source.js';

/** A special rendering of a value in outputs (e.g. a source printing fds or flags its own way). */
export type ValueRenderer<E> = (field: FieldDef<E>, value: FieldValue, arg: string | undefined) => string | undefined;
/** The same for `output_fields` of JSON alerts. */
export type OutputFieldRenderer<E> = (
  field: FieldDef<E>,
  value: FieldValue,
  arg: string | undefined,
) => OutputFieldValue | undefined;

export interface CompiledSourceOptions<E> {
  /** Values `evt.type` may be compared with; enables event-type validation and indexing. */
  eventNames?: ReadonlySet<string>;
  /** Fields whose argument may follow as a `.NAME` suffix (`evt.arg.fd` = `evt.arg[fd]`). */
  dotArgumentFields?: ReadonlySet<string>;
  /** Overrides the default rendering of values in outputs (default: the definition's `renderValue`). */
  renderValue?: ValueRenderer<E>;
  /** Overrides the default JSON value in `output_fields` (default: the definition's `outputFieldValue`). */
  outputFieldValue?: OutputFieldRenderer<E>;
  /**
   * Evaluate each distinct check (and macro-sized and/or) once per event across all rules compiled for
   * this source (the upstream rules repeat `kevt`, `kcreate`, `spawned_process`… in most rules). The result of
   * a shared check is reused while the same event object is evaluated; call `nextEvent()` before evaluating
   * the rules for each event if event objects may be reused (mutated) between events.
   */
  shareChecks?: boolean;
}

export interface FieldRef<E> {
  def: FieldDef<E>;
  /** The argument given as a `.NAME` suffix, if the name carried one. */
  dotArg?: string;
}

export class CompiledSource<E = unknown> {
  readonly name: string;
  readonly definition: SourceDefinition<E>;
  readonly eventNames: ReadonlySet<string> | undefined;
  readonly renderValue: ValueRenderer<E> | undefined;
  readonly outputFieldValue: OutputFieldRenderer<E> | undefined;
  readonly sharesChecks: boolean;
  private readonly byName = new Map<string, FieldDef<E>>();
  private readonly dotArgumentFields: ReadonlySet<string>;
  private readonly sharedChecks = new Map<string, (event: E) => boolean>();
  private epoch = 0;

  /**
   * For the `syscall` source the options default to the generated syscall tables (event names, `.NAME`
   * argument fields); other sources have neither unless given.
   */
  constructor(definition: SourceDefinition<E>, opts: CompiledSourceOptions<E> = {}) {
    this.name = definition.name;
    this.definition = definition;
    const syscall = definition.name === 'syscall';
    this.eventNames = opts.eventNames ?? (syscall ? SYSCALL_EVENT_NAMES : undefined);
    this.dotArgumentFields = opts.dotArgumentFields ?? (syscall ? SYSCALL_DOT_ARGUMENT_FIELDS : new Set());
    this.renderValue = opts.renderValue ?? definition.renderValue?.bind(definition);
    this.outputFieldValue = opts.outputFieldValue ?? definition.outputFieldValue?.bind(definition);
    this.sharesChecks = opts.shareChecks ?? false;
    for (const f of definition.fields) {
      if (this.byName.has(f.name)) throw new Error(`source ${definition.name}: field ${f.name} defined twice`);
      this.byName.set(f.name, f);
    }
  }

  /** With `shareChecks`: results of shared checks computed so far no longer apply (a new event). */
  nextEvent(): void {
    this.epoch++;
  }

  /**
   * The predicate for a check whose canonical text is `key`: with `shareChecks`, one memoised predicate per
   * distinct key for every rule of the source; otherwise `build()` itself.
   */
  sharedCheck(key: string, build: () => (event: E) => boolean): (event: E) => boolean {
    if (!this.sharesChecks) return build();
    const known = this.sharedChecks.get(key);
    if (known) return known;
    const inner = build();
    let lastEvent: E | undefined;
    let lastEpoch = -1;
    let last = false;
    const shared = (event: E): boolean => {
      if (event === lastEvent && lastEpoch === this.epoch) return last;
      last = inner(event);
      lastEvent = event;
      lastEpoch = this.epoch;
      return last;
    };
    this.sharedChecks.set(key, shared);
    return shared;
  }

  /** All field definitions, in table order. */
  get fields(): ReadonlyArray<FieldDef<E>> {
    return this.definition.fields;
  }

  /** A field by its exact name, or by a `.NAME`-suffixed name (`evt.arg.fd`). */
  lookup(name: string): FieldRef<E> | undefined {
    const def = this.byName.get(name);
    if (def) return { def };
    for (let dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1)) {
      const base = name.slice(0, dot);
      if (this.dotArgumentFields.has(base)) {
        const baseDef = this.byName.get(base);
        if (baseDef && !name.endsWith('.')) return { def: baseDef, dotArg: name.slice(dot + 1) };
      }
    }
    return undefined;
  }
}
