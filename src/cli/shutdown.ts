// What signals do to `saker run`, from its first moment: SIGTERM/SIGINT stop the service within
// `shutdowntimeout`, a second one exits at once, SIGHUP reloads. Installed before anything slow, so that a
// SIGTERM while saker starts (Redis slow to answer, rules being compiled) ends in the same clean shutdown as
// later rather than in Node's default of dying mid-start — and SIGHUP never kills it.

import type { RunningService } from '../service.js';

/** Past shutdowntimeout, how long the last-resort exit waits: the service's own steps end by the timeout. */
const BACKSTOP_MARGIN_MS = 1000;

export class SignalHandling {
  private service: RunningService | undefined;
  /** A stop signal that came while saker was starting. */
  private pending: NodeJS.Signals | undefined;
  private signals = 0;

  /** `shutdowntimeout`: its default until the configuration is read. */
  constructor(public timeoutMs: number) {}

  install(): void {
    const onStop = (signal: NodeJS.Signals) => this.onStop(signal);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    // SIGHUP asks for log rotation (the file output reopens its file) and a rules reload; it must not end saker.
    // During start-up there is nothing to reopen yet and the rules are being read anyway.
    process.on('SIGHUP', () => {
      if (!this.service) return;
      this.service.logger.info('SIGHUP: reopening output files, reloading rules');
      void this.service.rules.reload('SIGHUP');
    });
  }

  /** The service is up: a stop signal that came during start-up stops it now. */
  started(service: RunningService): void {
    this.service = service;
    if (this.pending) {
      service.logger.info({ signal: this.pending }, `${this.pending} during start-up: shutting down`);
      this.stop(service);
    }
  }

  private onStop(signal: NodeJS.Signals): void {
    const service = this.service;
    if (++this.signals > 1) {
      if (!service) process.exit(1);
      service.logger.warn(`${signal} again: exiting without waiting for the outputs`);
      this.reportLoss(service);
      process.exit(1);
    }
    this.armBackstop(signal);
    if (!service) {
      this.pending = signal;
      return;
    }
    service.logger.info({ signal }, `${signal}: shutting down`);
    this.stop(service);
  }

  private stop(service: RunningService): void {
    service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        service.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  }

  /** The last resort, should a step of start-up or shutdown hang despite its own bounds. */
  private armBackstop(signal: NodeJS.Signals): void {
    const afterMs = this.timeoutMs + BACKSTOP_MARGIN_MS;
    setTimeout(() => {
      const service = this.service;
      const message = `${signal}: saker did not stop within shutdowntimeout (${this.timeoutMs} ms); exiting`;
      if (!service) {
        process.stderr.write(`saker: ${message}\n`);
      } else {
        service.logger.error(message);
        this.reportLoss(service);
      }
      process.exit(1);
    }, afterMs).unref();
  }

  private reportLoss({ queue, logger }: RunningService): void {
    if (queue.reportLossOnExit) queue.reportLossOnExit();
    else logger.warn(`alerts not yet delivered stay in the ${queue.kind} queue, outside this process`);
  }
}
