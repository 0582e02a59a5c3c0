import type { Deadline } from "@grpc/grpc-js";

/** Epoch ms of the deadline the client sent, or Infinity when it sent none. */
export function clientDeadline(deadline: Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/**
 * Unary calls without a client deadline get the server's default, so a stuck
 * dependency cannot hold a call (and its pool connections) forever. Streams
 * are long-lived by design (screen pops) and only end on the client's deadline,
 * cancellation or server shutdown.
 */
export function effectiveDeadline(deadline: Deadline, defaultMs: number, now = Date.now()): number {
  const fromClient = clientDeadline(deadline);
  return Number.isFinite(fromClient) ? fromClient : now + defaultMs;
}

/** Aborts `controller` with `reason` at `deadline`; returns the cancel function. */
export function abortAt(controller: AbortController, deadline: number, reason: () => unknown): () => void {
  if (!Number.isFinite(deadline)) return () => {};
  const delay = Math.max(0, deadline - Date.now());
  // setTimeout caps at 2^31-1 ms; longer deadlines are effectively "none".
  if (delay > 2_147_483_647) return () => {};
  const timer = setTimeout(() => controller.abort(reason()), delay);
  timer.unref();
  return () => clearTimeout(timer);
}
