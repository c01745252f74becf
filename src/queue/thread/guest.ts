// Inside a delivery thread, whichever queue runs it: the console and the logger lead to the main thread,
// the outputs are built again from their config sections and metered, and the main thread's requests,
// SIGHUP and close are dispatched. Each queue's entry adds what it does with the outputs.

import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { OUTPUT_MODULES } from '../../../outputs/registry.js';
import { createLogger, type Logger } from '../../logging.js';
import { SakerMetrics } from '../../server/metrics.js';
import type { DeliveryTarget } from '../queue.js';
import { startOutputs } from '../start-outputs.js';
import type { GuestMessage, GuestSetup, HostMessage, RequestMessage } from './messages.js';

export interface Guest<Setup extends GuestSetup> {
  setup: Setup;
  post<M extends { kind: string }>(message: M): void;
  /** The thread's root logger; `queueLogger` carries the main thread's queue bindings. */
  logger: Logger;
  queueLogger: Logger;
  metrics: SakerMetrics;
  /**
   * While `collect` runs, log lines are kept and returned rather than posted: for an answer that the main
   * thread reads without its event loop (whose log messages it would never see).
   */
  collectLogs(collect: () => void): string[];
}

export interface GuestHandlers<Body extends { kind: string }> {
  /** A request of the queue's own (metrics are answered here); its value is the reply. */
  request(body: Body): unknown;
  /** A message that is neither a request, SIGHUP nor close. */
  message?(message: { kind: string }): void;
  /** Finish by `deadline`; the thread ends afterwards. */
  close(deadline: number, interruptAt: number): Promise<void>;
}

export async function openGuest<Setup extends GuestSetup>(): Promise<Guest<Setup>> {
  const port = parentPort!;
  const setup = workerData as Setup;
  const post = <M extends { kind: string }>(message: M) => port.postMessage(message);
  // Libraries write to the console too (BullMQ warns about Redis' eviction policy): the main thread's
  // console says it, so that it is routed to the logger (and said once) as theirs is.
  for (const level of ['error', 'warn', 'info', 'log', 'debug', 'trace'] as const) {
    console[level] = (...args: unknown[]) => post({ kind: 'console', level, text: format(...args) });
  }
  let kept: string[] | undefined;
  const logger = await createLogger({
    level: setup.log.level,
    format: 'json',
    destination: { write: (line: string) => (kept ? kept.push(line) : post({ kind: 'log', line })) },
  });
  return {
    setup,
    post,
    logger,
    queueLogger: logger.child(setup.log.bindings),
    metrics: new SakerMetrics({ processMetrics: false }),
    collectLogs(collect) {
      kept = [];
      try {
        collect();
        return kept;
      } finally {
        kept = undefined;
      }
    },
  };
}

/** The outputs of the setup, built again here from their recipes and metered as the main thread meters its own. */
export function buildTargets(guest: Guest<GuestSetup>): DeliveryTarget[] {
  return guest.setup.targets.map(({ recipe, policy }) => {
    const module = OUTPUT_MODULES.find((m) => m.type === recipe.type);
    if (!module) throw new Error(`the delivery thread knows no output of type '${recipe.type}'`);
    const output = module.create(recipe.values, {
      logger: guest.logger.child({ output: recipe.type }),
      hostname: recipe.hostname,
      timeoutMs: policy.timeoutMs,
      clientTls: recipe.clientTls,
    });
    return { output: guest.metrics.meter(output), policy };
  });
}

/**
 * Builds and starts the outputs, then `begin(targets)` (the queue's delivery); says `ready`, or `failed`
 * and ends the thread.
 */
export async function startGuest<Setup extends GuestSetup, T>(
  guest: Guest<Setup>,
  begin: (targets: DeliveryTarget[]) => T,
): Promise<T | undefined> {
  let targets: DeliveryTarget[] = [];
  try {
    targets = buildTargets(guest);
    await startOutputs(targets.map((target) => target.output));
    const running = begin(targets);
    guest.post({ kind: 'ready' });
    return running;
  } catch (err) {
    await Promise.allSettled(targets.map((target) => target.output.close()));
    guest.post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
    parentPort!.close();
    return undefined;
  }
}

/** Answers the main thread until it asks to close; then the thread ends. */
export function serveGuest<Body extends { kind: string }>(guest: Guest<GuestSetup>, handlers: GuestHandlers<Body>): void {
  const port = parentPort!;
  const sync = { port: guest.setup.sync.port, flag: new Int32Array(guest.setup.sync.flag) };
  const answer = (request: RequestMessage<Body>, reply: { value?: unknown; error?: string }) => {
    if (!request.sync) {
      guest.post({ kind: 'reply', id: request.id, ...reply });
      return;
    }
    sync.port.postMessage({ id: request.id, ...reply });
    Atomics.store(sync.flag, 0, 1);
    Atomics.notify(sync.flag, 0);
  };
  port.on('message', (message: HostMessage<Body> | { kind: string }) => {
    const own = message as HostMessage<Body>;
    switch (own.kind) {
      case 'request': {
        const body = own.body as Body | { kind: 'metrics' };
        const ask = (): unknown => (body.kind === 'metrics' ? guest.metrics.registry.getMetricsAsJSON() : handlers.request(body as Body));
        // A sync request is answered at once (the main thread is blocked until it is): no promise there.
        if (own.sync) {
          try {
            answer(own, { value: ask() });
          } catch (err) {
            answer(own, { error: err instanceof Error ? err.message : String(err) });
          }
          break;
        }
        void Promise.resolve()
          .then(ask)
          .then(
            (value) => answer(own, { value }),
            (err: unknown) => answer(own, { error: err instanceof Error ? err.message : String(err) }),
          );
        break;
      }
      case 'hangup':
        // Signals reach only the main thread, which passes SIGHUP on: outputs listen for it as they would there.
        process.emit('SIGHUP', 'SIGHUP');
        break;
      case 'close':
        void handlers.close(own.deadline, own.interruptAt).finally(() => {
          guest.post({ kind: 'closed' });
          port.close();
        });
        break;
      default:
        handlers.message?.(message);
    }
  });
}
