import { sweepSessions } from "../sessions/lifecycle.js";
import type { SupportDeps } from "../sessions/dependencies.js";

/**
 * Runs the expiry sweep every `intervalMs`: sessions past their end are
 * closed, and lines are purged once the grace period after the end is over.
 * Several replicas may sweep at once: every step is idempotent.
 */
export function startSessionSweep(deps: SupportDeps, intervalMs: number): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepSessions(deps)
      .then((result) => {
        if (result.expired + result.purged > 0) deps.log.info({ event: "debug_session.swept", ...result });
      })
      .catch((error: Error) => deps.log.error({ event: "debug_session.sweep_failed", reason: error.message }))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
