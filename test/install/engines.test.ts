// `npm ci` on Node 20 (the team's runtime, the Docker image's) must install without EBADENGINE warnings: every
// package in the lockfile must accept the running Node 20 (package.json's `overrides` pin what would not).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Version = [number, number, number];

function parse(text: string): { version: Version; parts: number } {
  const pieces = text.replace(/^v/, '').split('.');
  const numbers = pieces.filter((p) => /^\d+$/.test(p)).map(Number);
  return { version: [numbers[0] ?? 0, numbers[1] ?? 0, numbers[2] ?? 0], parts: numbers.length };
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** npm's range grammar, as far as engines.node fields use it: `||`, `>= < > <=`, `^`, `~`, `X.x`, `*`. */
export function satisfies(node: string, range: string): boolean {
  const v = parse(node).version;
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .every((comparator) => {
        if (comparator === '*' || comparator === '' || comparator === 'x') return true;
        const m = /^(>=|<=|>|<|\^|~|=)?(.*)$/.exec(comparator)!;
        const { version: bound, parts } = parse(m[2]!);
        const upper = (at: number): Version => (at === 0 ? [bound[0] + 1, 0, 0] : [bound[0], bound[1] + 1, 0]);
        switch (m[1]) {
          case '>=':
            return compare(v, bound) >= 0;
          case '>':
            return compare(v, bound) > 0;
          case '<=':
            return compare(v, bound) <= 0;
          case '<':
            return compare(v, bound) < 0;
          case '^':
            return compare(v, bound) >= 0 && compare(v, upper(bound[0] > 0 ? 0 : 1)) < 0;
          case '~':
            return compare(v, bound) >= 0 && compare(v, upper(parts > 1 ? 1 : 0)) < 0;
          default:
            // `20`, `20.x`, `20.1.*`, `20.1.2`
            return parts === 3 ? compare(v, bound) === 0 : compare(v, bound) >= 0 && compare(v, upper(parts - 1)) < 0;
        }
      }),
  );
}

const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

describe('the range check itself', () => {
  it('reads the forms the lockfile uses', () => {
    expect(satisfies('20.20.2', '>=22')).toBe(false);
    expect(satisfies('20.20.2', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('20.18.0', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('20.20.2', '^18.0.0 || ^20.0.0 || >=22.0.0')).toBe(true);
    expect(satisfies('20.20.2', '10.* || >= 12.*')).toBe(true);
    expect(satisfies('20.20.2', '>= 10.x')).toBe(true);
    expect(satisfies('20.20.2', '^16 || ^18')).toBe(false);
  });
});

const node = process.versions.node;
describe.skipIf(!node.startsWith('20.'))(`npm ci on Node 20 (skipped: this is Node ${node}, the check is for Node 20)`, () => {
  it('installs only packages whose engines accept this Node', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.engines && !Array.isArray(p.engines) && p.engines.node && !satisfies(node, p.engines.node))
      .map(([path, p]) => `${path}@${p.version}: node ${(p.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
  });
});
