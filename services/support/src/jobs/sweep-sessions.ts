import { startPeriodicJob, type PeriodicJob } from "@switchboard/db";
import { sweepSessions } from "../sessions/lifecycle.js";
import type { SupportDeps } from "../sessions/dependencies.js";

/**
 * Runs the expiry sweep every `intervalMs`: sessions past their end are
 * closed, and lines are purged once the grace period after the end is over.
 * Several replicas may sweep at once: every step is idempotent.
 */
export function startSessionSweep(deps: SupportDeps, intervalMs: number): PeriodicJob {
  return startPeriodicJob({
    everyMs: intervalMs,
    log: deps.log,
    failedEvent: "debug_session.sweep_failed",
    run: async () => {
      const result = await sweepSessions(deps);
      if (result.expired + result.purged > 0) deps.log.info({ event: "debug_session.swept", ...result });
    },
  });
}
