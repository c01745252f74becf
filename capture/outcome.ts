// What became of a request body's events, in the terms the event endpoints answer and log with; small, so
// that an evaluation thread can send it back as it is.

import type { Rejection } from './json/event.js';

/** Enough reasons to fix a sender without answering megabytes for a batch of garbage. */
export const MAX_PROBLEMS = 100;

export interface IngestBatch {
  readonly events: readonly unknown[];
  readonly rejected: readonly Rejection[];
}

/** What became of a body's events: how many were evaluated, how many were not and (the first few) why. */
export interface IngestOutcome {
  readonly accepted: number;
  readonly rejected: number;
  /** The first MAX_PROBLEMS rejections, in body order. */
  readonly problems: readonly Rejection[];
}

export const outcomeOf = (batch: IngestBatch): IngestOutcome => ({
  accepted: batch.events.length,
  rejected: batch.rejected.length,
  problems: batch.rejected.length > MAX_PROBLEMS ? batch.rejected.slice(0, MAX_PROBLEMS) : batch.rejected,
});
