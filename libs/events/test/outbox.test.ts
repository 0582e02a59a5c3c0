import { randomUUID } from "node:crypto";
import { withTenant } from "@switchboard/db";
import { createTestDatabase, type TestDatabase } from "@switchboard/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectEvents,
  consumeEvents,
  enqueueEvent,
  startOutboxRelay,
  type EventConsumer,
  type EventsConnection,
} from "../src/index.js";
import { probeMigrations, type ProbeDatabase } from "./fixtures/probe-database.js";
import { recordingLogger } from "./fixtures/recording-logger.js";
import { createTestStream, natsUrl, waitFor, type TestStream } from "./fixtures/test-stream.js";

describe("outbox relay", () => {
  let test: TestDatabase<ProbeDatabase>;
  let events: EventsConnection;
  const tenantId = randomUUID();

  beforeAll(async () => {
    test = await createTestDatabase<ProbeDatabase>({ name: "outbox", migrationsFolder: probeMigrations });
    events = await connectEvents({ url: natsUrl(), name: "outbox-test" });
  });
  afterAll(async () => {
    await events?.close();
    await test?.destroy();
  });

  async function outboxSize(): Promise<number> {
    return (await test.db.selectFrom("event_outbox").select("id").execute()).length;
  }

  async function probeConsumer(stream: TestStream, seen: string[]): Promise<EventConsumer> {
    return consumeEvents({
      js: events.js,
      jsm: events.jsm,
      stream: stream.name,
      durable: "probe-log",
      events: stream.probeRecorded,
      handle: async (probe) => {
        seen.push(probe.probeId);
      },
    });
  }

  it("publishes nothing for a rolled-back transaction", async () => {
    const stream = await createTestStream(events.jsm);
    const seen: string[] = [];
    const consumer = await probeConsumer(stream, seen);
    const relay = startOutboxRelay({ db: test.db, js: events.js, databaseUrl: test.url, pollIntervalMs: 100 });
    try {
      const rolledBack = withTenant(test.db, tenantId, async (trx) => {
        await trx.insertInto("probe").values({ probe_id: "rolled-back", tenant_id: tenantId }).execute();
        await enqueueEvent(trx, stream.probeRecorded, { probeId: "rolled-back" });
        throw new Error("the change is refused after its event was enqueued");
      });
      await expect(rolledBack).rejects.toThrow(/refused/);
      await withTenant(test.db, tenantId, async (trx) => {
        await trx.insertInto("probe").values({ probe_id: "committed", tenant_id: tenantId }).execute();
        await enqueueEvent(trx, stream.probeRecorded, { probeId: "committed" });
      });

      // The relay publishes in commit order, so once the later event is seen the
      // earlier one would have been too.
      await waitFor("the committed probe", () => seen.includes("committed"));
      expect(seen).toEqual(["committed"]);
      expect(await stream.messageCount()).toBe(1);
      expect(await outboxSize()).toBe(0);
    } finally {
      await relay.stop();
      await consumer.stop();
      await stream.delete();
    }
  });

  it("is woken by the commit's notification instead of waiting for its poll", async () => {
    const stream = await createTestStream(events.jsm);
    const seen: string[] = [];
    const consumer = await probeConsumer(stream, seen);
    const relay = startOutboxRelay({ db: test.db, js: events.js, databaseUrl: test.url, pollIntervalMs: 3_600_000 });
    try {
      await relay.listening;
      await withTenant(test.db, tenantId, (trx) => enqueueEvent(trx, stream.probeRecorded, { probeId: "notified" }));
      await waitFor("the notified probe", () => seen.includes("notified"));
    } finally {
      await relay.stop();
      await consumer.stop();
      await stream.delete();
    }
  });

  it("keeps the rows while NATS is unreachable and publishes them once it is back", async () => {
    const stream = await createTestStream(events.jsm);
    const broken = await connectEvents({ url: natsUrl(), name: "outbox-test-broken" });
    await broken.nc.close();
    const log = recordingLogger();
    const failing = startOutboxRelay({ db: test.db, js: broken.js, databaseUrl: test.url, pollIntervalMs: 100, log });
    try {
      await withTenant(test.db, tenantId, (trx) => enqueueEvent(trx, stream.probeRecorded, { probeId: "stranded" }));
      await waitFor("a logged relay failure", () => log.events("outbox.relay_failed").length > 0);
    } finally {
      await failing.stop();
    }
    expect(await outboxSize()).toBe(1);
    expect(log.events("outbox.relay_failed")[0]).toMatchObject({
      level: "error",
      obj: { attempt: 1, subject: stream.probeRecorded.subject },
    });

    const seen: string[] = [];
    const consumer = await probeConsumer(stream, seen);
    const relay = startOutboxRelay({ db: test.db, js: events.js, databaseUrl: test.url, pollIntervalMs: 100 });
    try {
      await waitFor("the stranded probe", () => seen.includes("stranded"));
      expect(await outboxSize()).toBe(0);
    } finally {
      await relay.stop();
      await consumer.stop();
      await stream.delete();
    }
  });

  it("refuses to enqueue outside a transaction", async () => {
    const stream = await createTestStream(events.jsm);
    try {
      await expect(
        enqueueEvent(test.db as never, stream.probeRecorded, { probeId: "loose" }),
      ).rejects.toThrow(/must run in the transaction that writes the change/);
    } finally {
      await stream.delete();
    }
  });
});
