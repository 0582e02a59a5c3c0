/**
 * A value that cannot be decrypted here: it was altered, or it is being read
 * with another record's, scope's or tenant's identity. The message is meant
 * for logs and callers alike, so it names no crypto internals.
 */
export class DecryptionError extends Error {
  constructor() {
    super("the encrypted value is corrupt or belongs to another record or tenant: it cannot be decrypted here");
    this.name = "DecryptionError";
  }
}

/** The key a value was encrypted under was destroyed on purpose: the value is erased. */
export class KeyDestroyedError extends Error {
  constructor() {
    super("the key for this data was destroyed (crypto-shredded): the data is erased");
    this.name = "KeyDestroyedError";
  }
}

/**
 * A stored key could not be unwrapped: the key-encryption key configured is
 * not the one that wrapped it (see KEK rotation in the README), or the stored
 * key is corrupt.
 */
export class KeyUnwrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyUnwrapError";
  }
}
