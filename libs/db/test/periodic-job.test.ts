import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { startPeriodicJob, type Logger } from "../src/index.js";

/** Polls until `check` holds; a busy CI machine may run timers late, so no fixed sleep decides a test. */
async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (const start = Date.now(); !check(); await sleep(5)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}

function recordingLog(): Logger & { errors: object[] } {
  const errors: object[] = [];
  return { errors, info() {}, warn() {}, error: (obj) => void errors.push(obj) };
}

describe("startPeriodicJob", () => {
  it("runs a round every interval, never two at once", async () => {
    let active = 0;
    let most = 0;
    let rounds = 0;
    const job = startPeriodicJob({
      everyMs: 10,
      log: recordingLog(),
      failedEvent: "test.failed",
      run: async () => {
        active += 1;
        most = Math.max(most, active);
        rounds += 1;
        await sleep(35);
        active -= 1;
      },
    });
    // Each round takes over three intervals: the ticks that find it running are skipped.
    await until("three rounds", () => rounds >= 3);
    await job.stop();
    expect(most).toBe(1);
  });

  it("logs a failed round under its event, without the stack, and runs the next one", async () => {
    const log = recordingLog();
    let rounds = 0;
    const job = startPeriodicJob({
      everyMs: 10,
      log,
      failedEvent: "sync.expiry_failed",
      run: async () => {
        rounds += 1;
        if (rounds === 1) throw Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" });
        // A run that throws before any await is a failed round as well, not an uncaught exception.
        if (rounds === 2) (undefined as unknown as () => void)();
      },
    });
    await until("a round after the failures", () => rounds > 2);
    await job.stop();
    expect(log.errors[0]).toEqual({ event: "sync.expiry_failed", message: "connection refused", code: "ECONNREFUSED" });
    expect(log.errors[1]).toMatchObject({ event: "sync.expiry_failed" });
    expect(log.errors).toHaveLength(2);
  });

  it("stop() waits for the round in flight and no round starts after it", async () => {
    let finished = false;
    let started = 0;
    const job = startPeriodicJob({
      everyMs: 60_000,
      runNow: true,
      log: recordingLog(),
      failedEvent: "test.failed",
      run: async () => {
        started += 1;
        await sleep(100);
        finished = true;
      },
    });
    await until("the first round", () => started === 1);
    await job.stop();
    expect(finished).toBe(true);
    await sleep(50);
    expect(started).toBe(1);
  });
});
