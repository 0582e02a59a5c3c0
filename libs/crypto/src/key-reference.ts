import { assertTenantId } from "@switchboard/db";

/** 'data' keys encrypt fields; 'index' keys compute blind indexes. */
export type KeyPurpose = "data" | "index";

/** The scope of tenant-wide keys; a data subject or data source has its own, e.g. `user:<uuid>`. */
export const tenantScope = "tenant";

/** Names one key version of one tenant: the primary key of `tenant_key`. */
export interface KeyReference {
  tenantId: string;
  scope: string;
  purpose: KeyPurpose;
  version: number;
}

const SCOPE = /^(tenant|[a-z][a-z0-9-]{0,39}:[A-Za-z0-9._-]{1,128})$/;

/** Throws unless `scope` is "tenant" or "<kind>:<id>" (e.g. `user:<uuid>`, `source:<uuid>`). */
export function assertScope(scope: string): void {
  if (typeof scope !== "string" || !SCOPE.test(scope)) {
    throw new TypeError(
      `key scope must be "tenant" or "<kind>:<id>" such as "user:<uuid>" (got ${JSON.stringify(String(scope).slice(0, 60))})`,
    );
  }
}

export function assertKeyOwner(tenantId: string, scope: string): void {
  assertTenantId(tenantId);
  assertScope(scope);
}

/**
 * What a wrapped key is bound to (the AAD of the wrapping): a wrapped key
 * copied onto another tenant's, scope's, purpose's or version's row no longer
 * unwraps. JSON keeps the fields unambiguous whatever characters they hold.
 */
export function describeWrappingContext(ref: KeyReference): string {
  return JSON.stringify(["switchboard.tenant_key.v1", ref.tenantId.toLowerCase(), ref.scope, ref.purpose, ref.version]);
}

/** What an encrypted field is bound to, besides its key: tenant, scope and the caller's field identity. */
export function describeFieldContext(tenantId: string, scope: string, aad: string): string {
  return JSON.stringify(["switchboard.field.v1", tenantId.toLowerCase(), scope, aad]);
}
