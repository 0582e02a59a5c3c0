import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { KeyUnwrapError } from "./errors.js";

/**
 * Wraps (encrypts) data keys under a key-encryption key. The plug point for a
 * KMS: an implementation calling a KMS Encrypt/Decrypt with `context` as its
 * encryption context fits the same interface.
 */
export interface KeyWrapper {
  /** Stored beside every key it wraps, so the keyring knows which KEK unwraps it. */
  readonly id: string;
  /** Encrypts `key`, bound to `context`: unwrapping needs the same context. */
  wrap(key: Buffer, context: string): Promise<Buffer>;
  /** Throws KeyUnwrapError when this KEK did not wrap `wrapped` under `context`. */
  unwrap(wrapped: Buffer, context: string): Promise<Buffer>;
}

const KEK_BYTES = 32;
const FORMAT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const GENERATE_HINT = "generate one with `openssl rand -base64 32`";

/**
 * Decodes a key-encryption key given as base64 (an environment variable or a
 * mounted secret). Refuses anything but exactly 32 random-looking bytes.
 * The value itself never appears in an error.
 */
export function parseKeyEncryptionKey(base64: string): Buffer {
  const text = typeof base64 === "string" ? base64.trim() : "";
  if (text === "") {
    throw new Error(`the key-encryption key is empty: ${GENERATE_HINT}`);
  }
  // Buffer.from(…, "base64") skips characters it does not know, so check the alphabet first.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new Error(`the key-encryption key is not base64 (${text.length} characters): ${GENERATE_HINT}`);
  }
  const key = Buffer.from(text, "base64");
  if (key.length !== KEK_BYTES) {
    throw new Error(
      `the key-encryption key must be exactly ${KEK_BYTES} bytes (44 base64 characters); it decodes to ${key.length} bytes: ${GENERATE_HINT}`,
    );
  }
  if (key.every((byte) => byte === key[0])) {
    throw new Error(`the key-encryption key is one byte repeated, a placeholder rather than a key: ${GENERATE_HINT}`);
  }
  return key;
}

/**
 * A KeyWrapper over a KEK held in process memory (from the environment or a
 * secret): AES-256-GCM with `context` as additional authenticated data.
 * Format: 1 format byte, 12-byte nonce, encrypted key, 16-byte tag.
 *
 * The default id is a fingerprint of the KEK (an HMAC of a fixed label, which
 * reveals nothing of the key), so a new KEK gets a new id without anyone
 * having to name it.
 */
export function localKeyWrapper(kekBase64: string, id?: string): KeyWrapper {
  const kek = parseKeyEncryptionKey(kekBase64);
  const wrapperId = id ?? `local:${createHmac("sha256", kek).update("switchboard kek id").digest("hex").slice(0, 16)}`;

  return {
    id: wrapperId,
    async wrap(key, context) {
      if (key.length === 0) throw new TypeError("refusing to wrap an empty key");
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", kek, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, "utf8"));
      const body = Buffer.concat([cipher.update(key), cipher.final()]);
      return Buffer.concat([Buffer.of(FORMAT), nonce, body, cipher.getAuthTag()]);
    },
    async unwrap(wrapped, context) {
      const refused = new KeyUnwrapError(
        `a stored key could not be unwrapped with key-encryption key "${wrapperId}": ` +
          "it was wrapped by another KEK or for another tenant, scope or version, or the stored key is corrupt",
      );
      if (wrapped.length <= 1 + NONCE_BYTES + TAG_BYTES || wrapped[0] !== FORMAT) throw refused;
      const nonce = wrapped.subarray(1, 1 + NONCE_BYTES);
      const body = wrapped.subarray(1 + NONCE_BYTES, wrapped.length - TAG_BYTES);
      const tag = wrapped.subarray(wrapped.length - TAG_BYTES);
      try {
        const decipher = createDecipheriv("aes-256-gcm", kek, nonce, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, "utf8"));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(body), decipher.final()]);
      } catch {
        throw refused;
      }
    },
  };
}
