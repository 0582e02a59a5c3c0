import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEvents, ensureStream, pingEvents, type EventsConnection } from "../src/index.js";
import { natsUrl } from "./fixtures/test-stream.js";

describe("ensureStream", () => {
  let events: EventsConnection;
  const name = `T_${randomBytes(5).toString("hex")}`;

  beforeAll(async () => {
    events = await connectEvents({ url: natsUrl(), name: "streams-test" });
  });
  afterAll(async () => {
    await events.jsm.streams.delete(name).catch(() => {});
    await events?.close();
  });

  it("creates a stream, then updates it in place on the next call", async () => {
    const subjects = [`switchboard.t${name.slice(2).toLowerCase()}.>`];
    const created = await ensureStream(events.jsm, { name, subjects, duplicateWindowMs: 60_000, maxAgeMs: 600_000 });
    expect(created.config).toMatchObject({ subjects, num_replicas: 1, duplicate_window: 60_000 * 1e6 });

    const again = await ensureStream(events.jsm, { name, subjects, duplicateWindowMs: 120_000, maxAgeMs: 600_000 });
    expect(again.config.duplicate_window).toBe(120_000 * 1e6);
    expect(again.created).toEqual(created.created);
  });

  it("answers the readiness probe while connected and fails it once closed", async () => {
    await expect(pingEvents(events)).resolves.toBeUndefined();
    const other = await connectEvents({ url: natsUrl(), name: "streams-test-probe" });
    await other.close();
    await expect(pingEvents(other)).rejects.toThrow(/closed/);
  });

  it("says what to do when no NATS server answers", async () => {
    await expect(connectEvents({ url: "nats://127.0.0.1:1", name: "nowhere" })).rejects.toThrow(/make infra.*NATS_URL/);
  });
});
