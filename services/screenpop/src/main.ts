import { auditStream } from "@switchboard/audit";
import { assertEveryMethodDeclared, createAuthHook, createRevocationList, createTokenVerifier, jwksFromIdentity, watchRevocations } from "@switchboard/authz";
import { loadConfigOrExit } from "@switchboard/config";
import { openDatabase, pingDatabase } from "@switchboard/db";
import { startDebugLogging } from "@switchboard/debug-sessions";
import { connectEvents, domainStream, ensureStream, pingEvents, startOutboxRelay } from "@switchboard/events";
import { onShutdown, openChannel, serve } from "@switchboard/rpc";
import { createLogger, startTelemetry } from "@switchboard/telemetry";
import { ScreenPopConfig } from "./config.js";
import type { ScreenPopDeps } from "./deps.js";
import { createPopBuilder } from "./delivery/pop-builder.js";
import { ensureRingStream, type RingStream } from "./delivery/ring-stream.js";
import { callsStream } from "./events/call-events.js";
import { startRingRelay } from "./events/ring-relay.js";
import { recognitionClient } from "./recognition/recognition-client.js";
import { screenPopPolicies } from "./rpc/policies.js";
import { screenPopService } from "./rpc/screen-pop-service.js";
import { scriptService } from "./rpc/script-service.js";
import type { ScreenPopDatabase } from "./store/schema.js";

const config = loadConfigOrExit("screenpop", ScreenPopConfig);
const telemetry = startTelemetry({ serviceName: "screenpop", otlpEndpoint: config.OTLP_ENDPOINT });
const log = createLogger({ service: "screenpop", level: config.LOG_LEVEL });

const db = openDatabase<ScreenPopDatabase>(config.DATABASE_URL, { applicationName: "screenpop", log });
const events = await connectEvents({ url: config.NATS_URL, name: "screenpop", log });
// Support debug sessions: a user with an active session gets their pops and streams logged to the protected store.
const debugLogging = await startDebugLogging({ nc: events.nc, service: "screenpop", log });
await ensureStream(events.jsm, auditStream);
await ensureStream(events.jsm, callsStream);
const ring: RingStream = { name: config.RING_STREAM, prefix: config.RING_SUBJECT_PREFIX, windowMs: config.REPLAY_WINDOW };
await ensureRingStream(events.jsm, ring, config.NATS_REPLICAS);
const relay = startOutboxRelay({ db, js: events.js, databaseUrl: config.DATABASE_URL, log });

const recognition = openChannel(config.RECOGNITION_ADDR);
const deps: ScreenPopDeps = { db, recognition: recognitionClient(recognition), log, lookupTimeoutMs: config.LOOKUP_TIMEOUT, catalogueTimeoutMs: 3_000 };
const rings = await startRingRelay({ js: events.js, jsm: events.jsm, ring, durable: config.CALL_EVENTS_CONSUMER, startAt: config.CALL_EVENTS_START_AT, debug: debugLogging, log });

const identity = openChannel(config.IDENTITY_ADDR);
// Sessions identity ended (sign-out, password or role change, disabled user) are refused at once, not when their tokens expire.
await ensureStream(events.jsm, domainStream("identity"));
const revocations = createRevocationList();
const revocationWatch = await watchRevocations({ js: events.js, list: revocations, log });
const verifier = createTokenVerifier({ fetchJwks: jwksFromIdentity(identity), revocations });
const services = [
  scriptService(deps),
  screenPopService({ nc: events.nc, js: events.js, jsm: events.jsm, ring, builder: createPopBuilder(deps, { memoMs: config.REPLAY_WINDOW }), heartbeatMs: config.HEARTBEAT_INTERVAL, recheckToken: (token) => verifier.verify(token) }),
];
assertEveryMethodDeclared(services.map((s) => s.service), screenPopPolicies);
const server = await serve({
  host: config.HOST,
  port: config.PORT,
  services,
  authenticate: createAuthHook({ verifier, policies: screenPopPolicies, log }),
  callScope: debugLogging.callScope,
  // Recognition is left out on purpose: without it pops arrive unrecognised, not never.
  readiness: { postgres: () => pingDatabase(db), nats: () => pingEvents(events) },
  log,
});

onShutdown(
  [
    { name: "grpc-server", close: () => server.close() },
    { name: "ring-relay", close: () => rings.stop() },
    { name: "outbox-relay", close: () => relay.stop() },
    { name: "recognition-channel", close: async () => recognition.close() },
    { name: "identity-channel", close: async () => identity.close() },
    { name: "debug-logging", close: () => debugLogging.stop() },
    { name: "revocation-watch", close: () => revocationWatch.stop() },
    { name: "nats", close: () => events.close() },
    { name: "postgres", close: () => db.destroy() },
    { name: "telemetry", close: () => telemetry.shutdown() },
  ],
  { log },
);
