// Every kind of output saker can build, one line each. The configuration (YAML section, environment names,
// validation, README rows) is derived from each module's `keys`; see docs/extending.md.

import { smtp } from './email.js';
import { elasticsearch } from './elasticsearch.js';
import { fileOutput } from './file.js';
import type { OutputModule } from './output.js';
import { pagerduty } from './pagerduty.js';
import { script } from './script.js';
import { slack } from './slack.js';
import { stdoutOutput } from './stdout.js';
import { syslog } from './syslog.js';
import { webhookOutput } from './webhook.js';

export const OUTPUT_MODULES: readonly OutputModule[] = [
  stdoutOutput,
  fileOutput,
  webhookOutput,
  slack,
  pagerduty,
  smtp,
  elasticsearch,
  syslog,
  script,
];
