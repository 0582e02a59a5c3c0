// The operation each figure repeats. Every one runs inside the load-generator
// process (bench/src/load-worker.ts), apart from the servers it talks to.
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { credentials, makeGenericClientConstructor } from "@grpc/grpc-js";
import { EchoRequestSchema, EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { createClient, openChannel, toGrpcServiceDefinition } from "@switchboard/rpc";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Redis } from "ioredis";
import pg from "pg";
import { createTokenVerifier } from "@switchboard/authz";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { hash, verify } from "@node-rs/argon2";
import { fileURLToPath } from "node:url";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { ActorType, AuditEventSchema, AuditOutcome } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import { migrateToLatest, openDatabase, withTenant } from "@switchboard/db";
// The audit-log service's own append path, measured as it runs.
import { appendEntry } from "../../../services/audit-log/src/store/entries.js";
import { connectEvents, ensureStream, publishEvent } from "@switchboard/events";
import { benchAuditRecorded, benchAuditStream } from "./bench-audit-stream.js";
import { RecognitionService } from "@switchboard/proto/switchboard/recognition/v1/recognition_pb";
import { SyncService } from "@switchboard/proto/switchboard/recognition/v1/sync_pb";
import type { AuditDatabase } from "../../../services/audit-log/src/store/schema.js";
import { amiInboundOperation } from "./telephony.js";
import { screenPopOperation } from "./screenpop.js";
import { startServerProcess } from "./server-process.js";
import { BATCH_SIZE, encodedPushes } from "./encoded-pushes.js";
import { postgresCpuUs, processCpuUs, type CpuCounters } from "../cpu-time.js";

/** bench/src/recognition-server.ts in its own process, and a channel to it. */
async function startRecognitionServer(options: { records: number; cacheTtlMs?: number }) {
  const server = await startServerProcess("recognition-server.ts", [JSON.stringify(options)], "recognition bench server");
  const started = JSON.parse(server.firstLine) as { port: number; agentToken: string; syncToken: string; sourceId: string; numbers: string[] };
  const channel = openChannel(`127.0.0.1:${started.port}`);
  return {
    ...started,
    channel,
    pid: server.pid,
    async close() {
      channel.close();
      await server.stop();
    },
  };
}

export interface Operation {
  run(): Promise<unknown>;
  close(): Promise<void>;
  /** Work units per run (rows in a batch). */
  unitsPerOp?: number;
  /** Cumulative CPU of the processes doing the work (bench/src/cpu-time.ts), for figures that report CPU per unit. */
  cpuNow?: () => CpuCounters;
}

