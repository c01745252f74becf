// Every kind of output saker can build, one line each. The configuration (YAML section, environment names,
// validation, README rows) is derived from each module's `keys`; see docs/extending.md.

import { fileOutput } from './file.js';
import type { OutputModule } from './output.js';
import { stdoutOutput } from './stdout.js';
import { webhookOutput } from './webhook.js';

export const OUTPUT_MODULES: readonly OutputModule[] = [
  stdoutOutput,
  fileOutput,
  webhookOutput,
];
