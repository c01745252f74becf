// The README as GitHub renders it: every table row has its header's cells (GFM splits rows on each `|` that
// is not backslash-escaped, code spans included), every `(#anchor)` link lands on a heading or an anchor, and
// the HTTP API table lists exactly the routes saker serves.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './helpers/service.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The README's lines outside fenced code blocks, with their line numbers. */
function proseLines(): Array<{ n: number; text: string }> {
  let fenced = false;
  const out: Array<{ n: number; text: string }> = [];
  readme.split('\n').forEach((text, i) => {
    if (/^\s*```/.test(text)) fenced = !fenced;
    else if (!fenced) out.push({ n: i + 1, text });
  });
  return out;
}

/** Cells of a table row as GFM's table extension splits it: at `|`, unless escaped by a backslash. */
export function gfmCells(row: string): number {
  let separators = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\') i++;
    else if (row[i] === '|') separators++;
  }
  const trimmed = row.trim();
  return separators + 1 - (trimmed.startsWith('|') ? 1 : 0) - (trimmed.endsWith('|') && !trimmed.endsWith('\\|') ? 1 : 0);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2… */
function anchors(): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { text } of proseLines()) {
    const m = /^#{1,6}\s+(.*)$/.exec(text);
    if (!m) continue;
    const slug = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .trim()
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const m of readme.matchAll(/<a name="([^"]+)"><\/a>/g)) out.add(m[1]!);
  return out;
}

describe('README.md as GitHub renders it', () => {
  it('has as many cells in every table row as in its header', () => {
    const lines = proseLines();
    const broken: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      if (!/^\|?\s*:?-{3,}/.test(lines[i]!.text) || !lines[i - 1]!.text.includes('|')) continue;
      const width = gfmCells(lines[i - 1]!.text);
      for (let j = i + 1; j < lines.length && lines[j]!.text.trim().startsWith('|'); j++) {
        const cells = gfmCells(lines[j]!.text);
        if (cells !== width) broken.push(`README.md:${lines[j]!.n}: ${cells} cells, the header has ${width}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('counts cells as GFM does', () => {
    expect(gfmCells('| a | b |')).toBe(2);
    expect(gfmCells('| `a \\| b` | c |')).toBe(2);
    // An escaped backslash does not escape the pipe after it: this row has three cells.
    expect(gfmCells('| a \\\\| b | c |')).toBe(3);
  });

  it('links only to anchors that exist', () => {
    const known = anchors();
    const missing = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!).filter((a) => !known.has(a));
    expect(missing).toEqual([]);
  });
});

describe("the README's HTTP API table", () => {
  let saker: TestService;
  beforeAll(async () => {
    saker = await startTestService();
  });
  afterAll(async () => {
    await saker.stop();
  });

  /** `METHOD /path` of every route fastify serves (HEAD, which fastify adds to each GET, left out). */
  function servedRoutes(): string[] {
    const routes: string[] = [];
    const stack: string[] = [];
    for (const line of saker.app.printRoutes({ commonPrefix: false }).split('\n')) {
      const m = /^([\s│]*)[└├]── (\S+) \(([^)]+)\)$/.exec(line);
      if (!m) continue;
      const depth = m[1]!.length / 4;
      const parent = depth === 0 ? '' : stack[depth - 1]!;
      const path = m[2]!.startsWith('/') || parent.endsWith('/') ? `${parent}${m[2]}` : `${parent}/${m[2]}`;
      stack[depth] = path;
      for (const method of m[3]!.split(', ')) if (method !== 'HEAD') routes.push(`${method} ${path}`);
    }
    return routes.sort();
  }

  it('lists every route saker serves, and no other', () => {
    const table = readme.slice(readme.indexOf('## HTTP API'), readme.indexOf('\n\n', readme.indexOf('| route |')));
    const documented = [...table.matchAll(/^\| `(\w+) ([^`?\s]+)[^`]*` \|/gm)].map((m) => `${m[1]} ${m[2]!.replace('OUTPUT', ':output')}`).sort();
    expect(servedRoutes()).toContain('POST /k8s-audit');
    expect(documented).toEqual(servedRoutes());
  });
});
