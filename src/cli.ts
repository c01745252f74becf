#!/usr/bin/env node
// The `saker` command. Each subcommand lives in src/cli/<name>.ts and is registered here with one line.

import { Command } from 'commander';
import { registerDlq } from './cli/dlq.js';
import { registerRun } from './cli/run.js';
import { registerFields } from './cli/fields.js';
import { registerHealth } from './cli/health.js';
import { registerRules } from './cli/rules.js';
import { registerValidate } from './cli/validate.js';
import { registerReplay } from './cli/replay.js';
import { registerVersion } from './cli/version.js';
import { reportUsageErrorsBriefly } from './cli/usage.js';
import { SAKER_VERSION } from './version.js';

const program = new Command('saker')
  .description('Falco-compatible detection engine and durable alert router')
  .version(`saker ${SAKER_VERSION}`, '-V, --version', 'print the saker version (as `saker version`)')
  // Exit code 2 for usage errors (unknown option, missing argument), as the CLI promises.
  .exitOverride((err) => {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

registerRun(program);
registerDlq(program);
registerReplay(program);
registerVersion(program);
registerValidate(program);
registerRules(program);
registerFields(program);
registerHealth(program);
reportUsageErrorsBriefly(program);

await program.parseAsync(process.argv);
