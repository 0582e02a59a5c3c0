import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { sql } from "kysely";
import type { Redis } from "ioredis";
import { createAuthHook, createTokenVerifier } from "@switchboard/authz";
import { createKeyring, localKeyWrapper } from "@switchboard/crypto";
import { withTenant } from "@switchboard/db";
import { createTestDatabase, type TestDatabase } from "@switchboard/db/testing";
import { DataSourceService } from "@switchboard/proto/switchboard/recognition/v1/data_sources_pb";
import { RecognitionService } from "@switchboard/proto/switchboard/recognition/v1/recognition_pb";
import { SyncService } from "@switchboard/proto/switchboard/recognition/v1/sync_pb";
import { createClient, openChannel, serve, silentLogger, type Channel, type RunningServer } from "@switchboard/rpc";
import { createLookupCache } from "../../src/cache/lookup-cache.js";
import { openCacheRedis } from "../../src/cache/redis-connection.js";
import type { RecognitionDeps } from "../../src/deps.js";
import { createRegionCache } from "../../src/lookup/region-cache.js";
import { dataSourceService } from "../../src/rpc/data-source-service.js";
import { recognitionPolicies } from "../../src/rpc/policies.js";
import { recognitionService } from "../../src/rpc/recognition-service.js";
import { syncService } from "../../src/rpc/sync-service.js";
import { openMatchReader } from "../../src/store/match-reader.js";
import type { RecognitionDatabase } from "../../src/store/schema.js";
import { saveDefaultRegion } from "../../src/store/tenant-settings.js";

export const migrationsFolder = fileURLToPath(new URL("../../migrations/", import.meta.url));

export interface Claims {
  tid: string;
  roles: string[];
  amr?: string[];
  typ?: "user" | "service";
}

