import { createTestDatabase } from "@switchboard/db/testing";
import { createKeyring, localKeyWrapper } from "@switchboard/crypto";
import { createAuthHook, createTokenVerifier } from "@switchboard/authz";
import { AccessReviewService } from "@switchboard/proto/switchboard/identity/v1/access_reviews_pb";
import { AuthService } from "@switchboard/proto/switchboard/identity/v1/auth_pb";
import { OrganizationService } from "@switchboard/proto/switchboard/identity/v1/organizations_pb";
import { ServiceAccountService } from "@switchboard/proto/switchboard/identity/v1/service_accounts_pb";
import { UserService } from "@switchboard/proto/switchboard/identity/v1/users_pb";
import { createClient, openChannel, serve, silentLogger } from "@switchboard/rpc";
import { Redis } from "ioredis";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { identityPolicies } from "../../src/rpc/policies.js";
import { accessReviewService } from "../../src/rpc/access-review-service.js";
import { authService } from "../../src/rpc/auth-service.js";
import { organizationService } from "../../src/rpc/organization-service.js";
import { serviceAccountService } from "../../src/rpc/service-account-service.js";
import { userService } from "../../src/rpc/user-service.js";
import { defaultLifetimes, type IdentityDeps, type TokenLifetimes } from "../../src/sign-in/dependencies.js";
import { createMfaChallenges } from "../../src/store/mfa-challenges.js";
import type { IdentityDatabase } from "../../src/store/schema.js";
import { createSignInThrottle, defaultThrottleSettings, type ThrottleSettings } from "../../src/store/sign-in-throttle.js";
import { createSigningKeys } from "../../src/store/signing-keys.js";
import { tokenAudience, tokenIssuer } from "../../src/domain/access-tokens.js";

const migrationsFolder = fileURLToPath(new URL("../../migrations/", import.meta.url));

export interface HarnessOptions {
  throttle?: Partial<ThrottleSettings>;
  lifetimes?: Partial<TokenLifetimes>;
  now?: () => number;
}

/** The identity service as main.ts wires it, against a fresh database and a Redis key prefix of its own. */
export async function startIdentity(options: HarnessOptions = {}) {
  const database = await createTestDatabase<IdentityDatabase>({ migrationsFolder, name: "identity" });
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) throw new Error("REDIS_URL is not set: start the local infrastructure with `make infra`");
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const prefix = `test:${randomUUID()}`;
  const wrapper = localKeyWrapper(randomBytes(32).toString("base64"));
  const lifetimes = { ...defaultLifetimes, ...options.lifetimes };
  const keys = createSigningKeys(database.db, wrapper, lifetimes.accessSeconds, { activationDelayMs: 300, reloadEveryMs: 50 });
  const deps: IdentityDeps = {
    db: database.db,
    cipher: createKeyring({ wrapper }),
    keys,
    throttle: createSignInThrottle(redis, { ...defaultThrottleSettings, ...options.throttle }, `${prefix}:throttle`),
    challenges: createMfaChallenges(redis, 300, 5, `${prefix}:mfa`),
    lifetimes,
    log: silentLogger,
    now: options.now,
  };
  const verifier = createTokenVerifier({ fetchJwks: () => keys.publicKeys(), issuer: tokenIssuer, audience: tokenAudience, minRefetchIntervalMs: 100 });
  const server = await serve({
    host: "127.0.0.1",
    port: 0,
    services: [authService(deps, { totpIssuer: "Switchboard" }), userService(deps), organizationService(deps), serviceAccountService(deps), accessReviewService(deps)],
    authenticate: createAuthHook({ verifier, policies: identityPolicies }),
  });
  const channel = openChannel(`127.0.0.1:${server.port}`);
  const clients = {
    auth: createClient(AuthService, channel, { timeoutMs: 10_000 }),
    users: createClient(UserService, channel, { timeoutMs: 10_000 }),
    organizations: createClient(OrganizationService, channel, { timeoutMs: 10_000 }),
    serviceAccounts: createClient(ServiceAccountService, channel, { timeoutMs: 10_000 }),
    accessReviews: createClient(AccessReviewService, channel, { timeoutMs: 10_000 }),
  };
  return {
    deps,
    database,
    redis,
    keys,
    clients,
    async stop() {
      channel.close();
      await server.close(1_000);
      const leftovers = await redis.keys(`${prefix}:*`);
      if (leftovers.length > 0) await redis.del(...leftovers);
      redis.disconnect();
      await database.destroy();
    },
  };
}

export type Identity = Awaited<ReturnType<typeof startIdentity>>;

export const bearer = (token: string) => ({ metadata: { authorization: `Bearer ${token}` } });
