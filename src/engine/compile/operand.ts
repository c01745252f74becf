// Operands of checks: a field with its argument bound once (the extractor factory is called at compile
// time), or a transformer over operands. Each knows its type and list-ness, which decide the operators and
// how literals are parsed, and reads its value from an event (undefined = missing; lists are non-empty).

import type { FieldExpr } from '../ast.js';
import { ConditionCompileError } from '../errors.js';
import { printCondition } from '../printer.js';
import type { FieldDef, FieldType, FieldValue } from '../source.js';
import type { CompiledSource } from './source.js';

export interface Operand<E> {
  /** As printed in the condition (`proc.name`, `toupper(proc.name)`), for messages. */
  text: string;
  type: FieldType;
  isList: boolean;
  read: (event: E) => FieldValue | undefined;
  /** The plain fields read underneath (for flags and deprecation), with their argument. */
  fields: Array<{ def: FieldDef<E>; arg: string | undefined }>;
  /** True when some field underneath has no extractor yet: the operand can never be read. */
  unreadable: boolean;
  /** A plain field (no transformer), for rules that apply only to fields. */
  plain?: { def: FieldDef<E>; arg: string | undefined };
}

const never = (): undefined => undefined;

/** Checks the argument against the field's argument spec, with libsinsp's plugin-field messages. */
function checkArgument<E>(def: FieldDef<E>, arg: string | undefined, text: string): void {
  if (arg !== undefined && def.arg === null) {
    throw new ConditionCompileError(
      `filter '${text}': ${def.name} does not allow nor require an argument but one is provided: ${arg}`,
    );
  }
  if (arg === undefined && def.arg?.required) {
    throw new ConditionCompileError(`filter '${text}': ${def.name} requires an argument but none provided`);
  }
  if (arg !== undefined && def.arg?.kind === 'index') {
    if (!/^[0-9]+$/.test(arg)) {
      throw new ConditionCompileError(
        `filter ${text} ${def.name} has an invalid index argument not composed only by digits: ${arg}`,
      );
    }
    if (arg.length > 1 && arg.startsWith('0')) {
      throw new ConditionCompileError(`filter ${text} ${def.name} has an invalid index argument starting with 0: ${arg}`);
    }
  }
}

/** Resolves a field reference against the source; throws Falco's error for unknown fields. */
export function resolveField<E>(
  source: CompiledSource<E>,
  name: string,
  bracketArg: string | undefined,
): { def: FieldDef<E>; arg: string | undefined } {
  const ref = source.lookup(name);
  if (!ref) throw new ConditionCompileError(`filter_check called with nonexistent field ${name}`);
  if (ref.dotArg !== undefined && bracketArg !== undefined) {
    throw new ConditionCompileError(`filter_check called with nonexistent field ${name}`);
  }
  return { def: ref.def, arg: ref.dotArg ?? bracketArg };
}

export function compileField<E>(source: CompiledSource<E>, e: FieldExpr): Operand<E> {
  const text = printCondition(e);
  const { def, arg } = resolveField(source, e.field, e.arg);
  checkArgument(def, arg, text);
  let read: Operand<E>['read'] = never;
  if (def.extractor) {
    try {
      const extract = def.extractor(arg);
      read = def.isList
        ? (event) => {
            const v = extract(event);
            return Array.isArray(v) && v.length === 0 ? undefined : v;
          }
        : extract;
    } catch (err) {
      throw new ConditionCompileError(err instanceof Error ? err.message : String(err), e.pos);
    }
  }
  const ref = { def, arg };
  return { text, type: def.type, isList: def.isList, read, fields: [ref], unreadable: !def.extractor, plain: ref };
}
