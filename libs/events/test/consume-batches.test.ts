import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEvents, consumeEventBatches, publishEvent, type EventsConnection } from "../src/index.js";
import { recordingLogger } from "./fixtures/recording-logger.js";
import { createTestStream, natsUrl, waitFor, type TestStream } from "./fixtures/test-stream.js";

describe("consumeEventBatches", () => {
  let events: EventsConnection;
  let stream: TestStream;

  beforeAll(async () => {
    events = await connectEvents({ url: natsUrl(), name: "consume-batches-test" });
    stream = await createTestStream(events.jsm);
  });
  afterAll(async () => {
    await stream?.delete();
    await events?.close();
  });

  const publish = (probeId: string) => publishEvent(events.js, stream.probeRecorded, { probeId }, { msgId: randomUUID() });
  const pendingOf = async (durable: string) => {
    const info = await events.jsm.consumers.info(stream.name, durable);
    return info.num_ack_pending + info.num_pending;
  };

  it("hands over what has arrived as batches, in stream order, and acks them", async () => {
    const durable = `batches-${randomUUID()}`;
    const ids = Array.from({ length: 300 }, (_, i) => `ordered-${i}`);
    // Published before the consumer starts, so the backlog arrives together.
    await Promise.all(ids.map(publish));
    const batches: string[][] = [];
    const consumer = await consumeEventBatches({
      js: events.js,
      jsm: events.jsm,
      stream: stream.name,
      durable,
      events: stream.probeRecorded,
      filterSubject: stream.probeRecorded.subject,
      maxBatch: 100,
      handleBatch: async (batch) => {
        batches.push(batch.map((event) => event.message.probeId));
      },
    });
    try {
      await waitFor("every event handled and acked", async () => batches.flat().length >= 300 && (await pendingOf(durable)) === 0);
      expect(batches.every((batch) => batch.length <= 100)).toBe(true);
      expect(batches.length).toBeLessThan(300 / 2);
      // Publishing concurrently gives no order to compare with, but every id arrives exactly once.
      expect(new Set(batches.flat())).toEqual(new Set(ids));
      expect(batches.flat()).toHaveLength(300);
    } finally {
      await consumer.stop();
    }
  });

  it("keeps the stream order within and across batches", async () => {
    const durable = `ordered-${randomUUID()}`;
    const tag = randomUUID();
    const ids = Array.from({ length: 120 }, (_, i) => `${tag}-${i}`);
    for (const id of ids) await publish(id);
    const seen: string[] = [];
    const consumer = await consumeEventBatches({
      js: events.js,
      jsm: events.jsm,
      stream: stream.name,
      durable,
      events: stream.probeRecorded,
      maxBatch: 50,
      handleBatch: async (batch) => {
        seen.push(...batch.map((event) => event.message.probeId).filter((id) => id.startsWith(tag)));
      },
    });
    try {
      await waitFor("the tagged events", () => seen.length >= ids.length);
      expect(seen).toEqual(ids);
    } finally {
      await consumer.stop();
    }
  });

  it("retries a failing batch one event at a time, so one bad event fails alone", async () => {
    const durable = `poison-${randomUUID()}`;
    const tag = randomUUID();
    const good = Array.from({ length: 20 }, (_, i) => `${tag}-good-${i}`);
    const poison = `${tag}-poison`;
    for (const id of [...good.slice(0, 10), poison, ...good.slice(10)]) await publish(id);
    const committed: string[] = [];
    const log = recordingLogger();
    const consumer = await consumeEventBatches({
      js: events.js,
      jsm: events.jsm,
      stream: stream.name,
      durable,
      events: stream.probeRecorded,
      maxDeliver: 3,
      retryBaseMs: 20,
      log,
      handleBatch: async (batch) => {
        const ids = batch.map((event) => event.message.probeId).filter((id) => id.startsWith(tag));
        // All or nothing, like a transaction: a batch with the bad event commits none of it.
        if (ids.includes(poison)) throw new Error("this event cannot be stored");
        committed.push(...ids);
      },
    });
    try {
      await waitFor("the bad event given up on", async () => log.events("consume.gave_up").length === 1 && (await pendingOf(durable)) === 0);
      expect(new Set(committed)).toEqual(new Set(good));
      expect(committed).toHaveLength(good.length);
      expect(log.events("consume.batch_failed").length).toBeGreaterThanOrEqual(1);
    } finally {
      await consumer.stop();
    }
  });
});
