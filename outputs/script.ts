// Scripted responses: run a configured command for each alert its match block selects. The command is an
// argv array (never a shell); the alert comes on stdin as JSON and its main fields as SAKER_* environment
// variables; at most `maxprocesses` run at once; exit code 0 is done, 75 (EX_TEMPFAIL) asks for a retry,
// anything else fails permanently with the end of stderr in the dead letter.

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import { render } from './alert-template.js';
import { deliverEach } from './deliver-each.js';
import { PermanentError, RetryableError, type Alert, type ConfigKey, type DeliveryError, type Output, type OutputModule, type SendContext } from './output.js';
import { compileMatch, type AlertMatcher } from './script-match.js';
import { SpawnError, type RunResult } from './script-process.js';
import { Runners } from './script-runners.js';
import { SectionConfig } from './section-config.js';

/** Variables a command needs to work at all, none of them secret; saker's own environment stays out. */
const DEFAULT_PASSENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'];

const keys: readonly ConfigKey[] = [
  { name: 'command', type: 'string[]', doc: 'The command and its arguments, as a list (`[/usr/local/bin/respond, --apply]`): run directly, never through a shell. Setting it enables the output.' },
  { name: 'cwd', type: 'string', doc: 'Working directory of the command (default: saker\'s).' },
  { name: 'env', type: 'map', secret: true, doc: 'Extra environment variables for the command (may hold its credentials).' },
  { name: 'passenv', type: 'string[]', default: DEFAULT_PASSENV, doc: 'Variables passed on from saker\'s environment; nothing else of it is, so saker\'s secrets do not leak into scripts.' },
  { name: 'envfields', type: 'string[]', default: [], doc: 'Output fields also given as variables: `k8s.pod.name` becomes `SAKER_FIELD_K8S_POD_NAME`.' },
  { name: 'maxprocesses', type: 'int', default: 4, min: 1, max: 256, doc: 'Commands running at once, at most.' },
  { name: 'killgrace', type: 'duration', default: 2000, min: 0, doc: 'When a run times out it gets SIGTERM, then SIGKILL after this long (its whole process group).' },
  { name: 'dry_run', type: 'bool', default: false, doc: 'Log what would run, and run nothing.' },
  { name: 'match.rules', type: 'string[]', default: [], doc: 'Run only for these rules (exact names; any of them).' },
  { name: 'match.priority', type: 'string', doc: 'Run only for priorities that compare: `>=Critical`, `<Warning`, `=Error`, `!=Debug`.' },
  { name: 'match.tags', type: 'string[]', default: [], doc: 'Run only for alerts carrying all tags of one item: `[\'container,shell\', mitre_persistence]`.' },
  { name: 'match.output_fields', type: 'string[]', default: [], doc: 'Run only when every condition holds: `k8s.ns.name=prod`, `user.name!=root`.' },
  { name: 'match.source', type: 'string', doc: 'Run only for alerts from this source (`syscall`, `k8s_audit`, …).' },
];

/** sysexits.h: "temporary failure, the user is invited to retry". */
const EX_TEMPFAIL = 75;
const TRANSIENT_SPAWN_CODES = new Set(['EAGAIN', 'EMFILE', 'ENFILE', 'ENOMEM', 'ABORT_ERR', 'ERUNNER']);
/** Runner processes per output: two overlap their forks' waits; more would mostly cost memory on 2 cores. */
const RUNNERS = 2;

/** Counts processes across concurrent sends, so `maxprocesses` holds whatever the queue does. */
class ProcessSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

export function envName(field: string): string {
  return `SAKER_FIELD_${field.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '')}`;
}

/** Environment values cannot hold NUL bytes; everything else passes as is. */
function envValue(text: string): string {
  return text.replace(/\0/g, '');
}

export function alertEnvironment(alert: Alert, fields: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {
    SAKER_RULE: alert.rule,
    SAKER_PRIORITY: alert.priority,
    SAKER_SOURCE: alert.source,
    SAKER_HOSTNAME: alert.hostname,
    SAKER_UUID: alert.uuid,
    SAKER_TIME: alert.time,
    SAKER_TAGS: alert.tags.join(','),
    SAKER_OUTPUT: alert.output,
  };
  for (const field of fields) {
    const value = alert.output_fields[field];
    if (value !== undefined) env[envName(field)] = render(value);
  }
  for (const k of Object.keys(env)) env[k] = envValue(env[k]!);
  return env;
}

