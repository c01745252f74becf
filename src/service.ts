// The composition root: configuration → outputs → queue → router → HTTP server. `saker run` and the tests
// that start saker in-process both come through here, so they run the same service.

import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { shareCaptureState } from '../capture/shared-state.js';
import type { ConfigKey, Output } from '../outputs/output.js';
import { OUTPUT_MODULES } from '../outputs/registry.js';
import { ConfigError, locateProblem, problemKey, sectionValues, type LoadedConfig } from './config/loader.js';
import { deliveryPolicy, filterSpec } from './config/output-keys.js';
import { collectServiceConfig, type ServiceConfig } from './config/service-config.js';
import { routeConsoleToLogger } from './library-console.js';
import { createLogger, REDACTED, type Logger } from './logging.js';
import { createQueue } from './queue/index.js';
import type { AlertQueue, DeliveryTarget } from './queue/queue.js';
import { compileFilter } from './router/filter.js';
import { Router, type RoutedOutput } from './router/router.js';
import { readRulesSettings, type RulesSettings } from './rules/config.js';
import { LiveRules } from './rules/live-rules.js';
import { SakerMetrics } from './server/metrics.js';
import { buildServer } from './server/server.js';
import { redactUrlPasswordsIn } from './url-credentials.js';

export interface RunningService {
  /** `http://127.0.0.1:PORT` or `https://…`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  /** The plain-HTTP listener of `tlsserver.notlspaths`, when there is one. */
  readonly plainUrl?: string;
  readonly app: FastifyInstance;
  readonly router: Router;
  readonly queue: AlertQueue;
  /** The running rules; `rules.reload(trigger)` is what SIGHUP does. */
  readonly rules: LiveRules;
  readonly logger: Logger;
  readonly metrics: SakerMetrics;
  /** Stops taking requests, finishes those in flight, lets the outputs drain, closes: within shutdowntimeout. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Defaults to a logger built from the configuration (stderr). */
  logger?: Logger;
  /** Route what libraries write to the console through the logger (`saker run`, which owns the process). */
  captureConsole?: boolean;
}

interface BuiltOutputs {
  targets: DeliveryTarget[];
  routed: RoutedOutput[];
}

/** An output's settings as the start-up log shows them: secrets and URL passwords replaced, unset keys left out. */
function shownSettings(keys: readonly ConfigKey[], values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const key of keys) {
    const value = values[key.name];
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length === 0) continue;
    shown[key.name] = key.secret ? REDACTED : redactUrlPasswordsIn(value);
  }
  return shown;
}

/** Builds every enabled output, adding the configuration problems of all of them to `problems`. */
function buildOutputs(config: LoadedConfig, service: ServiceConfig, logger: Logger, problems: string[]): BuiltOutputs {
  const built: BuiltOutputs = { targets: [], routed: [] };
  for (const section of config.sections) {
    const module = section.output;
    if (!module) continue;
    const values = sectionValues(config, section.name);
    if (!module.isEnabled(values)) {
      // Settings for an output that is off by default hint at a missing key (webhook.minimumpriority without
      // webhook.address); turning off an output that is on by default (stdout) is deliberate.
      const defaults = Object.fromEntries(section.keys.map((k) => [k.name, k.default]));
      if (config.touched.has(section.name) && !module.isEnabled(defaults)) {
        logger.warn(`output '${section.name}' has settings but is not enabled (see its keys in the README's configuration reference)`);
      }
      continue;
    }
    const policy = deliveryPolicy(values);
    let output: Output;
    const context = { hostname: hostname(), clientTls: service.clientTls };
    try {
      output = module.create(values, { ...context, logger: logger.child({ output: section.name }), timeoutMs: policy.timeoutMs });
    } catch (err) {
      problems.push((err as Error).message);
      continue;
    }
    // What another thread needs to build the same output: only modules of the registry, which it can find.
    const threadable = OUTPUT_MODULES.includes(module) && !module.mainThreadOnly && module.type === section.name;
    built.targets.push({ output, policy, recipe: threadable ? { type: module.type, values, ...context } : undefined });
    built.routed.push({ name: section.name, filter: compileFilter(filterSpec(values)) });
  }
  return built;
}

/**
 * Every check of the configuration, all at once: bad values found while loading, the spine's settings, the
 * rules' settings and what each output's `create` refuses. A problem is placed where its key was set (file
 * position or variable name); one about a key whose value was already refused (and replaced by its default
 * meanwhile) is a consequence, not news, and is left out. Throws a ConfigError listing them.
 */
