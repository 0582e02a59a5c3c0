import { auditStream } from "@switchboard/audit";
import { assertEveryMethodDeclared, createAuthHook, createTokenVerifier, createRevocationList, watchRevocations } from "@switchboard/authz";
import { loadConfigOrExit } from "@switchboard/config";
import { createKeyring, localKeyWrapper } from "@switchboard/crypto";
import { openDatabase, pingDatabase, startPeriodicJob } from "@switchboard/db";
import { startDebugLogging } from "@switchboard/debug-sessions";
import { connectEvents, ensureStream, pingEvents, startOutboxRelay } from "@switchboard/events";
import { onShutdown, serve } from "@switchboard/rpc";
import { createLogger, startTelemetry } from "@switchboard/telemetry";
import { Redis } from "ioredis";
import { IdentityConfig } from "./config.js";
import { tokenAudience, tokenIssuer } from "./domain/access-tokens.js";
import { identityStream } from "./events/identity-events.js";
import { closeDueReviews } from "./jobs/close-due-reviews.js";
import { accessReviewService } from "./rpc/access-review-service.js";
import { authService } from "./rpc/auth-service.js";
import { organizationService } from "./rpc/organization-service.js";
import { identityPolicies } from "./rpc/policies.js";
import { serviceAccountService } from "./rpc/service-account-service.js";
import { userService } from "./rpc/user-service.js";
import type { IdentityDeps } from "./sign-in/dependencies.js";
import { createMfaChallenges } from "./store/mfa-challenges.js";
import type { IdentityDatabase } from "./store/schema.js";
import { createSignInThrottle } from "./store/sign-in-throttle.js";
import { createSigningKeys } from "./store/signing-keys.js";

const config = loadConfigOrExit("identity", IdentityConfig);
const telemetry = startTelemetry({ serviceName: "identity", otlpEndpoint: config.OTLP_ENDPOINT });
const log = createLogger({ service: "identity", level: config.LOG_LEVEL });

const db = openDatabase<IdentityDatabase>(config.DATABASE_URL, { applicationName: "identity", log });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
redis.on("error", (error: Error) => log.warn({ event: "redis.error", reason: error.message }));
const events = await connectEvents({ url: config.NATS_URL, name: "identity", log });
await ensureStream(events.jsm, identityStream);
await ensureStream(events.jsm, auditStream);
const relay = startOutboxRelay({ db, js: events.js, databaseUrl: config.DATABASE_URL, log });
// Support debug sessions: a user with an active session gets their calls logged to the protected store.
const debugLogging = await startDebugLogging({ nc: events.nc, service: "identity", log });

const wrapper = localKeyWrapper(config.KEY_ENCRYPTION_KEY);
const lifetimes = {
  accessSeconds: config.ACCESS_TOKEN_TTL / 1000,
  refreshSeconds: config.REFRESH_TOKEN_TTL / 1000,
  sessionSeconds: config.SESSION_TTL / 1000,
  setupSeconds: 10 * 60,
};
const keys = createSigningKeys(db, wrapper, lifetimes.accessSeconds);
await keys.rotateIfOlderThan(config.SIGNING_KEY_ROTATION);
const rotation = startPeriodicJob({ everyMs: 3_600_000, log, failedEvent: "signing_key.rotation_failed", run: () => keys.rotateIfOlderThan(config.SIGNING_KEY_ROTATION) });

const deps: IdentityDeps = {
  db,
  cipher: createKeyring({ wrapper }),
  keys,
  throttle: createSignInThrottle(redis),
  challenges: createMfaChallenges(redis),
  lifetimes,
  log,
};
// Identity trusts its own tokens the way every other service does, but reads
// the keys straight from its database instead of calling GetJwks on itself.
// Sessions identity ended (sign-out, password or role change, disabled user) are refused at once, not when their tokens expire.
const revocations = createRevocationList();
const revocationWatch = await watchRevocations({ js: events.js, list: revocations, log });
const verifier = createTokenVerifier({ fetchJwks: () => keys.publicKeys(), issuer: tokenIssuer, audience: tokenAudience, revocations });

const services = [
  authService(deps, { totpIssuer: config.TOTP_ISSUER }),
  userService(deps),
  organizationService(deps),
  serviceAccountService(deps),
  accessReviewService(deps),
];
assertEveryMethodDeclared(services.map((s) => s.service), identityPolicies);
const server = await serve({
  host: config.HOST,
  port: config.PORT,
  services,
  callScope: debugLogging.callScope,
  authenticate: createAuthHook({ verifier, policies: identityPolicies, log }),
  readiness: { postgres: () => pingDatabase(db), redis: () => redis.ping(), nats: () => pingEvents(events) },
  log,
});

const reviewClosing = startPeriodicJob({ everyMs: 60_000, log, failedEvent: "access_review.close_failed", run: () => closeDueReviews(deps) });

onShutdown(
  [
    { name: "grpc-server", close: () => server.close() },
    { name: "jobs", close: () => Promise.all([rotation.stop(), reviewClosing.stop()]) },
    { name: "debug-logging", close: () => debugLogging.stop() },
    { name: "outbox-relay", close: () => relay.stop() },
    { name: "revocation-watch", close: () => revocationWatch.stop() },
    { name: "nats", close: () => events.close() },
    { name: "redis", close: () => redis.quit() },
    { name: "postgres", close: () => db.destroy() },
    { name: "telemetry", close: () => telemetry.shutdown() },
  ],
  { log },
);