export interface Harness {
  database: TestDatabase<RecognitionDatabase>;
  redis: Redis;
  prefix: string;
  deps: RecognitionDeps;
  server: RunningServer;
  channel: Channel;
  lookup: ReturnType<typeof createClient<typeof RecognitionService>>;
  sources: ReturnType<typeof createClient<typeof DataSourceService>>;
  sync: ReturnType<typeof createClient<typeof SyncService>>;
  /** Call options carrying a freshly signed token. */
  as(claims: Claims): Promise<{ metadata: Record<string, string> }>;
  setRegion(tenantId: string, region: string): Promise<void>;
  /** Every cache key of the tenant (or of this test's prefix). */
  cacheKeys(tenantId?: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  name: string;
  redisUrl?: string;
  cacheTimeoutMs?: number;
  lookupDeadlineMs?: number;
}

/** The recognition service on its own database, a random Redis prefix and a test signing key. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const database = await createTestDatabase<RecognitionDatabase>({ migrationsFolder, name: options.name });
  // The service's own connection settings, so the cache and outage tests exercise them.
  const redis = openCacheRedis(options.redisUrl ?? process.env.REDIS_URL!, { lazyConnect: true });
  redis.on("error", () => {});
  await redis.connect();
  const prefix = `rtest:${randomBytes(6).toString("hex")}:`;
  const deps: RecognitionDeps = {
    db: database.db,
    matchReader: openMatchReader(database.url),
    keyring: createKeyring({ wrapper: localKeyWrapper(randomBytes(32).toString("base64")) }),
    cache: createLookupCache({ redis, prefix, ttlMs: 60_000, negativeTtlMs: 30_000 }),
    regions: createRegionCache(),
    log: silentLogger,
    lookupDeadlineMs: options.lookupDeadlineMs ?? 500,
    cacheTimeoutMs: options.cacheTimeoutMs ?? 50,
  };

  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA" };
  const server = await serve({
    host: "127.0.0.1",
    port: 0,
    services: [recognitionService(deps), dataSourceService(deps), syncService(deps)],
    authenticate: createAuthHook({ verifier: createTokenVerifier({ fetchJwks: async () => [jwk] }), policies: recognitionPolicies }),
  });
  const channel = openChannel(`127.0.0.1:${server.port}`);

  const as = async (claims: Claims) => {
    const token = await new SignJWT({ tid: claims.tid, roles: claims.roles, amr: claims.amr ?? ["pwd"], typ: claims.typ ?? "user" })
      .setProtectedHeader({ alg: "EdDSA", kid })
      .setIssuer("switchboard-identity")
      .setAudience("switchboard")
      .setSubject(randomUUID())
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    return { metadata: { authorization: `Bearer ${token}` } };
  };

  const harness: Harness = {
    database,
    redis,
    prefix,
    deps,
    server,
    channel,
    lookup: createClient(RecognitionService, channel),
    sources: createClient(DataSourceService, channel),
    sync: createClient(SyncService, channel),
    as,
    setRegion: (tenantId, region) => withTenant(database.db, tenantId, (trx) => saveDefaultRegion(trx, tenantId, region)),
    async cacheKeys(tenantId) {
      const keys: string[] = [];
      const stream = redis.scanStream({ match: `${prefix}${tenantId ? `${tenantId}:` : ""}*`, count: 1_000 });
      for await (const batch of stream as AsyncIterable<string[]>) keys.push(...batch);
      return keys;
    },
    async close() {
      channel.close();
      await server.close(500);
      const keys = await harness.cacheKeys().catch(() => []);
      if (keys.length > 0) await redis.unlink(...keys).catch(() => {});
      redis.disconnect();
      deps.keyring.clear();
      await deps.matchReader.close();
      await database.destroy();
    },
  };
  return harness;
}

/** A tenant with its admin, agent, sync account and a data source, ready to sync. */
export async function seedTenant(h: Harness, region = "NL", source: { displayFields?: string[]; scriptFields?: string[]; priority?: number; name?: string } = {}) {
  const tenantId = randomUUID();
  await h.setRegion(tenantId, region);
  const admin = await h.as({ tid: tenantId, roles: ["tenant-admin"] });
  const agent = await h.as({ tid: tenantId, roles: ["agent"] });
  const syncAgent = await h.as({ tid: tenantId, roles: ["sync-agent"], typ: "service" });
  const created = await h.sources.createDataSource(
    { name: source.name ?? "CRM", displayFields: source.displayFields ?? ["name", "company"], scriptFields: source.scriptFields ?? ["crmId"], priority: source.priority ?? 0 },
    admin,
  );
  return { tenantId, admin, agent, syncAgent, sourceId: created.dataSource!.id };
}

export type Seeded = Awaited<ReturnType<typeof seedTenant>>;

/** Runs one sync of the given records and deletes; returns the commit's answer. */
export async function syncOnce(h: Harness, seeded: Seeded, options: { full: boolean; upserts?: { externalId: string; phoneNumbers: string[]; fields: Record<string, string> }[]; deletes?: string[]; sourceId?: string }) {
  const begun = await h.sync.beginSync({ dataSourceId: options.sourceId ?? seeded.sourceId, full: options.full }, seeded.syncAgent);
  const pushed = await h.sync.pushRecords({ syncId: begun.syncId, batchId: "1", upserts: options.upserts ?? [], deletes: options.deletes ?? [] }, seeded.syncAgent);
  const committed = await h.sync.commitSync({ syncId: begun.syncId }, seeded.syncAgent);
  return { begun, pushed, committed };
}

/** The number of rows a tenant has in each recognition table (RLS scoped). */
export async function countRows(h: Harness, tenantId: string, sourceId?: string) {
  return withTenant(h.database.db, tenantId, async (trx) => {
    const count = async (table: "data_source" | "recognition_record" | "record_number" | "sync" | "sync_batch" | "open_sync" | "tenant_key" | "tenant_settings", column?: string, value?: string) => {
      let query = trx.selectFrom(table).select((eb) => eb.fn.countAll<string>().as("n"));
      if (column && value) query = query.where(column as never, "=", value as never);
      return Number((await query.executeTakeFirstOrThrow()).n);
    };
    if (sourceId) {
      return {
        data_source: await count("data_source", "id", sourceId),
        recognition_record: await count("recognition_record", "source_id", sourceId),
        record_number: await count("record_number", "source_id", sourceId),
        sync: await count("sync", "source_id", sourceId),
        tenant_key: await count("tenant_key", "scope", `source:${sourceId}`),
      };
    }
    return {
      data_source: await count("data_source"),
      recognition_record: await count("recognition_record"),
      record_number: await count("record_number"),
      sync: await count("sync"),
      sync_batch: await count("sync_batch"),
      // Outside row-level security: counted by its tenant column.
      open_sync: await count("open_sync", "tenant_id", tenantId),
      tenant_key: await count("tenant_key"),
      tenant_settings: await count("tenant_settings"),
    };
  });
}

/**
 * Holds `lock table <table> in access exclusive mode` in another transaction
 * for `ms`: every read of the table waits. Resolves once the lock is held;
 * `released` settles when it is let go.
 */
export async function holdTableLock(h: Harness, table: "record_number", ms: number): Promise<{ released: Promise<void> }> {
  let locked!: () => void;
  const holding = new Promise<void>((resolve) => (locked = resolve));
  const released = h.database.db.transaction().execute(async (trx) => {
    await sql`lock table ${sql.table(table)} in access exclusive mode`.execute(trx);
    locked();
    await new Promise((r) => setTimeout(r, ms));
  });
  await holding;
  return { released };
}
