import { createTestDatabase, type TestDatabase } from "@switchboard/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processOnce, pruneProcessedEvents, startProcessedEventPruning } from "../src/index.js";
import { probeMigrations, type ProbeDatabase } from "./fixtures/probe-database.js";
import { recordingLogger } from "./fixtures/recording-logger.js";
import { waitFor } from "./fixtures/test-stream.js";

const DAY = 24 * 60 * 60 * 1000;
let test: TestDatabase<ProbeDatabase>;

beforeAll(async () => {
  test = await createTestDatabase<ProbeDatabase>({ name: "prune", migrationsFolder: probeMigrations });
});
afterAll(async () => {
  await test?.destroy();
});

async function marker(consumer: string, msgId: string, ageMs: number) {
  await processOnce(test.db, consumer, msgId, async () => {});
  await sql`update processed_event set processed_at = now() - make_interval(secs => ${ageMs / 1000}) where consumer = ${consumer} and msg_id = ${msgId}`.execute(test.db);
}

async function markers(consumer: string) {
  const rows = await sql<{ msg_id: string }>`select msg_id from processed_event where consumer = ${consumer} order by msg_id`.execute(test.db);
  return rows.rows.map((row) => row.msg_id);
}

describe("pruning processed-event markers", () => {
  it("deletes only markers older than the window, and a pruned message would run again", async () => {
    await marker("once", "old", 9 * DAY);
    await marker("once", "recent", 6 * DAY);
    expect(await pruneProcessedEvents(test.db, 8 * DAY)).toBe(1);
    expect(await markers("once")).toEqual(["recent"]);
    expect(await processOnce(test.db, "once", "recent", async () => {})).toBe(false);
    expect(await processOnce(test.db, "once", "old", async () => {})).toBe(true);
  });

  it("runs at start and on every round, logging what it pruned", async () => {
    const log = recordingLogger();
    await marker("rounds", "a", 9 * DAY);
    const pruning = startProcessedEventPruning(test.db, { everyMs: 50, log });
    try {
      await waitFor("the first round", async () => (await markers("rounds")).length === 0);
      await marker("rounds", "b", 9 * DAY);
      await marker("rounds", "c", DAY);
      await waitFor("a later round", async () => (await markers("rounds")).length === 1);
      expect(await markers("rounds")).toEqual(["c"]);
      expect(log.events("processed_events.pruned").map((line) => line.obj.pruned)).toEqual([1, 1]);
    } finally {
      await pruning.stop();
    }
  });
});
