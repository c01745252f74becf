// Which packages a child process loads, as a fact: the process is preloaded (`--import`) with an ESM resolve
// hook (module.register) that appends every module URL it resolves to a file, read back by the test.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ResolvedLog {
  /** For the child's environment: RESOLVED_LOG=file. */
  file: string;
  /** Those of `names` (package names) the process has resolved so far, in the order given. */
  packages(names: readonly string[]): string[];
  /** Every URL resolved so far. */
  text(): string;
}

export class ModuleProbe {
  private logs = 0;

  private constructor(
    private readonly dir: string,
    /** For `node --import …` or NODE_OPTIONS=--import=…. */
    readonly preload: string,
  ) {}

  static create(): ModuleProbe {
    const dir = mkdtempSync(join(tmpdir(), 'saker-resolved-'));
    // Runs on the loader thread: the file is written before the import that asked for the module goes on.
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(log, resolved.url + '\\n');
  return resolved;
}
`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';
register('./hooks.mjs', import.meta.url, { data: { log: process.env.RESOLVED_LOG } });
`,
    );
    return new ModuleProbe(dir, pathToFileURL(join(dir, 'register.mjs')).href);
  }

  /** A fresh file for one process to log its resolved modules into. */
  log(): ResolvedLog {
    const file = join(this.dir, `resolved-${++this.logs}.log`);
    writeFileSync(file, '');
    const text = (): string => readFileSync(file, 'utf8');
    return { file, text, packages: (names) => names.filter((name) => text().includes(`/node_modules/${name}/`)) };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
