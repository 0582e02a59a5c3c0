import { createHmac, randomBytes } from "node:crypto";
import type { Transaction } from "kysely";
import { NONCE_LENGTH, openField, readKeyVersion, sealField } from "./ciphertext-format.js";
import { DecryptionError, KeyDestroyedError, KeyUnwrapError } from "./errors.js";
import { createKeyCache } from "./key-cache.js";
import {
  assertKeyOwner,
  describeFieldContext,
  describeWrappingContext,
  tenantScope,
  type KeyPurpose,
  type KeyReference,
} from "./key-reference.js";
import { destroyKeys, findKey, findLatestKey, insertKey, readTransactionTenant, type StoredKey } from "./key-store.js";
import type { KeyWrapper } from "./key-wrapper.js";

export interface KeyringOptions {
  /** Wraps every new key, and unwraps the keys it wrapped. */
  wrapper: KeyWrapper;
  /**
   * KEKs being rotated out: they still unwrap keys that `rewrapKeys` has not
   * re-wrapped yet, but wrap nothing new.
   */
  previousWrappers?: readonly KeyWrapper[];
  /**
   * How long an unwrapped key stays in memory (default 5 minutes). Also the
   * longest another replica may keep using a key after it was shredded or
   * rotated here.
   */
  cacheTtlMs?: number;
  /** How many unwrapped keys stay in memory at most (default 10,000, about 1 MB). */
  maxCached?: number;
}

/**
 * Every method takes the caller's transaction, already scoped with
 * `withTenant(db, tenantId, trx => …)` for the same tenant, so `tenant_key`
 * is read and written under row-level security and a new key commits (or
 * rolls back) together with the data encrypted under it.
 */
export interface Keyring {
  /** Encrypts under the scope's current data key, created on first use. `aad` names the field, e.g. `users.email:<user id>`. */
  encrypt(trx: Transaction<any>, tenantId: string, scope: string, plaintext: string, aad: string): Promise<Buffer>;
  /** Throws DecryptionError (altered, or another field/scope/tenant) or KeyDestroyedError (shredded). */
  decrypt(trx: Transaction<any>, tenantId: string, scope: string, ciphertext: Uint8Array, aad: string): Promise<string>;
  /**
   * Like decrypt, without I/O: undefined when the key is not in this keyring's
   * memory (then call decrypt in a transaction). For hot paths such as a cache
   * hit, which must not open a database transaction per call.
   */
  decryptCached(tenantId: string, scope: string, ciphertext: Uint8Array, aad: string): string | undefined;
  /** HMAC-SHA256 of `value` under the tenant's index key, for equality search. Normalise `value` first. */
  blindIndex(trx: Transaction<any>, tenantId: string, value: string): Promise<Buffer>;
  /** Like blindIndex, without I/O: undefined when the tenant's index key is not in this keyring's memory. */
  blindIndexCached(tenantId: string, value: string): Buffer | undefined;
  /**
   * For a batch: resolves the scope's current data key once (created on first
   * use, as `encrypt`) and seals any number of values with it, without I/O.
   * Call `close()` when the batch is done: it zero-fills the key copy.
   */
  sealer(trx: Transaction<any>, tenantId: string, scope: string): Promise<Sealer>;
  /** For a batch: resolves the tenant's index key once; `index(value)` equals `blindIndex(…, value)`. Call `close()` after. */
  indexer(trx: Transaction<any>, tenantId: string): Promise<Indexer>;
  /** Starts a new data key version for new encryptions; older versions still decrypt. Returns the new version. */
  rotateDataKey(trx: Transaction<any>, tenantId: string, scope: string): Promise<number>;
  /** Destroys every key of the tenant, or of one scope: what they encrypted is erased. Returns how many keys. */
  shred(trx: Transaction<any>, tenantId: string, scope?: string): Promise<number>;
  /** Zero-fills and forgets every cached key (on shutdown). */
  clear(): void;
}

