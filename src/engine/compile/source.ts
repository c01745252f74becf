// A source prepared for compilation: its fields by name (with libsinsp's `.NAME` argument suffixes and the
// longest-prefix lookup output formats need), the event names `evt.type` may take, and how its values render.

import { SYSCALL_DOT_ARGUMENT_FIELDS, SYSCALL_EVENT_NAMES } from '../fields/index.js';
import type { FieldDef, FieldValue, SourceDefinition } from '../source.js';

/** A special rendering of a value in outputs (e.g. a source printing fds or flags its own way). */
export type ValueRenderer<E> = (field: FieldDef<E>, value: FieldValue, arg: string | undefined) => string | undefined;

export interface CompiledSourceOptions<E> {
  /** Values `evt.type` may be compared with; enables event-type validation and indexing. */
  eventNames?: ReadonlySet<string>;
  /** Fields whose argument may follow as a `.NAME` suffix (`evt.arg.fd` = `evt.arg[fd]`). */
  dotArgumentFields?: ReadonlySet<string>;
  /** Overrides the default rendering of values in outputs; return undefined to keep the default. */
  renderValue?: ValueRenderer<E>;
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
  private readonly byName = new Map<string, FieldDef<E>>();
  private readonly dotArgumentFields: ReadonlySet<string>;

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
    this.renderValue = opts.renderValue;
    for (const f of definition.fields) {
      if (this.byName.has(f.name)) throw new Error(`source ${definition.name}: field ${f.name} defined twice`);
      this.byName.set(f.name, f);
    }
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
