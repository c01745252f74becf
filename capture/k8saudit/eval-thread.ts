// An evaluation thread of POST /k8s-audit (started by eval-pool.ts): builds the running rules from the
// texts the main thread loaded, then reads, checks and evaluates the request bodies it is sent, one at a
// time, and sends back the alerts and what became of the events. A `rules` message swaps its rules
// between two bodies, so that every body is evaluated by one rule set.

import { parentPort, workerData } from 'node:worker_threads';
import type { Alert } from '../../src/alert.js';
import type { Engine } from '../../src/engine/engine.js';
import { compileRuleTexts } from '../../src/rules/rule-texts.js';
import { recycleIndexMemory } from '../json/indexer.js';
import { outcomeOf } from '../outcome.js';
import { adoptCaptureState, reserveEventNumbers } from '../shared-state.js';
import { readAuditBody } from './body.js';
import type { BodyOptions, EvalThreadSetup, SentBodyResult, FromEvalThread, ToEvalThread } from './eval-messages.js';
import { numberEvents } from './parse.js';

const port = parentPort!;
const setup = workerData as EvalThreadSetup;
const post = (message: FromEvalThread) => port.postMessage(message);

adoptCaptureState(setup.memory);

let engine: Engine;
let generation = setup.recipe.generation;
{
  const built = compileRuleTexts(setup.recipe.settings, setup.recipe.texts);
  if (built.errors.length > 0) {
    post({ kind: 'failed', message: `the rules did not build in an evaluation thread: ${built.errors.join('; ')}` });
    port.close();
    process.exit(1);
  }
  engine = built.engine;
  post({ kind: 'ready', generation });
}

/** Events are numbered after the body is split, one range per body (capture/shared-state.ts). */
const unnumbered = () => 0;

function evaluate(bytes: Uint8Array, options: BodyOptions): SentBodyResult {
  // Nothing of the previous body is in use any more (its alerts were cloned when they were sent).
  recycleIndexMemory();
  const body = readAuditBody(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { ...options, eventNumber: unnumbered });
  if (body.kind !== 'batch') return body;
  const { batch } = body;
  numberEvents(batch.events, reserveEventNumbers(batch.events.length));
  const alerts: Alert[] = [];
  for (const event of batch.events) {
    const raised = engine.evaluate('k8s_audit', event);
    for (let i = 0; i < raised.length; i++) alerts.push(raised[i]!);
  }
  return { kind: 'evaluated', outcome: outcomeOf(batch), alerts: JSON.stringify(alerts), generation };
}

port.on('message', (message: ToEvalThread) => {
  if (message.kind === 'rules') {
    const built = compileRuleTexts(message.recipe.settings, message.recipe.texts);
    if (built.errors.length === 0) {
      engine = built.engine;
      generation = message.recipe.generation;
    }
    post({ kind: 'rules', generation: message.recipe.generation, errors: built.errors });
    return;
  }
  try {
    post({ kind: 'done', id: message.id, result: evaluate(message.bytes, message.options) });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ kind: 'error', id: message.id, message: e.message, ...(e.stack !== undefined ? { stack: e.stack } : {}) });
  }
});
