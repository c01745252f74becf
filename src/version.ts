import { readFileSync } from 'node:fs';

// Read from package.json at run time so there is one place to bump. Works from src/ (tests) and dist/src/.
function findVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'saker' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0-unknown';
}

export const SAKER_VERSION = findVersion();
