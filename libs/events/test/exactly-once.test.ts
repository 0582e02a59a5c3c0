import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { withTenant } from "@switchboard/db";
import { createTestDatabase, type TestDatabase } from "@switchboard/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEvents, consumeEvents, enqueueEvent, startOutboxRelay, type EventsConnection } from "../src/index.js";
import { recordingLogger } from "./fixtures/recording-logger.js";
import { probeMigrations, type ProbeDatabase } from "./fixtures/probe-database.js";
import { createTestStream, natsUrl, waitFor, type TestStream } from "./fixtures/test-stream.js";

const PROBES = 200;
const relayScript = fileURLToPath(new URL("./fixtures/run-relay.ts", import.meta.url));
const packageRoot = fileURLToPath(new URL("..", import.meta.url));

function spawnRelay(databaseUrl: string): { child: ChildProcess; output: string[]; exited: Promise<unknown> } {
  const child = spawn(process.execPath, ["--import", "tsx", relayScript], {
    cwd: packageRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, NATS_URL: natsUrl(), PUBLISH_DELAY_MS: "10", BATCH_SIZE: "50" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { child, output, exited };
}

describe("transactional outbox", () => {
  let test: TestDatabase<ProbeDatabase>;
  let events: EventsConnection;
  let stream: TestStream;

  beforeAll(async () => {
    test = await createTestDatabase<ProbeDatabase>({ name: "exactly_once", migrationsFolder: probeMigrations });
    events = await connectEvents({ url: natsUrl(), name: "exactly-once-test" });
    stream = await createTestStream(events.jsm);
  });
  afterAll(async () => {
    await stream?.delete();
    await events?.close();
    await test?.destroy();
  });

  it("delivers each committed change's event exactly once although the relay is killed mid-batch", async () => {
    const tenantId = randomUUID();
    const probeIds = Array.from({ length: PROBES }, (_, i) => `probe-${i}`);
    // Each change commits together with its event, 20 changes per transaction.
    for (let start = 0; start < PROBES; start += 20) {
      await withTenant(test.db, tenantId, async (trx) => {
        for (const probeId of probeIds.slice(start, start + 20)) {
          await trx.insertInto("probe").values({ probe_id: probeId, tenant_id: tenantId }).execute();
          await enqueueEvent(trx, stream.probeRecorded, { probeId, note: "exactly once" });
        }
      });
    }

    const seen = new Map<string, number>();
    const consumer = await consumeEvents({
      js: events.js,
      jsm: events.jsm,
      stream: stream.name,
      durable: "probe-counter",
      events: stream.probeRecorded,
      handle: async (probe) => {
        seen.set(probe.probeId, (seen.get(probe.probeId) ?? 0) + 1);
      },
    });

    const doomed = spawnRelay(test.url);
    try {
      await waitFor("the first relay to publish some events", async () => (await stream.messageCount()) >= 25);
    } finally {
      doomed.child.kill("SIGKILL");
    }
    await doomed.exited;

    const publishedBeforeKill = await stream.messageCount();
    const leftInOutbox = Number(
      (await test.db.selectFrom("event_outbox").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n,
    );
    expect(publishedBeforeKill, doomed.output.join("")).toBeLessThan(PROBES);
    // Killed between publishing and deleting: some rows are both in the stream and still in the outbox.
    expect(publishedBeforeKill + leftInOutbox).toBeGreaterThan(PROBES);

    // Restart as two replicas competing for the same outbox.
    const log = recordingLogger();
    const replicas = [0, 1].map(() =>
      startOutboxRelay({ db: test.db, js: events.js, databaseUrl: test.url, batchSize: 50, pollIntervalMs: 200, log }),
    );
    try {
      await waitFor("every probe to reach the consumer", () => seen.size === PROBES);
      await waitFor("the outbox to drain", async () =>
        (await test.db.selectFrom("event_outbox").select("id").execute()).length === 0,
      );
      await waitFor("the consumer to ack everything", async () => {
        const current = await events.jsm.consumers.info(stream.name, "probe-counter");
        return current.num_ack_pending === 0 && current.num_pending === 0;
      });
    } finally {
      await Promise.all(replicas.map((relay) => relay.stop()));
      await consumer.stop();
    }

    const published = log.events("outbox.published");
    expect(published.reduce((sum, line) => sum + Number(line.obj.count), 0)).toBe(leftInOutbox);
    // The repeats of what the killed relay had already published were dropped by the stream.
    expect(published.reduce((sum, line) => sum + Number(line.obj.duplicates), 0)).toBeGreaterThan(0);
    expect(await stream.messageCount()).toBe(PROBES);
    expect([...seen.keys()].sort()).toEqual([...probeIds].sort());
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
  });
});
