import type { Transaction } from "kysely";

/**
 * The part of libs/crypto's keyring the identity store uses. Personal fields
 * of a user are encrypted under the user's own key (scope `user:<id>`) so
 * that DeleteUser can destroy the key and with it every copy of the data,
 * backups included.
 */
export interface FieldCipher {
  encrypt(trx: Transaction<any>, tenantId: string, scope: string, plaintext: string, aad: string): Promise<Buffer>;
  decrypt(trx: Transaction<any>, tenantId: string, scope: string, ciphertext: Buffer, aad: string): Promise<string>;
  shred(trx: Transaction<any>, tenantId: string, scope?: string): Promise<unknown>;
}

export const userScope = (userId: string) => `user:${userId}`;
