import { auditStream } from "@switchboard/audit";
import { assertEveryMethodDeclared, createAuthHook, createTokenVerifier, jwksFromIdentity, createRevocationList, watchRevocations } from "@switchboard/authz";
import { loadConfigOrExit } from "@switchboard/config";
import { openDatabase, pingDatabase } from "@switchboard/db";
import { defaultDebugSessionNames, ensureDebugLogStream, startDebugLogging } from "@switchboard/debug-sessions";
import { connectEvents, ensureStream, pingEvents, startOutboxRelay, domainStream } from "@switchboard/events";
import { onShutdown, openChannel, serve } from "@switchboard/rpc";
import { contextLogger, createLogger, startTelemetry } from "@switchboard/telemetry";
import { SupportConfig } from "./config.js";
import { createSessionBucket } from "./events/session-bucket.js";
import { startUserErasure } from "./events/user-erasure.js";
import { startSessionSweep } from "./jobs/sweep-sessions.js";
import { debugSessionService } from "./rpc/debug-session-service.js";
import { supportPolicies } from "./rpc/policies.js";
import type { SupportDeps } from "./sessions/dependencies.js";
import type { SupportDatabase } from "./store/schema.js";

const config = loadConfigOrExit("support", SupportConfig);
const telemetry = startTelemetry({ serviceName: "support", otlpEndpoint: config.OTLP_ENDPOINT });
const baseLog = createLogger({ service: "support", level: config.LOG_LEVEL });
// Domain code logs through this: inside a call of a user with a debug session it reaches that session's store too.
const log = contextLogger(baseLog);

const db = openDatabase<SupportDatabase>(config.DATABASE_URL, { applicationName: "support", log: baseLog });
const events = await connectEvents({ url: config.NATS_URL, name: "support", log: baseLog });
await ensureStream(events.jsm, auditStream);
const names = defaultDebugSessionNames;
await ensureDebugLogStream(events.jsm, names, config.DEBUG_LOG_REPLICAS);
const relay = startOutboxRelay({ db, js: events.js, databaseUrl: config.DATABASE_URL, log: baseLog });
const debugLogging = await startDebugLogging({ nc: events.nc, service: "support", log: baseLog, names });

const deps: SupportDeps = {
  db,
  js: events.js,
  jsm: events.jsm,
  bucket: await createSessionBucket(events.nc, names.bucket),
  names,
  graceMs: config.DEBUG_LOG_GRACE,
  log,
};
const erasure = await startUserErasure(deps, events);
const sweep = startSessionSweep(deps, config.SWEEP_INTERVAL);

const identity = openChannel(config.IDENTITY_ADDR);
// Sessions identity ended (sign-out, password or role change, disabled user) are refused at once, not when their tokens expire.
await ensureStream(events.jsm, domainStream("identity"));
const revocations = createRevocationList();
const revocationWatch = await watchRevocations({ js: events.js, list: revocations, log: baseLog });
const verifier = createTokenVerifier({ fetchJwks: jwksFromIdentity(identity), revocations });
const services = [debugSessionService(deps)];
assertEveryMethodDeclared(services.map((s) => s.service), supportPolicies);
const server = await serve({
  host: config.HOST,
  port: config.PORT,
  services,
  authenticate: createAuthHook({ verifier, policies: supportPolicies, log: baseLog }),
  callScope: debugLogging.callScope,
  readiness: { postgres: () => pingDatabase(db), nats: () => pingEvents(events) },
  log: baseLog,
});

onShutdown(
  [
    { name: "grpc-server", close: () => server.close() },
    { name: "jobs", close: () => sweep.stop() },
    { name: "user-erasure", close: () => erasure.stop() },
    { name: "debug-logging", close: () => debugLogging.stop() },
    { name: "outbox-relay", close: () => relay.stop() },
    { name: "identity-channel", close: () => identity.close() },
    { name: "revocation-watch", close: () => revocationWatch.stop() },
    { name: "nats", close: () => events.close() },
    { name: "postgres", close: () => db.destroy() },
    { name: "telemetry", close: () => telemetry.shutdown() },
  ],
  { log: baseLog },
);
