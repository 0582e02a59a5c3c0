import { sql, type Kysely } from "kysely";
import type { JWK } from "jose";
import { generateSigningKey, type SigningKey } from "../domain/access-tokens.js";
import type { IdentityDatabase } from "./schema.js";

/** The KMS plug point of libs/crypto: wraps and unwraps key material. */
export interface KeyWrapper {
  readonly id: string;
  wrap(key: Buffer, context: string): Promise<Buffer>;
  unwrap(wrapped: Buffer, context: string): Promise<Buffer>;
}

const context = (kid: string) => `identity.signing_key:${kid}`;

/**
 * Ed25519 signing keys. A new key is published in the JWKS `activationDelayMs`
 * before it signs anything, so every verifier has had the chance to fetch it
 * (verifiers refetch on an unknown kid only once per interval; the delay is
 * longer than that interval). The key it replaces stays published for the
 * token lifetime plus a margin, so every token it signed verifies until it
 * expires.
 */
export interface SigningKeys {
  current(): Promise<SigningKey>;
  /** Public keys verifiers must know now (the next key included). */
  publicKeys(): Promise<JWK[]>;
  /** Publishes a new key; it starts signing after the activation delay. */
  rotate(): Promise<string>;
  /** Rotates when the newest key is older than `maxAgeMs`; returns whether it did. */
  rotateIfOlderThan(maxAgeMs: number): Promise<boolean>;
}


export function createSigningKeys(
  db: Kysely<IdentityDatabase>,
  wrapper: KeyWrapper,
  tokenTtlSeconds: number,
  options: { activationDelayMs?: number; reloadEveryMs?: number } = {},
): SigningKeys {
  const activationDelayMs = options.activationDelayMs ?? 60_000;
  // Each replica re-reads the signing key this often, so a rotation (made by
  // any replica) takes effect everywhere within it.
  const reloadEveryMs = options.reloadEveryMs ?? 30_000;
  let cached: { key: SigningKey; loadedAt: number } | undefined;

  const insertNew = async (): Promise<string> => {
    const key = await generateSigningKey();
    const wrapped = await wrapper.wrap(Buffer.from(JSON.stringify(key.privateJwk)), context(key.kid));
    await db
      .insertInto("signing_key")
      .values({ kid: key.kid, public_jwk: JSON.stringify(key.publicJwk), private_wrapped: wrapped, wrapper_id: wrapper.id })
      .execute();
    return key.kid;
  };

  const loadCurrent = async (): Promise<SigningKey> => {
    const live = await db.selectFrom("signing_key").selectAll().where("retired_at", "is", null).orderBy("created_at", "desc").execute();
    if (live.length === 0) {
      await insertNew(); // the very first key: no verifier holds tokens yet, so it may sign at once
      return loadCurrent();
    }
    const activeBefore = Date.now() - activationDelayMs;
    const row = live.find((r) => r.created_at.getTime() <= activeBefore) ?? live.at(-1)!;
    // Keys older than the one now signing are retired: still published until their tokens expire.
    await db
      .updateTable("signing_key")
      .set({ retired_at: sql`now()` })
      .where("retired_at", "is", null)
      .where("created_at", "<", row.created_at)
      .execute();
    const privateJwk = JSON.parse((await wrapper.unwrap(row.private_wrapped, context(row.kid))).toString()) as JWK;
    return { kid: row.kid, publicJwk: row.public_jwk as JWK, privateJwk };
  };

  return {
    async current() {
      if (!cached || Date.now() - cached.loadedAt >= reloadEveryMs) cached = { key: await loadCurrent(), loadedAt: Date.now() };
      return cached.key;
    },
    async publicKeys() {
      const rows = await db
        .selectFrom("signing_key")
        .select("public_jwk")
        .where((eb) =>
          eb.or([eb("retired_at", "is", null), eb("retired_at", ">", sql<Date>`now() - make_interval(secs => ${tokenTtlSeconds + reloadEveryMs / 1000 + 60})`)]),
        )
        .orderBy("created_at", "desc")
        .execute();
      return rows.map((r) => r.public_jwk as JWK);
    },
    async rotate() {
      const kid = await insertNew();
      cached = undefined;
      return kid;
    },
    async rotateIfOlderThan(maxAgeMs) {
      const newest = await db.selectFrom("signing_key").select("created_at").orderBy("created_at", "desc").limit(1).executeTakeFirst();
      if (newest && Date.now() - newest.created_at.getTime() < maxAgeMs) return false;
      await this.rotate();
      return true;
    },
  };
}
