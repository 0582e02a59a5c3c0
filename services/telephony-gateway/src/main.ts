import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { auditStream } from "@switchboard/audit";
import { assertEveryMethodDeclared, createAuthHook, createTokenVerifier, jwksFromIdentity, createRevocationList, watchRevocations } from "@switchboard/authz";
import { loadConfigOrExit } from "@switchboard/config";
import { createKeyring, localKeyWrapper } from "@switchboard/crypto";
import { openDatabase, pingDatabase } from "@switchboard/db";
import { startDebugLogging } from "@switchboard/debug-sessions";
import { connectEvents, ensureStream, pingEvents, startOutboxRelay, startProcessedEventPruning, domainStream } from "@switchboard/events";
import { onShutdown, openChannel, serve } from "@switchboard/rpc";
import { createLogger, startTelemetry } from "@switchboard/telemetry";
import { TelephonyConfig } from "./config.js";
import { callEventTypes, callsStream, createCallEventPublisher } from "./events/call-events.js";
import { startOrganizationConsumer } from "./events/organization-events.js";
import { startUserErasure } from "./events/user-events.js";
import { identityUserDirectory } from "./users/user-directory.js";
import { pbxConnectionService } from "./rpc/pbx-connection-service.js";
import { telephonyPolicies } from "./rpc/policies.js";
import { telephonyService } from "./rpc/telephony-service.js";
import type { TelephonyDatabase } from "./store/schema.js";
import { openLeases } from "./supervision/leases.js";
import { startSupervisor } from "./supervision/supervisor.js";
import { startWebhookServer, webhookPath } from "./adapters/webhook/webhook-server.js";

const config = loadConfigOrExit("telephony-gateway", TelephonyConfig);
const telemetry = startTelemetry({ serviceName: "telephony-gateway", otlpEndpoint: config.OTLP_ENDPOINT });
const log = createLogger({ service: "telephony-gateway", level: config.LOG_LEVEL });
const replicaId = config.REPLICA_ID ?? `${hostname().replace(/[^\w-]/g, "-").slice(0, 40)}-${randomBytes(4).toString("hex")}`;
const routePrefix = "switchboard-internal.telephony";

const db = openDatabase<TelephonyDatabase>(config.DATABASE_URL, { applicationName: "telephony-gateway", log });
const keyring = createKeyring({ wrapper: localKeyWrapper(config.KEY_ENCRYPTION_KEY) });
const events = await connectEvents({ url: config.NATS_URL, name: "telephony-gateway", log });
// Support debug sessions: a user with an active session gets their calls logged to the protected store.
const debugLogging = await startDebugLogging({ nc: events.nc, service: "telephony-gateway", log });
await ensureStream(events.jsm, callsStream);
await ensureStream(events.jsm, auditStream);
const relay = startOutboxRelay({ db, js: events.js, databaseUrl: config.DATABASE_URL, log });
const organizations = await startOrganizationConsumer({ db, keyring, events, log }, { durable: config.ORGANIZATION_EVENTS_CONSUMER });
const userErasure = await startUserErasure({ db, events, log }, { durable: config.USER_EVENTS_CONSUMER });
const markerPruning = startProcessedEventPruning(db, { log });
const publisher = createCallEventPublisher({ js: events.js, types: callEventTypes(), log });

const leases = await openLeases(events.js, { bucket: "telephony_leases", ttlMs: config.LEASE_TTL, owner: replicaId });
const supervisor = startSupervisor({
  db,
  databaseUrl: config.DATABASE_URL,
  keyring,
  nc: events.nc,
  leases,
  publisher,
  routePrefix,
  reconcileMs: config.RECONCILE_INTERVAL,
  takeoverMs: config.LEASE_TTL,
  limits: { maxFrameBytes: config.PBX_MAX_FRAME_BYTES, maxFramesPerSecond: config.PBX_MAX_FRAMES_PER_SECOND },
  timeouts: { connectMs: config.PBX_CONNECT_TIMEOUT, replyMs: config.PBX_REPLY_TIMEOUT, keepaliveMs: config.PBX_KEEPALIVE_INTERVAL },
  backoff: { baseMs: config.RECONNECT_BASE, maxMs: config.RECONNECT_MAX },
  log,
});
const webhooks = await startWebhookServer({
  host: config.WEBHOOK_HOST,
  port: config.WEBHOOK_PORT,
  tls: config.WEBHOOK_TLS_CERT && config.WEBHOOK_TLS_KEY ? { certFile: config.WEBHOOK_TLS_CERT, keyFile: config.WEBHOOK_TLS_KEY } : undefined,
  db,
  keyring,
  publisher,
  log,
});

const identity = openChannel(config.IDENTITY_ADDR);
// Sessions identity ended (sign-out, password or role change, disabled user) are refused at once, not when their tokens expire.
await ensureStream(events.jsm, domainStream("identity"));
const revocations = createRevocationList();
const revocationWatch = await watchRevocations({ js: events.js, list: revocations, log });
const verifier = createTokenVerifier({ fetchJwks: jwksFromIdentity(identity), revocations });
const services = [
  telephonyService({ db, keyring, nc: events.nc, routePrefix, originateTimeoutMs: config.PBX_REPLY_TIMEOUT + 2_000 }),
  pbxConnectionService({ db, keyring, webhookPath, users: identityUserDirectory(identity) }),
];
assertEveryMethodDeclared(services.map((s) => s.service), telephonyPolicies);
const server = await serve({
  host: config.HOST,
  port: config.PORT,
  services,
  authenticate: createAuthHook({ verifier, policies: telephonyPolicies, log }),
  callScope: debugLogging.callScope,
  readiness: { postgres: () => pingDatabase(db), nats: () => pingEvents(events) },
  log,
});
log.info({ event: "telephony.started", replica: replicaId, webhookPort: webhooks.port }, "telephony gateway started");

onShutdown(
  [
    { name: "grpc-server", close: () => server.close() },
    { name: "webhook-server", close: () => webhooks.close() },
    { name: "supervisor", close: () => supervisor.stop() },
    { name: "call-events", close: () => publisher.flush() },
    { name: "organization-events", close: () => organizations.stop() },
    { name: "user-erasure", close: () => userErasure.stop() },
    { name: "processed-event-pruning", close: () => markerPruning.stop() },
    { name: "outbox-relay", close: () => relay.stop() },
    { name: "identity-channel", close: () => identity.close() },
    { name: "debug-logging", close: () => debugLogging.stop() },
    { name: "revocation-watch", close: () => revocationWatch.stop() },
    { name: "nats", close: () => events.close() },
    { name: "postgres", close: () => db.destroy() },
    { name: "keyring", close: async () => keyring.clear() },
    { name: "telemetry", close: () => telemetry.shutdown() },
  ],
  { log },
);
