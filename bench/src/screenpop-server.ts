// The platform side of the SP* figures, in a process (and on a core) of its
// own: recognition (real handlers, 1,000 contacts seeded), screenpop (its
// scripts, ring relay, streams) and the gateway (Connect/gRPC-web edge with
// its token check), each on its own port and talking gRPC to each other,
// trusting one bench signing key. It consumes call events from the stream
// the load process's telephony runner publishes to. Prints one JSON line
// and runs until SIGTERM, then removes its databases, streams and keys.
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createAuthHook, createTokenVerifier } from "@switchboard/authz";
import { createKeyring, localKeyWrapper } from "@switchboard/crypto";
import { withTenant } from "@switchboard/db";
import { createTestDatabase } from "@switchboard/db/testing";
import { connectEvents, ensureStream } from "@switchboard/events";
import { openChannel, serve, silentLogger } from "@switchboard/rpc";
import { createLookupCache } from "../../services/recognition/src/cache/lookup-cache.js";
import { openCacheRedis } from "../../services/recognition/src/cache/redis-connection.js";
import { openMatchReader } from "../../services/recognition/src/store/match-reader.js";
import type { RecognitionDeps } from "../../services/recognition/src/deps.js";
import { createRegionCache } from "../../services/recognition/src/lookup/region-cache.js";
import { recognitionPolicies } from "../../services/recognition/src/rpc/policies.js";
import { recognitionService } from "../../services/recognition/src/rpc/recognition-service.js";
import type { RecognitionDatabase } from "../../services/recognition/src/store/schema.js";
import { saveDefaultRegion } from "../../services/recognition/src/store/tenant-settings.js";
import { insertDataSource } from "../../services/recognition/src/store/data-sources.js";
import { pushRecords } from "../../services/recognition/src/sync/push-records.js";
import { beginSync } from "../../services/recognition/src/sync/begin-sync.js";
import { commitSync } from "../../services/recognition/src/sync/commit-sync.js";
import { createPopBuilder } from "../../services/screenpop/src/delivery/pop-builder.js";
import { ensureRingStream } from "../../services/screenpop/src/delivery/ring-stream.js";
import { startRingRelay } from "../../services/screenpop/src/events/ring-relay.js";
import { recognitionClient } from "../../services/screenpop/src/recognition/recognition-client.js";
import { screenPopPolicies } from "../../services/screenpop/src/rpc/policies.js";
import { screenPopService } from "../../services/screenpop/src/rpc/screen-pop-service.js";
import { scriptService } from "../../services/screenpop/src/rpc/script-service.js";
import type { ScreenPopDatabase } from "../../services/screenpop/src/store/schema.js";
import { insertScript } from "../../services/screenpop/src/store/scripts.js";
import { verifyAtEdge } from "../../services/gateway/src/edge-auth.js";
import { startGateway } from "../../services/gateway/src/http-server.js";
import { expose } from "../../services/gateway/src/routes.js";
import { ScreenPopService } from "@switchboard/proto/switchboard/screenpop/v1/screen_pops_pb";

const options = JSON.parse(process.argv[2] ?? "{}") as { callsPrefix: string; callsStream: string; contacts: number; warm: boolean };
const tag = randomBytes(4).toString("hex");

// recognition
const recognitionDb = await createTestDatabase<RecognitionDatabase>({ migrationsFolder: fileURLToPath(new URL("../../services/recognition/migrations/", import.meta.url)), name: "bench_sp_recognition" });
const redis = openCacheRedis(process.env.REDIS_URL!);
await new Promise<void>((resolve) => redis.once("ready", () => resolve()));
const prefix = `bench:screenpop:${tag}:`;
const recognitionDeps: RecognitionDeps = {
  db: recognitionDb.db,
  matchReader: openMatchReader(recognitionDb.url),
  keyring: createKeyring({ wrapper: localKeyWrapper(randomBytes(32).toString("base64")) }),
  cache: createLookupCache({ redis, prefix, ttlMs: 600_000, negativeTtlMs: 600_000 }),
  regions: createRegionCache(),
  log: silentLogger,
  lookupDeadlineMs: 500,
  cacheTimeoutMs: 50,
};
const tenantId = randomUUID();
const agentId = randomUUID();
const sourceId = randomUUID();
await withTenant(recognitionDb.db, tenantId, async (trx) => {
  await saveDefaultRegion(trx, tenantId, "NL");
  await insertDataSource(trx, { id: sourceId, tenantId, name: "CRM", displayFields: ["name", "company"], scriptFields: ["crmId"], priority: 0 });
  await recognitionDeps.keyring.rotateDataKey(trx, tenantId, `source:${sourceId}`);
  await recognitionDeps.keyring.blindIndex(trx, tenantId, "warm");
});
const numbers = Array.from({ length: options.contacts }, (_, i) => `+3135${String(1_000_000 + i).padStart(7, "0")}`);
const seed = await beginSync(recognitionDeps, tenantId, sourceId, true);
const upserts = numbers.map((number, i) => ({ externalId: `seed-${i}`, phoneNumbers: [number], fields: { name: `Contact ${i}`, company: "Acme", crmId: `C-${i}` } }));
for (let from = 0; from < upserts.length; from += 1_000) {
  await pushRecords(recognitionDeps, tenantId, { system: "bench" }, { syncId: seed.sync.id, batchId: String(from), upserts: upserts.slice(from, from + 1_000), deletes: [] });
}
await commitSync(recognitionDeps, tenantId, { system: "bench" }, seed.sync.id);

