// Typed reads of one output's resolved config section. The config loader has already validated types and
// applied defaults; this reader falls back to the declared defaults as well, so that an output built directly
// (tests, benchmarks) behaves the same, and its errors name the key as the user wrote it.

import type { ConfigKey, OutputConfig } from './output.js';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

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

  /** The value, or the declared default; empty strings count as unset, as in Falcosidekick's examples. */
  private raw(name: string): unknown {
    const key = this.keys.find((k) => k.name === name);
    if (!key) throw new Error(`${this.section}: no key '${name}' is declared (saker bug)`);
    let v = this.values[name];
    for (const alias of key.aliases ?? []) if (v === undefined) v = this.values[alias];
    return v === undefined || v === null || v === '' ? key.default : v;
  }

  string(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(name, 'expected text');
  }

  requiredString(name: string, why = 'required'): string {
    return this.string(name) ?? this.fail(name, why);
  }

  int(name: string, min = Number.MIN_SAFE_INTEGER): number {
    const v = this.raw(name);
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) return this.fail(name, `expected an integer, got ${JSON.stringify(v)}`);
    if (n < min) return this.fail(name, `must be at least ${min}, got ${n}`);
    return n;
  }

  bool(name: string): boolean {
    const v = this.raw(name);
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|1|yes)$/i.test(v)) return true;
    if (typeof v === 'string' && /^(false|0|no)$/i.test(v)) return false;
    if (v === undefined) return false;
    return this.fail(name, `expected true or false, got ${JSON.stringify(v)}`);
  }

  /** Milliseconds, from a number or text with a unit (500ms, 10s, 2m, 1h). */
  duration(name: string): number {
    const v = this.raw(name);
    if (typeof v === 'number' && v >= 0) return v;
    const m = typeof v === 'string' ? DURATION.exec(v.trim()) : null;
    if (!m) return this.fail(name, `expected a duration such as 500ms, 10s or 2m, got ${JSON.stringify(v)}`);
    return Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
  }

  /** A list; text is split on commas (Falcosidekick's `to: "a@x, b@y"`). */
  list(name: string): string[] {
    const v = this.raw(name);
    if (v === undefined) return [];
    if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
    if (Array.isArray(v)) return v.map((item) => (typeof item === 'string' ? item : this.fail(name, 'expected a list of text'))).filter(Boolean);
    return this.fail(name, 'expected a list');
  }

  map(name: string): Record<string, string> {
    const v = this.raw(name);
    if (v === undefined) return {};
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, String(val)]));
    }
    if (typeof v === 'string') {
      // Falcosidekick's environment convention: k1:v1,k2:v2
      const out: Record<string, string> = {};
      for (const pair of v.split(',').filter((s) => s.trim())) {
        const colon = pair.indexOf(':');
        if (colon <= 0) this.fail(name, `expected key:value pairs, got '${pair}'`);
        out[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
      }
      return out;
    }
    return this.fail(name, 'expected a map of key: value');
  }

  choice<T extends string>(name: string): T {
    const key = this.keys.find((k) => k.name === name);
    const v = this.string(name)?.toLowerCase();
    if (v === undefined || !key?.values?.includes(v)) {
      return this.fail(name, `expected one of ${key?.values?.join(', ')}, got ${JSON.stringify(v)}`);
    }
    return v as T;
  }
}
