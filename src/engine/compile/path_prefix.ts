// The structure behind `pmatch`: path prefixes matched component by component (libsinsp prefix_search).
// `/var/run` matches `/var/run` and `/var/run/docker` but neither `/var` nor `/var/runner`; a component may be
// an fnmatch glob (`/opt/*/subdir`); `/` matches every path. When several stored prefixes match, the
// shortest wins (adding `/usr` after `/usr/lib` makes `/usr/lib/foo` match `/usr`'s value).

import { compileGlob } from './glob.js';

interface PrefixNode<V> {
  value?: { v: V };
  literal: Map<string, PrefixNode<V>>;
  globs: Array<{ test: (component: string) => boolean; node: PrefixNode<V> }>;
  globByPattern: Map<string, PrefixNode<V>>;
}

const newNode = <V>(): PrefixNode<V> => ({ literal: new Map(), globs: [], globByPattern: new Map() });

const GLOB_CHARS = /[*?[]/;

function components(path: string): string[] {
  return path.split('/').filter((c) => c.length > 0);
}

export class PathPrefixMap<V> {
  private readonly root: PrefixNode<V> = newNode();

  add(path: string, value: V): void {
    let node = this.root;
    for (const c of components(path)) {
      if (GLOB_CHARS.test(c)) {
        let next = node.globByPattern.get(c);
        if (!next) {
          next = newNode();
          node.globByPattern.set(c, next);
          node.globs.push({ test: compileGlob(c), node: next });
        }
        node = next;
      } else {
        let next = node.literal.get(c);
        if (!next) {
          next = newNode();
          node.literal.set(c, next);
        }
        node = next;
      }
    }
    node.value = { v: value };
  }

  /** The value of the shortest stored prefix of `path`, or undefined. */
  match(path: string): V | undefined {
    return this.walk(this.root, components(path), 0)?.v;
  }

  has(path: string): boolean {
    return this.walk(this.root, components(path), 0) !== undefined;
  }

  private walk(node: PrefixNode<V>, parts: string[], i: number): { v: V } | undefined {
    if (node.value) return node.value;
    if (i >= parts.length) return undefined;
    const c = parts[i];
    const lit = node.literal.get(c);
    const viaLiteral = lit ? this.walk(lit, parts, i + 1) : undefined;
    if (viaLiteral) return viaLiteral;
    for (const g of node.globs) {
      if (g.test(c)) {
        const found = this.walk(g.node, parts, i + 1);
        if (found) return found;
      }
    }
    return undefined;
  }
}

/** The set form used by `pmatch (…)`. */
export class PathPrefixSet {
  private readonly map = new PathPrefixMap<true>();

  constructor(paths: Iterable<string> = []) {
    for (const p of paths) this.add(p);
  }

  add(path: string): void {
    this.map.add(path, true);
  }

  match(path: string): boolean {
    return this.map.has(path);
  }
}
