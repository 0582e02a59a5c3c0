import { auditStream } from "@switchboard/audit";
import { assertEveryMethodDeclared, createAuthHook, createTokenVerifier, jwksFromIdentity, createRevocationList, watchRevocations } from "@switchboard/authz";
import { loadConfigOrExit } from "@switchboard/config";
import { createKeyring, localKeyWrapper } from "@switchboard/crypto";
import { openDatabase, pingDatabase } from "@switchboard/db";
import { startDebugLogging } from "@switchboard/debug-sessions";
import { connectEvents, ensureStream, pingEvents, startOutboxRelay, startProcessedEventPruning, domainStream } from "@switchboard/events";
import { onShutdown, openChannel, serve } from "@switchboard/rpc";
import { createLogger, startTelemetry } from "@switchboard/telemetry";
import { openCacheRedis } from "./cache/redis-connection.js";
import { createLookupCache } from "./cache/lookup-cache.js";
import { persistenceProblem } from "./cache/redis-persistence.js";
import { RecognitionConfig } from "./config.js";
import type { RecognitionDeps } from "./deps.js";
import { startFieldScrubConsumer } from "./events/field-scrub-consumer.js";
import { startOrganizationConsumer } from "./events/organization-consumer.js";
import { recognitionStream } from "./events/recognition-events.js";
import { createRegionCache } from "./lookup/region-cache.js";
import { dataSourceService } from "./rpc/data-source-service.js";
import { recognitionPolicies } from "./rpc/policies.js";
import { recognitionService } from "./rpc/recognition-service.js";
import { syncService } from "./rpc/sync-service.js";
import { openMatchReader } from "./store/match-reader.js";
import type { RecognitionDatabase } from "./store/schema.js";
import { startSyncExpiry } from "./sync/expire-syncs.js";

const config = loadConfigOrExit("recognition", RecognitionConfig);
const telemetry = startTelemetry({ serviceName: "recognition", otlpEndpoint: config.OTLP_ENDPOINT });
const log = createLogger({ service: "recognition", level: config.LOG_LEVEL });

const db = openDatabase<RecognitionDatabase>(config.DATABASE_URL, { applicationName: "recognition", maxConnections: 20, log });
const matchReader = openMatchReader(config.DATABASE_URL, { maxConnections: 10, log });
const redis = openCacheRedis(config.REDIS_URL);
redis.on("error", (error: Error) => log.warn({ event: "redis.error", reason: error.message }));
await new Promise<void>((resolve) => (redis.status === "ready" ? resolve() : redis.once("ready", () => resolve())));
const persistence = await persistenceProblem(redis);
if (persistence) {
  log.error({ event: "redis.persistence_enabled" }, `${persistence}: configure save "" and appendonly no`);
  // Cached payloads are sealed, but "the cache is never persisted" is a promise to tenants: refuse rather than break it.
  if (config.REDIS_PERSISTENCE === "refuse") {
    console.error(`recognition: ${persistence}. Configure the cache's Redis with save "" and appendonly no (or set REDIS_PERSISTENCE=warn to start anyway).`);
    process.exit(1);
  }
}

const events = await connectEvents({ url: config.NATS_URL, name: "recognition", log });
// Support debug sessions: a user with an active session gets their calls logged to the protected store.
const debugLogging = await startDebugLogging({ nc: events.nc, service: "recognition", log });
await ensureStream(events.jsm, recognitionStream);
await ensureStream(events.jsm, auditStream);
const relay = startOutboxRelay({ db, js: events.js, databaseUrl: config.DATABASE_URL, log });

const keyring = createKeyring({ wrapper: localKeyWrapper(config.KEY_ENCRYPTION_KEY) });
const deps: RecognitionDeps = {
  db,
  matchReader,
  keyring,
  cache: createLookupCache({ redis, prefix: config.CACHE_KEY_PREFIX, ttlMs: config.CACHE_TTL, negativeTtlMs: config.NEGATIVE_CACHE_TTL }),
  regions: createRegionCache(),
  log,
  lookupDeadlineMs: Math.min(config.LOOKUP_DEADLINE, 500),
  cacheTimeoutMs: config.CACHE_TIMEOUT,
};
const organizations = await startOrganizationConsumer(deps, events, config.ORGANIZATION_EVENTS_CONSUMER);
const fieldScrub = await startFieldScrubConsumer(deps, events, config.FIELD_SCRUB_CONSUMER);
const markerPruning = startProcessedEventPruning(deps.db, { log: deps.log });
// Checked four times per SYNC_MAX_OPEN (at most every 15 minutes), so a sync outlives it by a quarter at most.
const syncExpiry = startSyncExpiry(deps, { maxOpenMs: config.SYNC_MAX_OPEN, intervalMs: Math.min(config.SYNC_MAX_OPEN / 4, 15 * 60_000) });

const identity = openChannel(config.IDENTITY_ADDR);
// Sessions identity ended (sign-out, password or role change, disabled user) are refused at once, not when their tokens expire.
await ensureStream(events.jsm, domainStream("identity"));
const revocations = createRevocationList();
const revocationWatch = await watchRevocations({ js: events.js, list: revocations, log });
const verifier = createTokenVerifier({ fetchJwks: jwksFromIdentity(identity), revocations });
const services = [recognitionService(deps), dataSourceService(deps), syncService(deps)];
assertEveryMethodDeclared(services.map((s) => s.service), recognitionPolicies);
const server = await serve({
  host: config.HOST,
  port: config.PORT,
  services,
  authenticate: createAuthHook({ verifier, policies: recognitionPolicies, log }),
  callScope: debugLogging.callScope,
  // Redis is left out on purpose: without it lookups are slower, not wrong.
  readiness: { postgres: () => pingDatabase(db), nats: () => pingEvents(events) },
  log,
});

onShutdown(
  [
    { name: "grpc-server", close: () => server.close() },
    { name: "organization-consumer", close: () => organizations.stop() },
    { name: "field-scrub-consumer", close: () => fieldScrub.stop() },
    { name: "processed-event-pruning", close: () => markerPruning.stop() },
    { name: "sync-expiry", close: () => syncExpiry.stop() },
    { name: "outbox-relay", close: () => relay.stop() },
    { name: "identity-channel", close: () => identity.close() },
    { name: "debug-logging", close: () => debugLogging.stop() },
    { name: "revocation-watch", close: () => revocationWatch.stop() },
    { name: "nats", close: () => events.close() },
    { name: "redis", close: async () => void (await redis.quit()) },
    { name: "postgres", close: () => db.destroy() },
    { name: "postgres-lookups", close: () => matchReader.close() },
    { name: "keyring", close: async () => keyring.clear() },
    { name: "telemetry", close: () => telemetry.shutdown() },
  ],
  { log },
);
