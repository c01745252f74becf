// `saker run`: load the configuration, start the service, and stop it cleanly on SIGTERM/SIGINT.

import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { SERVER_SECTION } from '../config/core-sections.js';
import { ConfigError, readConfig, sectionValues, type LoadedConfig } from '../config/loader.js';
import { SignalHandling } from './shutdown.js';
// The service and the configuration sections (every output's client library: ~55 MB) are imported when
// `saker run` runs, not when the command line is built: other commands (replay, validate…) do without.

const DEFAULT_SHUTDOWN_TIMEOUT_MS = SERVER_SECTION.keys.find((key) => key.name === 'shutdowntimeout')!.default as number;

interface RunFlags {
  config?: string;
  port?: string;
  pretty?: boolean;
  logLevel?: string;
}

/** `-c FILE`, else `./config.yaml` when there is one, else defaults and environment only. */
export function configFileToUse(flag: string | undefined): string | undefined {
  if (flag !== undefined) return flag;
  return existsSync('config.yaml') ? 'config.yaml' : undefined;
}

async function load(flags: RunFlags): Promise<LoadedConfig> {
  const { allSections } = await import('../config/sections.js');
  const overrides: Record<string, string> = {};
  if (flags.port !== undefined) overrides['listenport'] = flags.port;
  if (flags.pretty) overrides['log.format'] = 'pretty';
  if (flags.logLevel !== undefined) overrides['log.level'] = flags.logLevel;
  // Bad values do not stop here: startService reports them together with what the outputs find wrong.
  return readConfig({ file: configFileToUse(flags.config), env: process.env, overrides, sections: allSections() });
}

async function run(flags: RunFlags): Promise<void> {
  const signals = new SignalHandling(DEFAULT_SHUTDOWN_TIMEOUT_MS);
  signals.install();
  let running;
  let secrets: readonly string[] = [];
  try {
    const config = await load(flags);
    secrets = config.secrets;
    signals.timeoutMs = Number(sectionValues(config, '')['shutdowntimeout'] ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
    const { startService } = await import('../service.js');
    running = await startService(config, { captureConsole: true });
  } catch (err) {
    // Messages quote values (a URL with its password, a library's error): scrubbed as log lines are.
    const { Scrubber } = await import('../logging.js');
    const scrubber = new Scrubber(secrets);
    if (err instanceof ConfigError) {
      process.stderr.write(`saker: ${scrubber.scrub(err.message)}\n`);
      process.exit(2);
    }
    process.stderr.write(`saker: cannot start: ${scrubber.scrub((err as Error).message)}\n`);
    process.exit(1);
  }
  signals.started(running);
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('start saker: the HTTP API (Falco alerts on POST /), the router, the queue and the outputs')
    .addOption(new Option('-c, --config <file>', 'YAML configuration file (default: ./config.yaml when it exists)').env('SAKER_CONFIG'))
    .option('-p, --port <port>', 'listen on this port (overrides listenport / LISTENPORT)')
    .option('--pretty', 'human-readable logs instead of JSON (log.format: pretty)')
    .addOption(new Option('--log-level <level>', 'least severe log level written (log.level)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace']))
    .addHelpText(
      'after',
      `
Every setting can also be given as an environment variable named after its key, uppercased, with
nested keys joined by "_" (Falcosidekick's convention): LISTENPORT=2801, WEBHOOK_ADDRESS=http://…,
WEBHOOK_MINIMUMPRIORITY=warning. Environment variables win over the file; flags win over both.
The README's "Configuration reference" lists every key.

Exit codes: 0 after a clean shutdown (SIGTERM/SIGINT), 1 when saker cannot start or a second signal
cut the shutdown short, 2 for invalid configuration or usage.`,
    )
    .action(run);
}
