/**
 * Exponential back-off with jitter: about baseMs after the first failure,
 * doubling to maxMs, each wait drawn from [50 %, 100 %] of its step so that
 * many connections dropped by one network blip do not retry in lockstep.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const step = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), maxMs);
  return Math.round(step / 2 + Math.random() * (step / 2));
}
