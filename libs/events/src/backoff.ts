import { setTimeout as delay } from "node:timers/promises";

/** Exponential back-off with jitter: the first retry waits about baseMs, doubling up to maxMs. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const exact = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), maxMs);
  return Math.round(exact * (0.8 + Math.random() * 0.4));
}

/** Sleeps `ms`, or less when `signal` aborts; never rejects. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => {});
}