/** Seals many values under one data key version (see `Keyring.sealer`). */
export interface Sealer {
  seal(plaintext: string, aad: string): Buffer;
  close(): void;
}

/** Computes many blind indexes under one index key (see `Keyring.indexer`). */
export interface Indexer {
  index(value: string): Buffer;
  close(): void;
}

// Nonces for a batch are drawn this many at a time: one call to the CSPRNG
// instead of one per field, which costs more than the encryption itself.
const NONCES_PER_DRAW = 256;

interface CachedKey {
  tenantId: string;
  scope: string;
  key: Buffer;
}

interface CurrentVersion {
  tenantId: string;
  scope: string;
  version: number;
}

const KEY_BYTES = 32;
const CREATE_ATTEMPTS = 3;

export function createKeyring(options: KeyringOptions): Keyring {
  const wrappers = new Map<string, KeyWrapper>();
  for (const wrapper of [options.wrapper, ...(options.previousWrappers ?? [])]) {
    if (!wrappers.has(wrapper.id)) wrappers.set(wrapper.id, wrapper);
  }
  const cacheOptions = { ttlMs: options.cacheTtlMs ?? 5 * 60_000, maxEntries: options.maxCached ?? 10_000 };
  const keys = createKeyCache<CachedKey>({ ...cacheOptions, onEvict: (entry) => entry.key.fill(0) });
  const currentVersions = createKeyCache<CurrentVersion>(cacheOptions);
  // Keys created by a transaction that has not committed yet. They must not
  // reach the shared cache: if the transaction rolled back, the cache would
  // hand out a key that exists nowhere else, and data sealed with it later
  // would be lost.
  const uncommitted = new WeakMap<object, Map<string, Buffer>>();

  const keyId = (ref: KeyReference) => JSON.stringify([ref.tenantId.toLowerCase(), ref.scope, ref.purpose, ref.version]);
  const scopeId = (tenantId: string, scope: string, purpose: KeyPurpose) =>
    JSON.stringify([tenantId.toLowerCase(), scope, purpose]);

  async function unwrapStored(ref: KeyReference, stored: StoredKey & { wrapped: Buffer }): Promise<Buffer> {
    const wrapper = wrappers.get(stored.wrapper_id);
    if (!wrapper) {
      throw new KeyUnwrapError(
        `a stored key was wrapped by key-encryption key "${stored.wrapper_id}", which this keyring does not have ` +
          `(it has ${[...wrappers.keys()].map((id) => `"${id}"`).join(", ")}): configure that KEK as a previous ` +
          "key-encryption key until rewrapKeys has moved every key to the current one",
      );
    }
    const key = await wrapper.unwrap(stored.wrapped, describeWrappingContext(ref));
    if (key.length !== KEY_BYTES) throw new KeyUnwrapError("a stored key unwrapped to the wrong length: it is corrupt");
    return key;
  }

  /** A copy of the key for a stored (or just created) row; the caller zero-fills it after use. */
  async function keyFor(trx: Transaction<any>, ref: KeyReference, stored: StoredKey & { wrapped: Buffer }): Promise<Buffer> {
    const id = keyId(ref);
    const mine = uncommitted.get(trx)?.get(id);
    if (mine) return Buffer.from(mine);
    const cached = keys.get(id);
    if (cached) return Buffer.from(cached.key);
    const key = await unwrapStored(ref, stored);
    keys.set(id, { tenantId: ref.tenantId, scope: ref.scope, key });
    return Buffer.from(key);
  }

  /** The key a ciphertext names, or the reason it cannot be had. */
  async function keyVersion(trx: Transaction<any>, ref: KeyReference): Promise<Buffer> {
    const id = keyId(ref);
    const cached = keys.get(id);
    if (cached) return Buffer.from(cached.key);
    const mine = uncommitted.get(trx)?.get(id);
    if (mine) return Buffer.from(mine);
    const stored = await findKey(trx, ref);
    if (!stored) {
      await assertScopedTo(trx, ref.tenantId);
      throw new DecryptionError();
    }
    if (stored.wrapped === null) throw new KeyDestroyedError();
    return keyFor(trx, ref, { ...stored, wrapped: stored.wrapped });
  }

  async function createKey(trx: Transaction<any>, ref: KeyReference): Promise<Buffer | undefined> {
    const key = randomBytes(KEY_BYTES);
    const wrapped = await options.wrapper.wrap(key, describeWrappingContext(ref));
    if (!(await insertKey(trx, ref, options.wrapper.id, wrapped))) {
      key.fill(0);
      return undefined;
    }
    let mine = uncommitted.get(trx);
    if (!mine) uncommitted.set(trx, (mine = new Map()));
    mine.set(keyId(ref), key);
    return Buffer.from(key);
  }

  /** The scope's newest live key, creating version 1 (or the one after a shredded key) when there is none. */
  async function currentKey(
    trx: Transaction<any>,
    tenantId: string,
    scope: string,
    purpose: KeyPurpose,
  ): Promise<{ version: number; key: Buffer }> {
    const pointerId = scopeId(tenantId, scope, purpose);
    const pointer = currentVersions.get(pointerId);
    if (pointer) {
      const cached = keys.get(keyId({ tenantId, scope, purpose, version: pointer.version }));
      if (cached) return { version: pointer.version, key: Buffer.from(cached.key) };
    }
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      const latest = await findLatestKey(trx, tenantId, scope, purpose);
      if (latest?.wrapped) {
        const ref = { tenantId, scope, purpose, version: latest.version };
        const key = await keyFor(trx, ref, { ...latest, wrapped: latest.wrapped });
        if (!uncommitted.get(trx)?.has(keyId(ref))) {
          currentVersions.set(pointerId, { tenantId, scope, version: latest.version });
        }
        return { version: latest.version, key };
      }
      if (!latest) await assertScopedTo(trx, tenantId);
      const version = (latest?.version ?? 0) + 1;
      const created = await createKey(trx, { tenantId, scope, purpose, version });
      if (created) return { version, key: created };
      // Another transaction committed this version first: read it on the next pass.
    }
    throw new Error(
      `could not settle on a key for scope "${scope}" after ${CREATE_ATTEMPTS} attempts: ` +
        "keys of this scope are being created and shredded concurrently; retry the operation",
    );
  }

  async function assertScopedTo(trx: Transaction<any>, tenantId: string): Promise<void> {
    const scopedTo = await readTransactionTenant(trx);
    if (scopedTo?.toLowerCase() !== tenantId.toLowerCase()) {
      throw new Error(
        `the keyring was called for tenant ${tenantId} with a transaction not scoped to it: ` +
          "call it inside withTenant(db, tenantId, trx => …) with the same tenant id and pass that trx",
      );
    }
  }

  function forget(trx: Transaction<any>, tenantId: string, scope?: string): void {
    const tenant = tenantId.toLowerCase();
    const matches = (entry: { tenantId: string; scope: string }) =>
      entry.tenantId.toLowerCase() === tenant && (scope === undefined || entry.scope === scope);
    keys.evictWhere(matches);
    currentVersions.evictWhere(matches);
    const mine = uncommitted.get(trx);
    for (const [id, key] of mine ?? []) {
      const [idTenant, idScope] = JSON.parse(id) as [string, string];
      if (matches({ tenantId: idTenant, scope: idScope })) {
        key.fill(0);
        mine?.delete(id);
      }
    }
  }

  return {
    async encrypt(trx, tenantId, scope, plaintext, aad) {
      assertKeyOwner(tenantId, scope);
      if (typeof plaintext !== "string") throw new TypeError("encrypt takes the plaintext as a string");
      const { version, key } = await currentKey(trx, tenantId, scope, "data");
      try {
        return sealField(key, version, plaintext, describeFieldContext(tenantId, scope, aad));
      } finally {
        key.fill(0);
      }
    },

    async decrypt(trx, tenantId, scope, ciphertext, aad) {
      assertKeyOwner(tenantId, scope);
      const version = readKeyVersion(ciphertext);
      const key = await keyVersion(trx, { tenantId, scope, purpose: "data", version });
      try {
        return openField(key, ciphertext, describeFieldContext(tenantId, scope, aad));
      } finally {
        key.fill(0);
      }
    },

    decryptCached(tenantId, scope, ciphertext, aad) {
      assertKeyOwner(tenantId, scope);
      const version = readKeyVersion(ciphertext);
      const cached = keys.get(keyId({ tenantId, scope, purpose: "data", version }));
      if (!cached) return undefined;
      const key = Buffer.from(cached.key);
      try {
        return openField(key, ciphertext, describeFieldContext(tenantId, scope, aad));
      } finally {
        key.fill(0);
      }
    },

    async blindIndex(trx, tenantId, value) {
      assertKeyOwner(tenantId, tenantScope);
      if (typeof value !== "string") throw new TypeError("blindIndex takes the normalised value as a string");
      const { key } = await currentKey(trx, tenantId, tenantScope, "index");
      try {
        return createHmac("sha256", key).update(value, "utf8").digest();
      } finally {
        key.fill(0);
      }
    },

    blindIndexCached(tenantId, value) {
      assertKeyOwner(tenantId, tenantScope);
      const pointer = currentVersions.get(scopeId(tenantId, tenantScope, "index"));
      const cached = pointer && keys.get(keyId({ tenantId, scope: tenantScope, purpose: "index", version: pointer.version }));
      if (!cached) return undefined;
      const key = Buffer.from(cached.key);
      try {
        return createHmac("sha256", key).update(value, "utf8").digest();
      } finally {
        key.fill(0);
      }
    },

    async sealer(trx, tenantId, scope) {
      assertKeyOwner(tenantId, scope);
      const { version, key } = await currentKey(trx, tenantId, scope, "data");
      let nonces = Buffer.alloc(0);
      let used = 0;
      let closed = false;
      return {
        seal(plaintext, aad) {
          if (closed) throw new Error("this sealer was closed: ask the keyring for a new one");
          if (typeof plaintext !== "string") throw new TypeError("seal takes the plaintext as a string");
          if (used === nonces.length) {
            nonces = randomBytes(NONCE_LENGTH * NONCES_PER_DRAW);
            used = 0;
          }
          const nonce = nonces.subarray(used, used + NONCE_LENGTH);
          used += NONCE_LENGTH;
          return sealField(key, version, plaintext, describeFieldContext(tenantId, scope, aad), nonce);
        },
        close() {
          closed = true;
          key.fill(0);
          nonces.fill(0);
        },
      };
    },

    async indexer(trx, tenantId) {
      assertKeyOwner(tenantId, tenantScope);
      const { key } = await currentKey(trx, tenantId, tenantScope, "index");
      let closed = false;
      return {
        index(value) {
          if (closed) throw new Error("this indexer was closed: ask the keyring for a new one");
          if (typeof value !== "string") throw new TypeError("index takes the normalised value as a string");
          return createHmac("sha256", key).update(value, "utf8").digest();
        },
        close() {
          closed = true;
          key.fill(0);
        },
      };
    },

    async rotateDataKey(trx, tenantId, scope) {
      assertKeyOwner(tenantId, scope);
      const latest = await findLatestKey(trx, tenantId, scope, "data");
      if (!latest) await assertScopedTo(trx, tenantId);
      const version = (latest?.version ?? 0) + 1;
      // Losing the race to a concurrent rotation is fine: that one created the same version.
      (await createKey(trx, { tenantId, scope, purpose: "data", version }))?.fill(0);
      currentVersions.delete(scopeId(tenantId, scope, "data"));
      return version;
    },

    async shred(trx, tenantId, scope) {
      assertKeyOwner(tenantId, scope ?? tenantScope);
      const destroyed = await destroyKeys(trx, tenantId, scope);
      forget(trx, tenantId, scope);
      return destroyed;
    },

    clear() {
      keys.clear();
      currentVersions.clear();
    },
  };
}
