// Typed reads of one output's section. The config loader has already parsed and validated every value
// against its declared type and applied defaults; what is left here is reading them without casts, and
// reporting the problems types cannot express with the key's name, as a user wrote it.

import type { ConfigKey, OutputConfig } from './output.js';

export class SectionConfig {
  constructor(
    readonly section: string,
    private readonly keys: readonly ConfigKey[],
    private readonly values: OutputConfig,
  ) {}

  /** Throws the error a user sees at start-up: `slack.channel: required with token`. */
  fail(name: string, problem: string): never {
    throw new Error(`${this.section}.${name}: ${problem}`);
  }

  private raw(name: string): unknown {
    const key = this.keys.find((k) => k.name === name);
    if (!key) throw new Error(`${this.section}: no key '${name}' is declared (saker bug)`);
    const v = this.values[name];
    return v === undefined || v === null || v === '' ? key.default : v;
  }

  private typed<T>(name: string, check: (v: unknown) => v is T, what: string): T | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!check(v)) return this.fail(name, `expected ${what}, got ${JSON.stringify(v)}`);
    return v;
  }

  string(name: string): string | undefined {
    return this.typed(name, (v): v is string => typeof v === 'string', 'text') || undefined;
  }

  requiredString(name: string, why = 'required'): string {
    return this.string(name) ?? this.fail(name, why);
  }

  /** Integers, and durations (milliseconds). */
  number(name: string): number {
    return this.typed(name, (v): v is number => typeof v === 'number', 'a number') ?? this.fail(name, 'required');
  }

  bool(name: string): boolean {
    return this.typed(name, (v): v is boolean => typeof v === 'boolean', 'true or false') ?? false;
  }

  /** True, false, or undefined when neither the user nor a default said. */
  optionalBool(name: string): boolean | undefined {
    return this.typed(name, (v): v is boolean => typeof v === 'boolean', 'true or false');
  }

  list(name: string): string[] {
    return this.typed(name, (v): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string'), 'a list of text') ?? [];
  }

  map(name: string): Record<string, string> {
    return this.typed(name, (v): v is Record<string, string> => typeof v === 'object' && v !== null && !Array.isArray(v), 'a map') ?? {};
  }

  choice<T extends string>(name: string): T {
    const values = this.keys.find((k) => k.name === name)?.values ?? [];
    const v = this.string(name);
    if (v === undefined || !values.includes(v)) return this.fail(name, `expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }
}
