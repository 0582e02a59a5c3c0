import { assertEveryMethodDeclared, createAuthHook, createTokenVerifier, jwksFromIdentity } from "@switchboard/authz";
import { loadConfigOrExit } from "@switchboard/config";
import { openDatabase, pingDatabase } from "@switchboard/db";
import { startDebugLogging } from "@switchboard/debug-sessions";
import { connectEvents, pingEvents, startOutboxRelay } from "@switchboard/events";
import { onShutdown, openChannel, serve } from "@switchboard/rpc";
import { createLogger, startTelemetry } from "@switchboard/telemetry";
import { AuditLogConfig } from "./config.js";
import { startAuditIngestion } from "./events/audit-consumer.js";
import { auditService } from "./rpc/audit-service.js";
import { auditPolicies } from "./rpc/policies.js";
import type { AuditDatabase } from "./store/schema.js";

const config = loadConfigOrExit("audit-log", AuditLogConfig);
const telemetry = startTelemetry({ serviceName: "audit-log", otlpEndpoint: config.OTLP_ENDPOINT });
const log = createLogger({ service: "audit-log", level: config.LOG_LEVEL });

const db = openDatabase<AuditDatabase>(config.DATABASE_URL, { applicationName: "audit-log", log });
const events = await connectEvents({ url: config.NATS_URL, name: "audit-log", log });
const ingestion = await startAuditIngestion(db, events, log);
const relay = startOutboxRelay({ db, js: events.js, databaseUrl: config.DATABASE_URL, log });
// Support debug sessions: a user with an active session gets their calls logged to the protected store.
const debugLogging = await startDebugLogging({ nc: events.nc, service: "audit-log", log });
const identity = openChannel(config.IDENTITY_ADDR);
const verifier = createTokenVerifier({ fetchJwks: jwksFromIdentity(identity) });

const services = [auditService(db)];
assertEveryMethodDeclared(services.map((s) => s.service), auditPolicies);
const server = await serve({
  host: config.HOST,
  port: config.PORT,
  services,
  callScope: debugLogging.callScope,
  authenticate: createAuthHook({ verifier, policies: auditPolicies, log }),
  readiness: { postgres: () => pingDatabase(db), nats: () => pingEvents(events) },
  log,
});

onShutdown(
  [
    { name: "grpc-server", close: () => server.close() },
    { name: "audit-ingestion", close: () => ingestion.stop() },
    { name: "debug-logging", close: () => debugLogging.stop() },
    { name: "outbox-relay", close: () => relay.stop() },
    { name: "identity-channel", close: () => identity.close() },
    { name: "nats", close: () => events.close() },
    { name: "postgres", close: () => db.destroy() },
    { name: "telemetry", close: () => telemetry.shutdown() },
  ],
  { log },
);
