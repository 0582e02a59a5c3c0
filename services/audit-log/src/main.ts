import { assertEveryMethodDeclared, createAuthHook, createTokenVerifier, jwksFromIdentity, createRevocationList, watchRevocations } from "@switchboard/authz";
import { loadConfigOrExit } from "@switchboard/config";
import { openDatabase, pingDatabase } from "@switchboard/db";
import { startDebugLogging } from "@switchboard/debug-sessions";
import { connectEvents, pingEvents, startOutboxRelay, ensureStream, domainStream } from "@switchboard/events";
import { onShutdown, openChannel, serve } from "@switchboard/rpc";
import { createLogger, startTelemetry } from "@switchboard/telemetry";
import { AuditLogConfig } from "./config.js";
import { createCheckpointSigner, trustedKeys } from "./domain/checkpoint.js";
import { startAuditIngestion } from "./events/audit-consumer.js";
import { signPeriodicCheckpoints } from "./jobs/periodic-checkpoints.js";
import { applyRetention } from "./jobs/retention.js";
import { schedule } from "./jobs/schedule.js";
import { auditService } from "./rpc/audit-service.js";
import { auditPolicies } from "./rpc/policies.js";
import { entryPrivileges } from "./store/runtime-role.js";
import type { AuditDatabase } from "./store/schema.js";

const config = loadConfigOrExit("audit-log", AuditLogConfig);
const telemetry = startTelemetry({ serviceName: "audit-log", otlpEndpoint: config.OTLP_ENDPOINT });
const log = createLogger({ service: "audit-log", level: config.LOG_LEVEL });

const db = openDatabase<AuditDatabase>(config.DATABASE_URL, { applicationName: "audit-log", log });
// The trail is only as trustworthy as the role writing it: refuse to run as
// one that could rewrite or remove entries.
const privileges = await entryPrivileges(db);
if (privileges.owner || privileges.update || privileges.delete) {
  log.fatal(
    { event: "audit.role_too_powerful", ...privileges },
    `DATABASE_URL connects as ${privileges.role}, which can ${privileges.owner ? "own" : "update or delete"} audit entries: ` +
      "run audit-log as its runtime role sb_audit_log_app (INSERT and SELECT only; created by `make up` or the migration job with DATABASE_ADMIN_URL)",
  );
  await db.destroy();
  process.exit(1);
}

const signer = createCheckpointSigner(config.CHECKPOINT_SIGNING_KEY);
const trusted = trustedKeys([signer.publicKey, ...config.CHECKPOINT_TRUSTED_PUBLIC_KEYS.map((key) => new Uint8Array(Buffer.from(key, "base64")))]);
log.info({ event: "audit.checkpoint_key", keyId: signer.keyId, publicKey: Buffer.from(signer.publicKey).toString("base64") }, `checkpoints are signed with key ${signer.keyId}`);

const events = await connectEvents({ url: config.NATS_URL, name: "audit-log", log });
const ingestion = await startAuditIngestion(db, events, log, { durable: config.INGESTION_DURABLE, startAt: config.INGESTION_START_AT });
const relay = startOutboxRelay({ db, js: events.js, databaseUrl: config.DATABASE_URL, log });
const checkpoints = schedule("periodic checkpoints", config.CHECKPOINT_INTERVAL, () => signPeriodicCheckpoints(db, signer, log), log);
const policy = { defaultDays: config.RETENTION_DEFAULT_DAYS, byCategory: config.RETENTION_BY_CATEGORY };
const retention = schedule("retention", config.RETENTION_INTERVAL, () => applyRetention(db, { signer, trusted, policy, log }), log);
// Support debug sessions: a user with an active session gets their calls logged to the protected store.
const debugLogging = await startDebugLogging({ nc: events.nc, service: "audit-log", log });
const identity = openChannel(config.IDENTITY_ADDR);
// Sessions identity ended (sign-out, password or role change, disabled user) are refused at once, not when their tokens expire.
await ensureStream(events.jsm, domainStream("identity"));
const revocations = createRevocationList();
const revocationWatch = await watchRevocations({ js: events.js, list: revocations, log });
const verifier = createTokenVerifier({ fetchJwks: jwksFromIdentity(identity), revocations });

const services = [auditService(db, { trusted })];
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
    { name: "checkpoints", close: () => checkpoints.stop() },
    { name: "retention", close: () => retention.stop() },
    { name: "debug-logging", close: () => debugLogging.stop() },
    { name: "outbox-relay", close: () => relay.stop() },
    { name: "identity-channel", close: () => identity.close() },
    { name: "revocation-watch", close: () => revocationWatch.stop() },
    { name: "nats", close: () => events.close() },
    { name: "postgres", close: () => db.destroy() },
    { name: "telemetry", close: () => telemetry.shutdown() },
  ],
  { log },
);
