import type { Command } from 'commander';
import { SAKER_VERSION } from '../version.js';

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print the saker version')
    .action(() => {
      process.stdout.write(`saker ${SAKER_VERSION}\n`);
    });
}
