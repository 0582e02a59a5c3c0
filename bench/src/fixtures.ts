import { jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import pg from "pg";

const benchDatabase = "switchboard_bench";
const benchStream = "BENCH";

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

// The load generator saturates whatever it is pointed at: only ever the local
// servers, never a shared or production one an exported URL might name.
function requireLoopback(name: string, value: string | undefined): string {
  if (!value) throw new Error(`${name} is not set: run \`make bench\` (it starts the local servers and sets it)`);
  const host = new URL(value).hostname;
  if (!loopbackHosts.has(host)) throw new Error(`${name} points at ${host}; make bench only loads servers on loopback (127.0.0.1)`);
  return value;
}

/** A bench database (10,000 rows to select, a table to upsert into) and a JetStream stream; removed afterwards. */
export async function prepareFixtures(): Promise<{ databaseUrl: string; cleanup(): Promise<void> }> {
  const adminUrl = requireLoopback("POSTGRES_URL", process.env.POSTGRES_URL);
  const natsUrl = requireLoopback("NATS_URL", process.env.NATS_URL);
  requireLoopback("REDIS_URL", process.env.REDIS_URL);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${benchDatabase} with (force)`);
  await admin.query(`create database ${benchDatabase}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${benchDatabase}`;
  const databaseUrl = url.toString();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query("create table bench_row (id uuid primary key default gen_random_uuid(), payload text not null)");
  await db.query("insert into bench_row (payload) select md5(i::text) from generate_series(1, 10000) i");
  await db.query("create table bench_upsert (id uuid primary key, payload text not null)");
  await db.query("analyze");
  await db.end();

  const nc = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(benchStream).catch(() => undefined);
  // File storage, as the platform's streams use: the ack waits for the write.
  await jsm.streams.add({ name: benchStream, subjects: ["bench.>"], storage: StorageType.File, max_age: 10 * 60 * 1_000_000_000 });

  return {
    databaseUrl,
    async cleanup() {
      await jsm.streams.delete(benchStream).catch(() => undefined);
      await nc.drain();
      const adminAgain = new pg.Client({ connectionString: adminUrl });
      await adminAgain.connect();
      await adminAgain.query(`drop database if exists ${benchDatabase} with (force)`);
      await adminAgain.end();
    },
  };
}
