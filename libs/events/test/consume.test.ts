import { randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@switchboard/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectEvents,
  consumeEvents,
  processOnce,
  publishEvent,
  type EventMeta,
  type EventsConnection,
} from "../src/index.js";
import { probeMigrations, type ProbeDatabase } from "./fixtures/probe-database.js";
import { recordingLogger } from "./fixtures/recording-logger.js";
import { createTestStream, natsUrl, waitFor, type TestStream } from "./fixtures/test-stream.js";

describe("consumeEvents and processOnce", () => {
  let test: TestDatabase<ProbeDatabase>;
  let events: EventsConnection;
  let stream: TestStream;

  beforeAll(async () => {
    test = await createTestDatabase<ProbeDatabase>({ name: "consume", migrationsFolder: probeMigrations });
    events = await connectEvents({ url: natsUrl(), name: "consume-test" });
    stream = await createTestStream(events.jsm);
  });
  afterAll(async () => {
    await stream?.delete();
    await events?.close();
    await test?.destroy();
  });

  async function effectsOf(probeId: string): Promise<number> {
    return (await test.db.selectFrom("probe_effect").select("id").where("probe_id", "=", probeId).execute()).length;
  }

  async function consumerState(durable: string) {
    return events.jsm.consumers.info(stream.name, durable);
  }

  it("processes a redelivered message once", async () => {
    const deliveries: EventMeta[] = [];
    const ran: boolean[] = [];
    const log = recordingLogger();
    const consumer = await consumeEvents({
      js: events.js,
      jsm: events.jsm,
      stream: stream.name,
      durable: "effects-once",
      events: stream.probeRecorded,
      retryBaseMs: 50,
      log,
      handle: async (probe, meta) => {
        deliveries.push(meta);
        ran.push(
          await processOnce(test.db, "effects-once", meta.msgId, async (trx) => {
            await trx.insertInto("probe_effect").values({ probe_id: probe.probeId }).execute();
          }),
        );
        // The work committed but the handler dies before the ack: JetStream redelivers.
        if (meta.deliveryCount === 1) throw new Error("crashed after committing");
      },
    });
    try {
      const msgId = randomUUID();
      await publishEvent(events.js, stream.probeRecorded, { probeId: "redelivered" }, { msgId });
      await waitFor("the redelivery to be acked", async () => {
        const state = await consumerState("effects-once");
        return deliveries.length === 2 && state.num_ack_pending === 0 && state.num_pending === 0;
      });
      expect(deliveries.map((meta) => [meta.msgId, meta.deliveryCount])).toEqual([
        [msgId, 1],
        [msgId, 2],
      ]);
      expect(ran).toEqual([true, false]);
      expect(await effectsOf("redelivered")).toBe(1);
      expect(log.events("consume.retry")).toHaveLength(1);
    } finally {
      await consumer.stop();
    }
  });

  it("runs the work of concurrent duplicates once", async () => {
    const msgId = randomUUID();
    const results = await Promise.all(
      [0, 1, 2, 3].map(() =>
        processOnce(test.db, "concurrent", msgId, async (trx) => {
          await trx.insertInto("probe_effect").values({ probe_id: "concurrent" }).execute();
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await effectsOf("concurrent")).toBe(1);
  });

  it("terminates a message it cannot decode instead of retrying it", async () => {
    const handled: string[] = [];
    const log = recordingLogger();
    const consumer = await consumeEvents({
      js: events.js,
      jsm: events.jsm,
      stream: stream.name,
      durable: "garbage-proof",
      filterSubject: stream.probeRecorded.subject,
      events: [stream.probeRecorded],
      retryBaseMs: 50,
      log,
      handle: async (probe) => {
        handled.push(probe.probeId);
      },
    });
    try {
      // Field 1 claims 127 bytes but only one follows.
      await events.js.publish(stream.probeRecorded.subject, new Uint8Array([0x0a, 0x7f, 0x61]), { msgID: randomUUID() });
      await publishEvent(events.js, stream.probeRecorded, { probeId: "after-garbage" }, { msgId: randomUUID() });
      await waitFor("the good message after the garbage", () => handled.includes("after-garbage"));
      await waitFor("nothing left to deliver", async () => {
        const state = await consumerState("garbage-proof");
        return state.num_ack_pending === 0 && state.num_pending === 0;
      });
      expect(log.events("consume.undecodable")).toHaveLength(1);
      expect(JSON.stringify(log.lines)).not.toContain("after-garbage");
      expect((await consumerState("garbage-proof")).num_redelivered).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it("gives up on a message whose handler keeps failing after maxDeliver attempts", async () => {
    let attempts = 0;
    const log = recordingLogger();
    const consumer = await consumeEvents({
      js: events.js,
      jsm: events.jsm,
      stream: stream.name,
      durable: "gives-up",
      events: stream.probeRecorded,
      maxDeliver: 3,
      retryBaseMs: 20,
      log,
      handle: async (probe) => {
        if (probe.probeId === "poison") {
          attempts += 1;
          throw new Error("always fails");
        }
      },
    });
    try {
      await publishEvent(events.js, stream.probeRecorded, { probeId: "poison" }, { msgId: randomUUID() });
      await waitFor("the consumer to give up", () => log.events("consume.gave_up").length === 1);
      await waitFor("nothing left to deliver", async () => (await consumerState("gives-up")).num_ack_pending === 0);
      expect(attempts).toBe(3);
      expect(log.events("consume.retry")).toHaveLength(2);
    } finally {
      await consumer.stop();
    }
  });

  it("waits for the handler in flight when stopped", async () => {
    let finished = false;
    let started = false;
    const consumer = await consumeEvents({
      js: events.js,
      jsm: events.jsm,
      stream: stream.name,
      durable: "slow-handler",
      events: stream.probeRecorded,
      handle: async (probe) => {
        if (probe.probeId !== "slow") return;
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished = true;
      },
    });
    await publishEvent(events.js, stream.probeRecorded, { probeId: "slow" }, { msgId: randomUUID() });
    await waitFor("the slow handler to start", () => started);
    await consumer.stop();
    expect(finished).toBe(true);
    await waitFor("the slow message to be acked", async () => (await consumerState("slow-handler")).num_ack_pending === 0);
  });

  it("shares a durable between replicas and applies changed settings on the next start", async () => {
    const handledBy: string[] = [];
    const start = (replica: string, maxDeliver: number) =>
      consumeEvents({
        js: events.js,
        jsm: events.jsm,
        stream: stream.name,
        durable: "shared",
        events: stream.probeRecorded,
        maxDeliver,
        handle: async (probe) => {
          if (probe.probeId.startsWith("shared-")) handledBy.push(replica);
        },
      });
    const first = await start("first", 5);
    const second = await start("second", 7);
    try {
      expect((await consumerState("shared")).config.max_deliver).toBe(7);
      for (let i = 0; i < 20; i += 1) {
        await publishEvent(events.js, stream.probeRecorded, { probeId: `shared-${i}` }, { msgId: randomUUID() });
      }
      await waitFor("all shared probes", () => handledBy.length === 20);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