const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "EdDSA" };
const verifier = () => createTokenVerifier({ fetchJwks: async () => [jwk] });
const agentToken = await new SignJWT({ tid: tenantId, roles: ["agent"], amr: ["pwd"], typ: "user" })
  .setProtectedHeader({ alg: "EdDSA", kid: "bench" })
  .setIssuer("switchboard-identity")
  .setAudience("switchboard")
  .setSubject(agentId)
  .setIssuedAt()
  .setExpirationTime("1h")
  .sign(privateKey);
const recognition = await serve({ host: "127.0.0.1", port: 0, services: [recognitionService(recognitionDeps)], authenticate: createAuthHook({ verifier: verifier(), policies: recognitionPolicies }) });

// screenpop
const screenpopDb = await createTestDatabase<ScreenPopDatabase>({ migrationsFolder: fileURLToPath(new URL("../../services/screenpop/migrations/", import.meta.url)), name: "bench_screenpop" });
await withTenant(screenpopDb.db, tenantId, async (trx) => {
  await insertScript(trx, randomUUID(), tenantId, { name: "Open contact", trigger: "recognized", urlTemplate: "https://crm.example.com/contacts/{crmId}?from={number}", dataSourceId: "", autoOpen: true, position: 0 });
  await insertScript(trx, randomUUID(), tenantId, { name: "New contact", trigger: "unrecognized", urlTemplate: "https://crm.example.com/new?phone={number}", dataSourceId: "", autoOpen: false, position: 1 });
});
const events = await connectEvents({ url: process.env.NATS_URL!, name: `bench-screenpop-${tag}` });
await ensureStream(events.jsm, { name: options.callsStream, subjects: [`${options.callsPrefix}.>`], maxAgeMs: 10 * 60_000, duplicateWindowMs: 60_000 });
const ring = { name: `BENCH_RINGS_${tag}`, prefix: `bench-${tag}.rings`, windowMs: 30_000 };
await ensureRingStream(events.jsm, ring);
const recognitionChannel = openChannel(`127.0.0.1:${recognition.port}`);
// Warm: each caller has been looked up once, so the cache holds them (the
// steady state for callers who call again within the cache's lifetime).
if (options.warm) {
  const warming = recognitionClient(recognitionChannel);
  for (const number of numbers) await warming.lookup(`Bearer ${agentToken}`, number, 5_000);
}
const deps = { db: screenpopDb.db, recognition: recognitionClient(recognitionChannel), log: silentLogger, lookupTimeoutMs: 300, catalogueTimeoutMs: 3_000 };
const relay = await startRingRelay({ js: events.js, jsm: events.jsm, ring, durable: `bench-${tag}`, startAt: "new", callsPrefix: options.callsPrefix, callsStreamName: options.callsStream, log: silentLogger });
const screenPopVerifier = verifier();
const screenpop = await serve({
  host: "127.0.0.1",
  port: 0,
  services: [scriptService(deps), screenPopService({ nc: events.nc, js: events.js, jsm: events.jsm, ring, builder: createPopBuilder(deps, { memoMs: ring.windowMs }), heartbeatMs: 15_000, recheckToken: (token) => screenPopVerifier.verify(token) })],
  authenticate: createAuthHook({ verifier: screenPopVerifier, policies: screenPopPolicies }),
});

// gateway
const screenpopChannel = openChannel(`127.0.0.1:${screenpop.port}`);
const gateway = await startGateway({
  host: "127.0.0.1",
  port: 0,
  routes: [expose(ScreenPopService, screenpopChannel)],
  allowedOrigins: [],
  maxRequestBytes: 1024 * 1024,
  defaultTimeoutMs: 10_000,
  readinessTargets: {},
  authenticate: verifyAtEdge(verifier()),
});

process.stdout.write(`${JSON.stringify({ gatewayUrl: gateway.url, agentToken, agentId, tenantId, numbers })}\n`);

process.on("SIGTERM", () => {
  void (async () => {
    await gateway.close(500);
    screenpopChannel.close();
    await screenpop.close(500);
    await relay.stop();
    recognitionChannel.close();
    await recognition.close(500);
    await events.jsm.streams.delete(ring.name).catch(() => {});
    await events.close();
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 1_000 }) as AsyncIterable<string[]>) keys.push(...batch);
    if (keys.length > 0) await redis.unlink(...keys);
    redis.disconnect();
    await screenpopDb.destroy();
    await recognitionDeps.matchReader.close();
    await recognitionDb.destroy();
    process.exit(0);
  })();
});
