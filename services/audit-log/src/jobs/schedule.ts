import { describeError } from "@switchboard/db";
import type { Logger } from "@switchboard/rpc";

export interface ScheduledJob {
  /** Waits for a run in progress, then stops. */
  stop(): Promise<void>;
}

/**
 * Runs `job` every `intervalMs` (the first run after a random part of one
 * interval, so replicas started together do not run in step). A failing run
 * is logged and the next one comes on time.
 */
export function schedule(name: string, intervalMs: number, job: () => Promise<unknown>, log: Logger): ScheduledJob {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const runOnce = () => {
    running = job()
      .catch((err: unknown) => log.error({ event: "job.failed", job: name, ...describeError(err) }, `${name} failed; next run in ${Math.round(intervalMs / 1000)} s`))
      .finally(() => {
        if (!stopped) timer = setTimeout(runOnce, intervalMs);
      });
  };
  timer = setTimeout(runOnce, Math.round(Math.random() * intervalMs));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
