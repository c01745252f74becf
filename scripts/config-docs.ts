// `npm run docs:config`: rewrites the README's configuration reference from the key declarations.

import { readFileSync, writeFileSync } from 'node:fs';
import { renderReference, withReference } from '../src/config/reference.js';
import { allSections } from '../src/config/sections.js';

const readmeUrl = new URL('../../README.md', import.meta.url);
const before = readFileSync(readmeUrl, 'utf8');
const after = withReference(before, renderReference(allSections()));
if (after === before) {
  process.stdout.write('README.md: configuration reference already up to date\n');
} else {
  writeFileSync(readmeUrl, after);
  process.stdout.write('README.md: configuration reference rewritten\n');
}
