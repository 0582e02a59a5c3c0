import { silentLogger, type Logger } from "./types.js";

/** Anything with resources to release on shutdown: servers, pools, connections, telemetry. */
export interface Closable {
  name: string;
  close(): Promise<unknown> | unknown;
}

export interface ShutdownOptions {
  log?: Logger;
  /** Give up on one closable after this long and move on to the next. */
  stepTimeoutMs?: number;
  /** Replaced in tests; process.exit in production. */
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

async function closeWithin(closable: Closable, timeoutMs: number, log: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  try {
    const outcome = await Promise.race([Promise.resolve(closable.close()).then(() => "closed" as const), timedOut]);
    if (outcome === "timeout") {
      log.warn({ event: "shutdown.step_timeout", step: closable.name, timeoutMs });
      return false;
    }
    log.info({ event: "shutdown.step_done", step: closable.name });
    return true;
  } catch (error) {
    log.error({ event: "shutdown.step_failed", step: closable.name, err: error });
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * On SIGTERM/SIGINT closes `closables` in the order given (the reverse of
 * opening: server first so no new work arrives, then consumers, then pools)
 * and exits 0 when all closed cleanly, 1 otherwise. A second signal exits at once.
 */
export function onShutdown(closables: readonly Closable[], options: ShutdownOptions = {}): () => Promise<void> {
  const log = options.log ?? silentLogger;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const stepTimeoutMs = options.stepTimeoutMs ?? 15_000;
  let started = false;

  const shutdown = async (signal: string) => {
    if (started) {
      log.warn({ event: "shutdown.forced", signal });
      exit(1);
      return;
    }
    started = true;
    log.info({ event: "shutdown.started", signal });
    let clean = true;
    for (const closable of closables) clean = (await closeWithin(closable, stepTimeoutMs, log)) && clean;
    log.info({ event: "shutdown.finished", clean });
    exit(clean ? 0 : 1);
  };

  for (const signal of options.signals ?? ["SIGTERM", "SIGINT"]) process.on(signal, () => void shutdown(signal));
  return () => shutdown("manual");
}
