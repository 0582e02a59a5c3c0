import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DecryptionError } from "./errors.js";

/**
 * An encrypted field:
 *   1 byte   format version (1)
 *   4 bytes  key version, unsigned big-endian
 *   12 bytes random nonce
 *   n bytes  AES-256-GCM ciphertext (as long as the UTF-8 plaintext)
 *   16 bytes GCM tag
 * The 5-byte header is authenticated along with the caller's context.
 */
const FORMAT = 1;
const HEADER_BYTES = 5;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MIN_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;

export const NONCE_LENGTH = NONCE_BYTES;

/** `nonce`: 12 fresh random bytes; drawn here when not given (a batch draws them for many fields at once). */
export function sealField(key: Buffer, keyVersion: number, plaintext: string, context: string, nonce: Buffer = randomBytes(NONCE_BYTES)): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(FORMAT, 0);
  header.writeUInt32BE(keyVersion, 1);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([header, Buffer.from(context, "utf8")]));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
}

/** The key version a ciphertext was sealed under; DecryptionError when it is not one of ours. */
export function readKeyVersion(ciphertext: Uint8Array): number {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < MIN_BYTES || ciphertext[0] !== FORMAT) {
    throw new DecryptionError();
  }
  const version = Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.length).readUInt32BE(1);
  if (version === 0) throw new DecryptionError();
  return version;
}

export function openField(key: Buffer, ciphertext: Uint8Array, context: string): string {
  const bytes = Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.length);
  if (bytes.length < MIN_BYTES) throw new DecryptionError();
  const header = bytes.subarray(0, HEADER_BYTES);
  const nonce = bytes.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const body = bytes.subarray(HEADER_BYTES + NONCE_BYTES, bytes.length - TAG_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([header, Buffer.from(context, "utf8")]));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch {
    throw new DecryptionError();
  }
}
