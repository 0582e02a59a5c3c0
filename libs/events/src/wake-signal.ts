/**
 * A wake-up call that is not lost when it arrives while nobody waits: the
 * relay may be busy publishing when a NOTIFY comes in.
 */
export class WakeSignal {
  #pending = false;
  #wakeWaiter: (() => void) | undefined;

  notify(): void {
    this.#pending = true;
    this.#wakeWaiter?.();
  }

  /** Resolves on the next (or an already pending) notify, or after `timeoutMs`. */
  async wait(timeoutMs: number): Promise<void> {
    if (!this.#pending) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        const self = this;
        function done() {
          clearTimeout(timer);
          self.#wakeWaiter = undefined;
          resolve();
        }
        this.#wakeWaiter = done;
      });
    }
    this.#pending = false;
  }
}
