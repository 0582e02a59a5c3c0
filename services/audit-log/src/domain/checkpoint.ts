import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

export type CheckpointKind = "periodic" | "retention";

/** What a checkpoint states: the tenant's chain reached `sequence` with `hash`. */
export interface Checkpoint {
  tenantId: string;
  kind: CheckpointKind;
  sequence: number;
  hash: string;
  /** ISO 8601, as signed. */
  signedAt: string;
  /** Retention only: how many entries were removed up to `sequence`. */
  removedEntries: number;
}

export interface SignedCheckpoint extends Checkpoint {
  keyId: string;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  signature: Uint8Array;
}

/**
 * The exact bytes signed: a JSON array in a fixed order, so anyone can check
 * a checkpoint with any Ed25519 implementation (see README.md).
 */
export function checkpointStatement(c: Checkpoint): string {
  return JSON.stringify(["switchboard.audit.checkpoint", 1, c.tenantId, c.kind, c.sequence, c.hash, c.signedAt, c.removedEntries]);
}

// DER prefixes that turn a raw Ed25519 seed / public key into PKCS#8 / SPKI (RFC 8410).
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** First 16 hex digits of SHA-256 over the raw public key. */
export function keyIdOf(rawPublicKey: Uint8Array): string {
  return createHash("sha256").update(rawPublicKey).digest("hex").slice(0, 16);
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new TypeError(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

export interface CheckpointSigner {
  keyId: string;
  publicKey: Uint8Array;
  sign(checkpoint: Checkpoint): SignedCheckpoint;
}

/** A signer from the base64 of a 32-byte Ed25519 seed (`openssl rand -base64 32`). */
export function createCheckpointSigner(seedBase64: string): CheckpointSigner {
  const seed = Buffer.from(seedBase64, "base64");
  if (seed.length !== 32) throw new TypeError(`the checkpoint signing key must be the base64 of 32 bytes, got ${seed.length} bytes`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  const publicKey = new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  const keyId = keyIdOf(publicKey);
  return {
    keyId,
    publicKey,
    sign: (checkpoint) => ({
      ...checkpoint,
      keyId,
      publicKey,
      signature: new Uint8Array(sign(null, Buffer.from(checkpointStatement(checkpoint)), privateKey)),
    }),
  };
}

/** The keys whose checkpoints are believed, by key id: the current one and any listed earlier ones. */
export function trustedKeys(rawPublicKeys: Iterable<Uint8Array>): Map<string, KeyObject> {
  return new Map([...rawPublicKeys].map((raw) => [keyIdOf(raw), publicKeyFromRaw(raw)]));
}

/**
 * Why a checkpoint is not to be believed, or undefined when it is. The key
 * stored beside the checkpoint is not trusted by itself: it must be one of
 * ours, or anyone able to insert a row could sign their own.
 */
export function checkpointProblem(c: SignedCheckpoint, trusted: Map<string, KeyObject>): string | undefined {
  const key = trusted.get(keyIdOf(c.publicKey));
  if (!key || keyIdOf(c.publicKey) !== c.keyId) return `the ${c.kind} checkpoint at sequence ${c.sequence} is signed by key ${c.keyId}, which this service does not trust`;
  if (!verify(null, Buffer.from(checkpointStatement(c)), key, c.signature)) return `the ${c.kind} checkpoint at sequence ${c.sequence} has an invalid signature`;
  return undefined;
}