export type OperationFactory = (args: Record<string, string>) => Promise<Operation>;

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through scripts/bench.sh (make bench)`);
  return value;
};

export const operations: Record<string, OperationFactory> = {
  /** E: a unary grpc-js call to the echo server (constant reply), through libs/rpc. */
  async echo(args) {
    const channel = openChannel(args.target!);
    const client = createClient(EchoService, channel);
    const pid = args.echoPid ? Number(args.echoPid) : undefined;
    return { run: () => client.echo({ text: "x" }, { timeoutMs: 5_000 }), close: async () => channel.close(), cpuNow: () => ({ server: processCpuUs(pid) }) };
  },

  /** E without libs/rpc: bare grpc-js client and server, the floor the runtime's policy layer adds to. */
  async "echo-bare"(args) {
    const definition = toGrpcServiceDefinition(EchoService);
    const Client = makeGenericClientConstructor(definition, "EchoService");
    const client = new Client(args.bareTarget!, credentials.createInsecure()) as unknown as {
      echo(request: unknown, options: { deadline: number }, callback: (error: Error | null) => void): void;
      close(): void;
    };
    const request = create(EchoRequestSchema, { text: "x" });
    const pid = args.echoPid ? Number(args.echoPid) : undefined;
    return {
      cpuNow: () => ({ server: processCpuUs(pid) }),
      run: () => new Promise<void>((resolve, reject) => client.echo(request, { deadline: Date.now() + 5_000 }, (error) => (error ? reject(error) : resolve()))),
      close: async () => client.close(),
    };
  },

  /** R: one ioredis GET of an existing key. */
  async "redis-get"() {
    const redis = new Redis(env("REDIS_URL"));
    const key = `bench:${randomUUID()}`;
    await redis.set(key, "x".repeat(200), "EX", 600);
    return { run: () => redis.get(key), close: async () => void (await redis.del(key), redis.disconnect()) };
  },

  /** P: one prepared primary-key SELECT through pg. */
  async "pg-select"(args) {
    const pool = new pg.Pool({ connectionString: args.database, max: Number(args.concurrency ?? 1) });
    const ids = (await pool.query<{ id: string }>("select id from bench_row limit 1000")).rows.map((r) => r.id);
    let i = 0;
    return {
      run: () => pool.query({ name: "bench-select", text: "select id, payload from bench_row where id = $1", values: [ids[i++ % ids.length]] }),
      close: () => pool.end(),
    };
  },

  /** U: a 1,000-row INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE. */
  async "pg-unnest"(args) {
    const pool = new pg.Pool({ connectionString: args.database, max: 1 });
    const ids = Array.from({ length: 1000 }, () => randomUUID());
    let round = 0;
    return {
      unitsPerOp: 1000,
      cpuNow: () => ({ postgres: postgresCpuUs() }),
      run: () => {
        round += 1;
        const payloads = ids.map((id) => `${id}:${round}`);
        return pool.query(
          "insert into bench_upsert (id, payload) select * from unnest($1::uuid[], $2::text[]) on conflict (id) do update set payload = excluded.payload",
          [ids, payloads],
        );
      },
      close: () => pool.end(),
    };
  },

  /** J: JetStream publish, awaiting each ack (run with concurrency 500). */
  async "js-publish"(args) {
    const nc = await connect({ servers: env("NATS_URL") });
    const js = jetstream(nc);
    const payload = new Uint8Array(200);
    return { run: () => js.publish(args.subject!, payload), close: () => nc.drain() };
  },

  /** Token verification without the verified-token cache: every call checks the Ed25519 signature. */
  async "token-verify"(args) {
    return tokenOperation(args.cached === "true");
  },

  /**
   * Audit trail append: one event into a tenant's hash chain, one transaction
   * each (the audit-log service's ingestion path after decoding), spread over
   * `tenants` tenants. Compare with P (a round trip) and U (batched writes).
   */
  async "audit-append"(args) {
    const db = openDatabase<AuditDatabase>(args.database!, { maxConnections: Number(args.concurrency ?? 1) });
    await migrateToLatest(db, fileURLToPath(new URL("../../../services/audit-log/migrations/", import.meta.url)));
    const tenants = Array.from({ length: Number(args.tenants ?? 1) }, () => randomUUID());
    let next = 0;
    return {
      run: () => {
        const tenantId = tenants[next++ % tenants.length]!;
        const event = create(AuditEventSchema, {
          eventId: randomUUID(),
          tenantId,
          action: "identity.user.created",
          actor: { type: ActorType.USER, id: "bench", roles: ["tenant-admin"] },
          resource: { type: "user", id: randomUUID() },
          outcome: AuditOutcome.SUCCESS,
          time: timestampNow(),
        });
        return withTenant(db, tenantId, (trx) => appendEntry(trx, event));
      },
      close: () => db.destroy(),
    };
  },

  /**
   * Audit ingestion end to end: each run publishes `batch` audit events for
   * `tenants` tenants to JetStream and waits until the audit-log's ingestion
   * (in a process of its own, as the service runs it) has committed every one to its
   * tenant's chain. Units are events; the figure is events/s.
   */
  async "audit-ingest"(args) {
    const batch = Number(args.batch ?? 1_000);
    const db = openDatabase<AuditDatabase>(args.database!, { maxConnections: 10 });
    await migrateToLatest(db, fileURLToPath(new URL("../../../services/audit-log/migrations/", import.meta.url)));
    const events = await connectEvents({ url: env("NATS_URL"), name: "bench-audit-ingest" });
    await ensureStream(events.jsm, benchAuditStream);
    const durable = `bench-audit-${randomUUID().slice(0, 8)}`;
    const ingestion = await startIngestionProcess(args.database!, durable);
    const tenants = Array.from({ length: Number(args.tenants ?? 1) }, () => randomUUID());
    let published = 0;
    // The bench connects as the superuser, which row-level security does not restrict.
    const committed = async () => {
      const row = await db.selectFrom("chain_head").select((eb) => eb.fn.sum<string>("sequence").as("total")).where("tenant_id", "in", tenants).executeTakeFirst();
      return Number(row?.total ?? 0);
    };
    return {
      unitsPerOp: batch,
      async run() {
        const sends = [];
        for (let i = 0; i < batch; i++) {
          const tenantId = tenants[published++ % tenants.length]!;
          const event = create(AuditEventSchema, {
            eventId: randomUUID(),
            tenantId,
            action: "identity.user.updated",
            actor: { type: ActorType.USER, id: "bench", roles: ["tenant-admin"] },
            resource: { type: "user", id: randomUUID() },
            personalDataCategories: ["contact"],
            outcome: AuditOutcome.SUCCESS,
            time: timestampNow(),
          });
          sends.push(publishEvent(events.js, benchAuditRecorded, event, { msgId: event.eventId }));
        }
        await Promise.all(sends);
        while ((await committed()) < published) await new Promise((resolve) => setTimeout(resolve, 2));
      },
      async close() {
        await ingestion.stop();
        await events.jsm.streams.delete(benchAuditStream.name).catch(() => undefined);
        await events.close();
        await db.destroy();
      },
    };
  },

  /** Inbound call events: a fake AMI peer's DialBegin to the RINGING event acked by JetStream. */
  "telephony-ami-inbound": () => amiInboundOperation(),

  /** A PBX event on the fake AMI socket to the pop at a client on the gateway, at `rate` calls/s. */
  "screenpop-pop": (args) => screenPopOperation(args),

  /**
   * Recognition Lookup from another process. `cache: hit` cycles over 1,000
   * numbers looked up once before (every call a hit); `cache: miss` runs a
   * server whose entries expire after 1 ms, so every call is GET (miss) +
   * Postgres + SET.
   */
  async "recognition-lookup"(args) {
    const hit = args.cache !== "miss";
    const server = await startRecognitionServer({ records: hit ? 1_000 : 5_000, cacheTtlMs: hit ? undefined : 1 });
    const client = createClient(RecognitionService, server.channel);
    const call = { metadata: { authorization: `Bearer ${server.agentToken}` }, timeoutMs: 5_000 };
    const numbers = server.numbers.slice(0, hit ? 1_000 : 5_000);
    if (hit) for (const number of numbers) await client.lookup({ number }, call);
    let next = 0;
    return {
      cpuNow: () => ({ server: processCpuUs(server.pid), postgres: postgresCpuUs() }),
      run: async () => {
        const answer = await client.lookup({ number: numbers[next++ % numbers.length]! }, call);
        if (!answer.recognized) throw new Error("a seeded number was not recognised");
      },
      close: () => server.close(),
    };
  },

  /**
   * Sync ingest: one PushRecords of 1,000 records (normalising, encrypting,
   * blind-indexing; unitsPerOp 1,000). `changes: all` sends new records every
   * time; `changes: none` re-sends the same 1,000 unchanged records. The
   * requests are encoded before the clock starts (encoded-pushes.ts says why).
   */
  async "recognition-sync"(args) {
    const server = await startRecognitionServer({ records: 0 });
    const client = createClient(SyncService, server.channel);
    const call = { metadata: { authorization: `Bearer ${server.syncToken}` }, timeoutMs: 30_000 };
    const { syncId } = await client.beginSync({ dataSourceId: server.sourceId, full: false }, call);
    const unchanged = args.changes === "none";
    // Enough new rounds for ~55 batches/s over warm-up and measurement; more are encoded when asked for.
    const pushes = encodedPushes(server.channel, server.syncToken, unchanged ? { first: 0, pooled: 1 } : { first: 1, pooled: 400 });
    if (unchanged) await pushes.push(syncId, "seed", 0);
    let round = 0;
    return {
      unitsPerOp: BATCH_SIZE,
      cpuNow: () => ({ server: processCpuUs(server.pid), postgres: postgresCpuUs() }),
      run: async () => {
        round += 1;
        const pushed = await pushes.push(syncId, String(round), unchanged ? 0 : round);
        if (pushed.accepted !== BATCH_SIZE) throw new Error(`only ${pushed.accepted} of ${BATCH_SIZE} records accepted`);
      },
      close: async () => {
        if (pushes.encodedLate() > 0) console.error(`recognition-sync: ${pushes.encodedLate()} batches were encoded while timed (the pool ran out)`);
        await server.close();
      },
    };
  },

  /** Sign-in cost: one Argon2id verification at identity's parameters (m=19 MiB, t=2, p=1). */
  async "argon2-verify"() {
    const hashed = await hash("Violet-Harbour-42", { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    return { run: () => verify(hashed, "Violet-Harbour-42"), close: async () => {} };
  },
};

async function tokenOperation(cached: boolean): Promise<Operation> {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "EdDSA" };
  const token = await new SignJWT({ tid: randomUUID(), roles: ["agent"], amr: ["pwd"], typ: "user" })
    .setProtectedHeader({ alg: "EdDSA", kid: "bench" })
    .setIssuer("switchboard-identity")
    .setAudience("switchboard")
    .setSubject("bench")
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(privateKey);
  // maxCachedTokens 0 turns the cache off: every call pays the signature check.
  const verifier = createTokenVerifier({ fetchJwks: async () => [jwk], maxCachedTokens: cached ? 10_000 : 0 });
  return { run: () => verifier.verify(token), close: async () => {} };
}

/** The audit-log's ingestion (bench/src/audit-ingestion.ts) in its own process. */
function startIngestionProcess(databaseUrl: string, durable: string): Promise<{ stop(): Promise<void> }> {
  return startServerProcess("audit-ingestion.ts", [databaseUrl, durable], "audit ingestion process", 30_000);
}
