// The Redis queue's delivery thread (started by thread.ts): builds the outputs again from their config
// sections, starts them, and runs their BullMQ workers (deliverers.ts) until the main thread asks it to
// close. Logs and metrics go to the main thread, which writes and serves them as its own.

import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { OUTPUT_MODULES } from '../../../outputs/registry.js';
import { createLogger, type Logger } from '../../logging.js';
import { SakerMetrics } from '../../server/metrics.js';
import type { DeliveryTarget } from '../queue.js';
import { startOutputs } from '../start-outputs.js';
import { Deliverers } from './deliverers.js';
import type { FromThread, ThreadSetup, ToThread } from './thread-messages.js';

const port = parentPort!;
const setup = workerData as ThreadSetup;
const post = (message: FromThread) => port.postMessage(message);

// Libraries write to the console too (BullMQ warns about Redis' eviction policy): the main thread's console
// says it, so that it is routed to the logger (and said once) as theirs is.
for (const level of ['error', 'warn', 'info', 'log', 'debug', 'trace'] as const) {
  console[level] = (...args: unknown[]) => post({ kind: 'console', level, text: format(...args) });
}

const root = await createLogger({ level: setup.log.level, format: 'json', destination: { write: (line: string) => post({ kind: 'log', line }) } });
const metrics = new SakerMetrics({ processMetrics: false });

function build(logger: Logger): DeliveryTarget[] {
  return setup.targets.map(({ recipe, policy }) => {
    const module = OUTPUT_MODULES.find((m) => m.type === recipe.type);
    if (!module) throw new Error(`the delivery thread knows no output of type '${recipe.type}'`);
    const output = module.create(recipe.values, {
      logger: logger.child({ output: recipe.type }),
      hostname: recipe.hostname,
      timeoutMs: policy.timeoutMs,
      clientTls: recipe.clientTls,
    });
    return { output: metrics.meter(output), policy };
  });
}

let deliverers: Deliverers | undefined;
let targets: DeliveryTarget[] = [];
try {
  targets = build(root);
  await startOutputs(targets.map((target) => target.output));
  deliverers = new Deliverers(targets, setup.options, root.child(setup.log.bindings));
  deliverers.run();
  post({ kind: 'ready' });
} catch (err) {
  await Promise.allSettled(targets.map((target) => target.output.close()));
  post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  port.close();
}

port.on('message', (message: ToThread) => {
  switch (message.kind) {
    case 'metrics':
      void metrics.registry.getMetricsAsJSON().then((snapshot) => post({ kind: 'metrics', id: message.id, snapshot }));
      break;
    case 'hangup':
      // Signals reach only the main thread, which passes SIGHUP on: outputs listen for it as they would there.
      process.emit('SIGHUP', 'SIGHUP');
      break;
    case 'close':
      void (deliverers?.close(message.deadline, message.interruptAt) ?? Promise.resolve()).finally(() => {
        post({ kind: 'closed' });
        port.close();
      });
      break;
  }
});
