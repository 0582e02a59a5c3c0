export { createKeyring, type Indexer, type Keyring, type KeyringOptions, type Sealer } from "./keyring.js";
export { localKeyWrapper, parseKeyEncryptionKey, type KeyWrapper } from "./key-wrapper.js";
export { createTenantKeysTable, type TenantKeyTable, type TenantKeysDatabase } from "./key-table.js";
export { rewrapKeys, type RewrapOptions, type RewrapProgress } from "./rewrap-keys.js";
export { tenantScope, type KeyPurpose } from "./key-reference.js";
export { DecryptionError, KeyDestroyedError, KeyUnwrapError } from "./errors.js";
