// What the main thread's evaluation pool (eval-pool.ts) and its threads (eval-thread.ts) say to each other.

import type { Alert } from '../../src/alert.js';
import type { RulesRecipe } from '../../src/rules/live-rules.js';
import type { IngestOutcome } from '../outcome.js';

/** A thread's `workerData`. */
export interface EvalThreadSetup {
  /** capture/shared-state.ts's memory: event numbers and first event times. */
  memory: SharedArrayBuffer;
  /** The running rules when the thread starts. */
  recipe: RulesRecipe;
}

/** How to read a body: the k8saudit settings and the request's `?cluster=`. */
export interface BodyOptions {
  maxEventBytes: number;
  cluster?: string;
}

/** What a body came to in a thread (AuditBody, with the batch evaluated). */
export type BodyResult =
  | { kind: 'empty' }
  | { kind: 'invalid'; message: string }
  | { kind: 'evaluated'; outcome: IngestOutcome; alerts: Alert[]; generation: number };

/**
 * BodyResult as the thread sends it: the alerts as JSON text. For the 78 alerts of 400 corpus events,
 * JSON.stringify and JSON.parse each took about half the time of cloning the objects (v8.serialize,
 * v8.deserialize: what postMessage does).
 */
export type SentBodyResult = Exclude<BodyResult, { kind: 'evaluated' }> | { kind: 'evaluated'; outcome: IngestOutcome; alerts: string; generation: number };

export type ToEvalThread =
  /** Build these rules and evaluate the bodies that come after this message with them. */
  | { kind: 'rules'; recipe: RulesRecipe }
  /** The body's bytes (their buffer transferred, not copied). */
  | { kind: 'evaluate'; id: number; bytes: Uint8Array; options: BodyOptions };

export type FromEvalThread =
  | { kind: 'ready'; generation: number }
  /** The rules of the thread's setup did not build (they did on the main thread): it stops. */
  | { kind: 'failed'; message: string }
  /** A `rules` message's outcome: without errors the thread runs them now, with errors it keeps its rules. */
  | { kind: 'rules'; generation: number; errors: string[] }
  | { kind: 'done'; id: number; result: SentBodyResult }
  /** Evaluating the body threw: the request fails (500), the thread goes on. */
  | { kind: 'error'; id: number; message: string; stack?: string };
