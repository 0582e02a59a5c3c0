// The recognition service for the R* figures, in a process (and on a core)
// of its own, like the echo server: its real handlers, cache and stores on a
// fresh database of a non-superuser role (row-level security applies), a
// Redis key prefix of its own, and one tenant seeded with records. Prints
// {port, token, numbers} as one JSON line and runs until SIGTERM, then drops
// its database and cache keys.
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createAuthHook, createTokenVerifier } from "@switchboard/authz";
import { createKeyring, localKeyWrapper } from "@switchboard/crypto";
import { withTenant } from "@switchboard/db";
import { createTestDatabase } from "@switchboard/db/testing";
import { serve, silentLogger } from "@switchboard/rpc";
import { createLookupCache } from "../../services/recognition/src/cache/lookup-cache.js";
import { openCacheRedis } from "../../services/recognition/src/cache/redis-connection.js";
import { openMatchReader } from "../../services/recognition/src/store/match-reader.js";
import type { RecognitionDeps } from "../../services/recognition/src/deps.js";
import { createRegionCache } from "../../services/recognition/src/lookup/region-cache.js";
import { dataSourceService } from "../../services/recognition/src/rpc/data-source-service.js";
import { recognitionPolicies } from "../../services/recognition/src/rpc/policies.js";
import { recognitionService } from "../../services/recognition/src/rpc/recognition-service.js";
import { syncService } from "../../services/recognition/src/rpc/sync-service.js";
import type { RecognitionDatabase } from "../../services/recognition/src/store/schema.js";
import { saveDefaultRegion } from "../../services/recognition/src/store/tenant-settings.js";
import { insertDataSource } from "../../services/recognition/src/store/data-sources.js";
import { pushRecords } from "../../services/recognition/src/sync/push-records.js";
import { beginSync } from "../../services/recognition/src/sync/begin-sync.js";
import { commitSync } from "../../services/recognition/src/sync/commit-sync.js";

const options = JSON.parse(process.argv[2] ?? "{}") as { records?: number; cacheTtlMs?: number };
const recordCount = options.records ?? 1_000;
const cacheTtlMs = options.cacheTtlMs ?? 600_000;

const database = await createTestDatabase<RecognitionDatabase>({ migrationsFolder: fileURLToPath(new URL("../../services/recognition/migrations/", import.meta.url)), name: "bench_recognition" });
const redis = openCacheRedis(process.env.REDIS_URL!);
await new Promise<void>((resolve) => redis.once("ready", () => resolve()));
const prefix = `bench:recognition:${randomBytes(4).toString("hex")}:`;
const deps: RecognitionDeps = {
  db: database.db,
  matchReader: openMatchReader(database.url),
  keyring: createKeyring({ wrapper: localKeyWrapper(randomBytes(32).toString("base64")) }),
  cache: createLookupCache({ redis, prefix, ttlMs: cacheTtlMs, negativeTtlMs: cacheTtlMs }),
  regions: createRegionCache(),
  log: silentLogger,
  lookupDeadlineMs: 500,
  cacheTimeoutMs: 50,
};

const tenantId = randomUUID();
const sourceId = randomUUID();
await withTenant(database.db, tenantId, async (trx) => {
  await saveDefaultRegion(trx, tenantId, "NL");
  await insertDataSource(trx, { id: sourceId, tenantId, name: "CRM", displayFields: ["name", "company"], scriptFields: ["crmId"], priority: 0 });
  // As CreateDataSource does: the keys exist before the first sync.
  await deps.keyring.rotateDataKey(trx, tenantId, `source:${sourceId}`);
  await deps.keyring.blindIndex(trx, tenantId, "warm");
});
const numbers = Array.from({ length: recordCount }, (_, i) => `+3135${String(1_000_000 + i).padStart(7, "0")}`);
const actor = { system: "bench" };
const seed = await beginSync(deps, tenantId, sourceId, true);
for (let at = 0; at < numbers.length; at += 1_000) {
  const upserts = numbers.slice(at, at + 1_000).map((number, i) => ({ externalId: `seed-${at + i}`, phoneNumbers: [number], fields: { name: `Contact ${at + i}`, company: "Acme", crmId: `seed-${at + i}` } }));
  await pushRecords(deps, tenantId, actor, { syncId: seed.sync.id, batchId: String(at), upserts, deletes: [] });
}
await commitSync(deps, tenantId, actor, seed.sync.id);

const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "EdDSA" };
const token = async (roles: string[], typ: "user" | "service") =>
  new SignJWT({ tid: tenantId, roles, amr: ["pwd"], typ })
    .setProtectedHeader({ alg: "EdDSA", kid: "bench" })
    .setIssuer("switchboard-identity")
    .setAudience("switchboard")
    .setSubject(randomUUID())
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(privateKey);
const server = await serve({
  host: "127.0.0.1",
  port: 0,
  services: [recognitionService(deps), dataSourceService(deps), syncService(deps)],
  authenticate: createAuthHook({ verifier: createTokenVerifier({ fetchJwks: async () => [jwk] }), policies: recognitionPolicies }),
});

process.stdout.write(`${JSON.stringify({ port: server.port, agentToken: await token(["agent"], "user"), syncToken: await token(["sync-agent"], "service"), sourceId, numbers: numbers.slice(0, 10_000) })}\n`);

process.on("SIGTERM", () => {
  void (async () => {
    await server.close(1_000);
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 1_000 }) as AsyncIterable<string[]>) keys.push(...batch);
    for (let at = 0; at < keys.length; at += 1_000) await redis.unlink(...keys.slice(at, at + 1_000));
    redis.disconnect();
    await deps.matchReader.close();
    await database.destroy();
    process.exit(0);
  })();
});
