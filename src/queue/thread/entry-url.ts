// Where a thread's compiled entry is. Running from the TypeScript sources (vitest) there is none
// beside the module that starts the thread: the thread then runs the build in dist/, which `npm test` makes first.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SOURCE_ROOTS = ['/src/', '/capture/', '/outputs/'];

/** `file` (e.g. `./thread-entry.js`) beside `from` (the caller's import.meta.url), or its build in dist/. */
export function threadEntry(file: string, from: string): URL {
  const beside = new URL(file, from);
  if (!from.endsWith('.ts') || existsSync(fileURLToPath(beside))) return beside;
  // The build mirrors the repository's top-level source folders under dist/.
  const at = Math.max(...SOURCE_ROOTS.map((root) => beside.pathname.lastIndexOf(root)));
  if (at < 0) throw new Error(`cannot find the build of ${beside.pathname} (not under ${SOURCE_ROOTS.join(', ')})`);
  return new URL(`file://${beside.pathname.slice(0, at)}/dist${beside.pathname.slice(at)}`);
}