function checkedStart(
  config: LoadedConfig,
  service: ServiceConfig,
  serviceProblems: readonly string[],
  logger: Logger,
): { rules: RulesSettings; built: BuiltOutputs } {
  const later = [...serviceProblems];
  let rules: RulesSettings | undefined;
  try {
    rules = readRulesSettings(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    later.push(...err.problems);
  }
  const built = buildOutputs(config, service, logger, later);
  const problems = [...config.problems];
  for (const message of later) {
    const key = problemKey(message);
    if (key === undefined || !config.problemKeys.has(key)) problems.push(locateProblem(config, message));
  }
  if (problems.length > 0 || !rules) {
    for (const { output } of built.targets) void output.close().catch(() => undefined);
    throw new ConfigError(problems);
  }
  return { rules, built };
}

export async function startService(config: LoadedConfig, options: StartOptions = {}): Promise<RunningService> {
  const serviceProblems: string[] = [];
  const service = collectServiceConfig(config, serviceProblems);
  const logger = options.logger ?? (await createLogger({ ...service.log, secrets: config.secrets }));
  if (options.captureConsole) routeConsoleToLogger(logger);
  for (const warning of config.warnings) logger.warn(`configuration: ${warning}`);

  const { rules: rulesSettings, built } = checkedStart(config, service, serviceProblems, logger);
  const { targets, routed } = built;
  for (const section of config.sections) {
    if (!routed.some((r) => r.name === section.name)) continue;
    logger.info({ output: section.name, settings: shownSettings(section.keys, sectionValues(config, section.name)) }, `output '${section.name}' enabled`);
  }
  if (targets.length === 0) logger.warn('no output is enabled: alerts are accepted and go nowhere');
  // Event numbers and first event times in memory every evaluation thread shares (capture/shared-state.ts).
  shareCaptureState();
  // Rules before outputs start: a rules file with errors stops start-up before anything connects or listens.
  const rules = await LiveRules.start(rulesSettings, logger.child({ component: 'rules' }));

  const metrics = new SakerMetrics({ alertLabels: service.metrics.alertLabels });
  const queue = await createQueue({ config: service, logger });
  try {
    // The queue starts the outputs it delivers to (either queue builds most of them again in its thread).
    await queue.start(targets.map((target) => ({ ...target, output: metrics.meter(target.output) })));
  } catch (err) {
    // A queue whose start failed holds nothing open but the outputs.
    rules.close();
    await Promise.allSettled(targets.map((t) => t.output.close()));
    throw err;
  }
  metrics.watchQueue(queue);
  metrics.watchRules(rules);
  const router = new Router(queue, routed, { ...service.enrichment, hostname: hostname() });
  const deps = { router, rules, queue, config, service, logger, metrics };
  const app = await buildServer(deps);
  const plainApp = service.plain ? await buildServer(deps, { plain: true, onlyPaths: service.plain.paths }) : undefined;
  try {
    await app.listen({ host: service.listen.address, port: service.listen.port });
    if (plainApp && service.plain) {
      await plainApp.listen({ host: service.listen.address, port: service.plain.port });
      logger.info({ port: boundPort(plainApp, service.plain.port), paths: service.plain.paths }, 'plain-HTTP listener for tlsserver.notlspaths');
    }
  } catch (err) {
    rules.close();
    await Promise.all([app.close(), plainApp?.close()]);
    await queue.close(0);
    throw err;
  }

  const port = boundPort(app, service.listen.port);
  const url = localUrl(service.tls ? 'https' : 'http', service.listen.address, port);
  logger.info(
    {
      address: service.listen.address,
      port,
      tls: service.tls ? (service.tls.clientCa ? 'mutual' : 'on') : 'off',
      auth: service.authTokens.length > 0,
      outputs: router.outputNames,
      queue: queue.kind,
      config: config.file ?? null,
    },
    `saker listening on ${service.listen.address}:${port}`,
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // One budget for every step, so that saker is gone within shutdowntimeout whatever Redis does.
      const deadline = Date.now() + service.shutdownTimeoutMs;
      logger.info('stopping: no new requests; finishing those in flight');
      rules.close();
      await Promise.all([app.close(), plainApp?.close()]);
      await queue.close(Math.max(0, deadline - Date.now()));
      logger.info('stopped');
    })();
    return stopping;
  };
  const plainUrl = plainApp && service.plain ? localUrl('http', service.listen.address, boundPort(plainApp, service.plain.port)) : undefined;
  return { url, port, plainUrl, app, router, rules, queue, logger, metrics, stop };
}

/** How this host reaches the listener: the loopback address when it listens on every interface. */
function localUrl(scheme: string, address: string, port: number): string {
  const host = address === '0.0.0.0' || address === '::' || address === '' ? '127.0.0.1' : address;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function boundPort(app: FastifyInstance, configured: number): number {
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : configured;
}