function verdict(argv0: string, result: RunResult): DeliveryError | undefined {
  if (result.code === 0 && !result.killed) return undefined;
  const stderr = result.stderr ? `: ${result.stderr}` : '';
  if (result.killed) return new RetryableError(`${argv0} was killed when the attempt timed out${stderr}`);
  if (result.signal) return new RetryableError(`${argv0} died of ${result.signal}${stderr}`);
  if (result.code === EX_TEMPFAIL) return new RetryableError(`${argv0} asked for a retry (exit code 75)${stderr}`);
  return new PermanentError(`${argv0} exited with code ${result.code}${stderr}`);
}

interface ScriptSettings {
  argv: string[];
  cwd?: string;
  baseEnv: Record<string, string>;
  envFields: string[];
  killGraceMs: number;
  dryRun: boolean;
  matches: AlertMatcher;
}

class ScriptOutput implements Output {
  readonly maxBatch: number;
  private readonly slots: ProcessSlots;
  private readonly runners: Runners;

  constructor(
    readonly name: string,
    private readonly settings: ScriptSettings,
    maxProcesses: number,
    private readonly logger: Logger,
  ) {
    this.maxBatch = maxProcesses;
    this.slots = new ProcessSlots(maxProcesses);
    this.runners = new Runners(Math.min(RUNNERS, maxProcesses));
  }

  send(alerts: Alert[], ctx: SendContext): Promise<void> {
    return deliverEach(alerts, alerts.length, ctx.signal, (alert) => this.respond(alert, ctx.signal));
  }

  private async respond(alert: Alert, signal: AbortSignal): Promise<void> {
    const { argv, cwd, baseEnv, envFields, killGraceMs, dryRun, matches } = this.settings;
    if (!matches(alert)) {
      this.logger.debug({ rule: alert.rule, uuid: alert.uuid }, 'alert does not match the script\'s match block; nothing to run');
      return;
    }
    const env = { ...baseEnv, ...alertEnvironment(alert, envFields) };
    if (dryRun) {
      this.logger.info({ argv, cwd, uuid: alert.uuid, rule: alert.rule, variables: Object.keys(env).filter((k) => k.startsWith('SAKER_')) }, 'dry run: would run the response command');
      return;
    }
    let result: RunResult;
    try {
      result = await this.slots.run(() => this.runners.run({ argv, cwd, env, stdin: `${JSON.stringify(alert)}\n`, signal, killGraceMs }));
    } catch (err) {
      if (err instanceof SpawnError && !TRANSIENT_SPAWN_CODES.has(err.code ?? '')) throw new PermanentError(err.message);
      throw new RetryableError(err instanceof Error ? err.message : String(err), undefined, { cause: err });
    }
    const failure = verdict(argv[0]!, result);
    if (failure) throw failure;
  }

  close(): Promise<void> {
    return this.runners.stop();
  }
}

/** Where the command would be found, so a typo fails at start-up instead of on the first alert. */
function resolveExecutable(command: string, path: string | undefined, cwd: string | undefined): string | undefined {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : join(cwd ?? process.cwd(), command)]
    : (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

export const script: OutputModule = {
  type: 'script',
  summary: 'Scripted responses: run a command (argv, no shell) with the alert on stdin, for the alerts its match block selects',
  keys,
  isEnabled: (config) => Array.isArray(config.command) ? config.command.length > 0 : Boolean(config.command),
  create(config, ctx) {
    const c = new SectionConfig('script', keys, config);
    const argv = c.list('command');
    if (argv.length === 0) c.fail('command', 'required: the command to run, as a list');
    const cwd = c.string('cwd');
    if (cwd) {
      let isDir = false;
      try {
        isDir = statSync(cwd).isDirectory();
      } catch {
        // reported below
      }
      if (!isDir) c.fail('cwd', `${cwd} is not a directory`);
    }
    const baseEnv: Record<string, string> = {};
    for (const name of c.list('passenv')) if (process.env[name] !== undefined) baseEnv[name] = process.env[name]!;
    Object.assign(baseEnv, c.map('env'));
    const dryRun = c.bool('dry_run');
    if (!dryRun && !resolveExecutable(argv[0]!, baseEnv.PATH, cwd)) {
      c.fail('command', `${argv[0]} is not an executable file${argv[0]!.includes('/') ? '' : ' on the PATH given to scripts'}`);
    }
    const matches = compileMatch(
      {
        rules: c.list('match.rules'),
        priority: c.string('match.priority'),
        tags: c.list('match.tags'),
        outputFields: c.list('match.output_fields'),
        source: c.string('match.source'),
      },
      (key, problem) => c.fail(key, problem),
    );
    const settings: ScriptSettings = {
      argv,
      cwd,
      baseEnv,
      envFields: c.list('envfields'),
      killGraceMs: c.number('killgrace'),
      dryRun,
      matches,
    };
    return new ScriptOutput('script', settings, c.number('maxprocesses'), ctx.logger);
  },
};
