import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenForNotifications } from "../src/index.js";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.js";

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("listenForNotifications", () => {
  let test: TestDatabase<unknown>;
  beforeAll(async () => {
    test = await createTestDatabase({ name: "notify" });
  });
  afterAll(async () => {
    await test?.destroy();
  });

  it("hears a NOTIFY only once its transaction commits", async () => {
    const heard: string[] = [];
    const listener = listenForNotifications(test.url, "outbox_test", (payload) => heard.push(payload));
    try {
      await listener.ready;
      await test.db
        .transaction()
        .execute(async (trx) => {
          await sql`select pg_notify('outbox_test', 'rolled back')`.execute(trx);
          throw new Error("roll back");
        })
        .catch(() => {});
      await test.db.transaction().execute(async (trx) => {
        await sql`select pg_notify('outbox_test', 'committed')`.execute(trx);
      });
      await waitFor("the committed notification", () => heard.includes("committed"));
      expect(heard).not.toContain("rolled back");
    } finally {
      await listener.close();
    }
  });

  it("listens again after its connection is killed", async () => {
    const heard: string[] = [];
    const listener = listenForNotifications(test.url, "reconnect_test", (payload) => heard.push(payload), {
      applicationName: "listener-under-test",
    });
    const admin = new pg.Client({ connectionString: test.adminUrl });
    await admin.connect();
    try {
      await listener.ready;
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'listener-under-test'",
        [test.name],
      );
      // Keep notifying until the re-established LISTEN hears one.
      await waitFor("a notification after reconnecting", () => {
        void sql`select pg_notify('reconnect_test', 'again')`.execute(test.db).catch(() => {});
        return heard.includes("again");
      });
    } finally {
      await admin.end();
      await listener.close();
    }
  });
});
