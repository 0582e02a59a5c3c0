import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWK } from "jose";
import { Code, RpcError } from "@switchboard/rpc";
import { readClaims, tokenAudience, tokenIssuer, type AccessTokenClaims } from "./claims.js";
import type { RevocationList } from "./revocations.js";

export interface TokenVerifierOptions {
  /** Where the public keys come from: identity's GetJwks (jwksFromIdentity), or identity's own key store. */
  fetchJwks: () => Promise<JWK[]>;
  issuer?: string;
  audience?: string;
  clockToleranceSec?: number;
  /** Verified tokens kept until they expire (LRU beyond this). */
  maxCachedTokens?: number;
  /** An unknown `kid` triggers at most one JWKS fetch per this interval. */
  minRefetchIntervalMs?: number;
  /** Sessions, users and tenants identity ended: their tokens are refused before they expire (watchRevocations). */
  revocations?: Pick<RevocationList, "isRevoked">;
  now?: () => number;
}

export interface TokenVerifier {
  /** The token's claims, or RpcError(UNAUTHENTICATED) saying what to do. */
  verify(token: string): Promise<AccessTokenClaims>;
  /** Counters for tests and metrics. */
  readonly stats: { signatureChecks: number; jwksFetches: number; cacheHits: number };
}

export const invalidToken = () => new RpcError(Code.Unauthenticated, "access token is invalid: sign in again");
export const expiredToken = () => new RpcError(Code.Unauthenticated, "access token expired: refresh it with RefreshToken");
export const revokedToken = () => new RpcError(Code.Unauthenticated, "this session was ended (signed out, password or roles changed, or account disabled): sign in again");

/**
 * Verifies identity's Ed25519 access tokens. A signature check costs ~0.2 ms,
 * which a recognition lookup must not pay on every call, so a verified token
 * is remembered until it expires: the next call with the same token is a map
 * lookup. Keys come from the JWKS, fetched again when a token names a key
 * not seen yet (a rotation), at most once per interval so a flood of forged
 * `kid`s cannot turn into a flood of JWKS requests.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const maxCached = options.maxCachedTokens ?? 10_000;
  const minRefetchIntervalMs = options.minRefetchIntervalMs ?? 10_000;
  const stats = { signatureChecks: 0, jwksFetches: 0, cacheHits: 0 };
  const cache = new Map<string, AccessTokenClaims>();
  let keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  let knownKids = new Set<string>();
  let lastFetch = Number.NEGATIVE_INFINITY;
  let fetching: Promise<void> | undefined;

  const fetchKeys = () => {
    fetching ??= (async () => {
      try {
        stats.jwksFetches += 1;
        lastFetch = now();
        const keys = await options.fetchJwks();
        keySet = createLocalJWKSet({ keys });
        knownKids = new Set(keys.map((k) => k.kid).filter((kid): kid is string => typeof kid === "string"));
      } finally {
        fetching = undefined;
      }
    })();
    return fetching;
  };

  const remember = (token: string, claims: AccessTokenClaims) => {
    cache.set(token, claims);
    if (cache.size > maxCached) cache.delete(cache.keys().next().value!);
  };

  return {
    stats,
    async verify(token) {
      const cached = cache.get(token);
      if (cached) {
        if (cached.exp * 1000 > now()) {
          stats.cacheHits += 1;
          if (options.revocations?.isRevoked(cached)) throw revokedToken();
          return cached;
        }
        cache.delete(token);
        throw expiredToken();
      }

      let kid: string | undefined;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        throw invalidToken();
      }
      if (!kid) throw invalidToken();
      if (!knownKids.has(kid) && (keySet === undefined || now() - lastFetch >= minRefetchIntervalMs)) {
        await fetchKeys().catch(() => {
          throw new RpcError(Code.Unavailable, "cannot check the access token right now (signing keys unavailable): try again shortly");
        });
      }
      if (!keySet || !knownKids.has(kid)) throw invalidToken();

      stats.signatureChecks += 1;
      try {
        const { payload } = await jwtVerify(token, keySet, {
          issuer: options.issuer ?? tokenIssuer,
          audience: options.audience ?? tokenAudience,
          algorithms: ["EdDSA"],
          clockTolerance: options.clockToleranceSec ?? 5,
          currentDate: new Date(now()),
          requiredClaims: ["sub", "exp", "iat"],
        });
        const claims = readClaims(payload);
        if (!claims) throw invalidToken();
        remember(token, claims);
        if (options.revocations?.isRevoked(claims)) throw revokedToken();
        return claims;
      } catch (error) {
        if (error instanceof RpcError) throw error;
        if (error instanceof errors.JWTExpired) throw expiredToken();
        throw invalidToken();
      }
    },
  };
}
