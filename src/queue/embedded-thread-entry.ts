// The embedded queue's delivery thread (started by embedded-thread.ts): builds the outputs again from
// their config sections and runs their lanes (lanes.ts) — batches, retries, rate limits, dead letters — on
// the alerts the main thread posts once per short window. It tells the main thread how many alerts
// left each lane, so that the main thread's capacity count goes down.

import type { Logger } from 'pino';
import type { AlertsMessage, EmbeddedRequest, EmbeddedThreadSetup } from './embedded-messages.js';
import { Lanes } from './lanes.js';
import { openGuest, serveGuest, startGuest } from './thread/guest.js';

const guest = await openGuest<EmbeddedThreadSetup>();
const log: Logger = guest.queueLogger;

// Settled counts are said once per turn of this thread's event loop, not once per batch.
let settled = new Map<string, number>();
let settledScheduled = false;
function countSettled(output: string, alerts: number): void {
  settled.set(output, (settled.get(output) ?? 0) + alerts);
  if (settledScheduled) return;
  settledScheduled = true;
  setImmediate(postSettled);
}
function postSettled(): void {
  settledScheduled = false;
  if (settled.size === 0) return;
  const counts = [...settled];
  settled = new Map();
  guest.post({ kind: 'settled', counts });
}

const lanes = await startGuest(guest, (targets) => new Lanes(targets, { deadLetterLimit: guest.setup.deadLetterLimit, logger: log, onSettled: countSettled }));

if (lanes) {
  // An error nothing catches (an output's library throwing in a callback) ends the thread; the main thread
  // starts it again. The alerts held here go with it: name them first, as a shutdown would.
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'the delivery thread failed');
    lanes.reportLoss('are lost: the delivery thread failed');
    process.exit(1);
  });

  serveGuest<EmbeddedRequest>(guest, {
    request(body) {
      // Counts said before the answer, on the same port: stats that show an alert as a dead letter, or the
      // lanes after a retry, find the depth at the door already down.
      postSettled();
      switch (body.kind) {
        case 'dead-letter-counts':
          return Object.fromEntries(lanes.names.map((name) => [name, lanes.deadLetterCount(name)]));
        case 'dlq-list':
          return lanes.listDead(body.output, body.offset, body.limit);
        case 'dlq-retry':
          return lanes.requeueDead(body.output, body.ids);
        case 'dlq-purge':
          return lanes.purgeDead(body.output);
        case 'loss':
          return guest.collectLogs(() => lanes.reportLoss(body.what));
        default:
          throw new Error(`the delivery thread has no answer to '${body.kind}'`);
      }
    },
    message(message) {
      if (message.kind !== 'alerts') return;
      const { at, outputs, alerts } = message as AlertsMessage;
      for (let i = 0; i < outputs.length; i++) lanes.push(outputs[i]!, alerts[i]!, at);
    },
    close: (deadline) => lanes.close(Math.max(0, deadline - Date.now())),
  });
}
