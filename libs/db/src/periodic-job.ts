import { describeError, type Logger } from "./logger.js";

export interface PeriodicJobOptions {
  /** One round of the job: expiring, sweeping, pruning. Its success is its own to log. */
  run: () => Promise<unknown>;
  everyMs: number;
  log: Logger;
  /** The log event of a failed round, e.g. "sync.expiry_failed": what operators alert on. */
  failedEvent: string;
  /** Runs a first round at once instead of after the first interval. */
  runNow?: boolean;
}

export interface PeriodicJob {
  /** Stops the timer and waits for a round in flight, so shutdown does not close the database under it. */
  stop(): Promise<void>;
}

/**
 * The maintenance loop every service needs for its own data: a round every
 * `everyMs`, never two at once (a round still running when the next is due
 * makes that one skip), a failed round logged and retried at the next, and
 * a timer that never keeps the process alive. Several replicas may run the
 * same job: each round must be safe to run concurrently with another
 * replica's.
 */
export function startPeriodicJob(options: PeriodicJobOptions): PeriodicJob {
  let running: Promise<void> | undefined;
  const round = () => {
    // Through a promise, so a run that throws before its first await is a failed round too.
    running ??= Promise.resolve()
      .then(() => options.run())
      .then(
        () => undefined,
        (error: unknown) => options.log.error({ event: options.failedEvent, ...describeError(error) }, `${describeError(error).message}; the next round retries`),
      )
      .finally(() => {
        running = undefined;
      });
  };
  if (options.runNow) round();
  const timer = setInterval(round, options.everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
