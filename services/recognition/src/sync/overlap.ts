/**
 * Letting Postgres and this process work at the same time within one
 * transaction: a statement is started, not awaited, and the CPU-bound work
 * that does not depend on it goes on meanwhile.
 */

/** The promise, with its rejection kept for whoever awaits it later (never reported as unhandled meanwhile). */
export function background<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/**
 * Yields once to the event loop, so a statement just started reaches the
 * server (the driver writes it from promise callbacks) before synchronous
 * work blocks the loop.
 */
export function sendNow(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
