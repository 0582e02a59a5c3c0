import type { EventTables } from "@switchboard/events";
import type { ColumnType, Generated } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface OrganizationTable {
  id: Generated<string>;
  name: string;
  display_name: string;
  default_region: string;
  residency_region: string;
  require_mfa: Generated<boolean>;
  staff: Generated<boolean>;
  state: Generated<"active" | "terminated">;
  created_at: Generated<Date>;
  terminated_at: Date | null;
}

export interface UserTable {
  id: Generated<string>;
  tenant_id: string;
  username: string;
  display_name_enc: Buffer | null;
  email_enc: Buffer | null;
  roles: string[];
  state: Generated<"active" | "disabled" | "deleted">;
  password_hash: string | null;
  password_change_required: Generated<boolean>;
  totp_secret_enc: Buffer | null;
  totp_pending_secret_enc: Buffer | null;
  totp_last_step: ColumnType<string | null, number | null, number | null>;
  manager_id: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface RecoveryCodeTable {
  tenant_id: string;
  user_id: string;
  code_hash: string;
  used_at: Date | null;
}

export interface SessionTable {
  id: string;
  tenant_id: string;
  user_id: string;
  amr: string[];
  created_at: Generated<Date>;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  revoke_reason: string | null;
}

export interface RefreshTokenTable {
  secret_hash: string;
  tenant_id: string;
  session_id: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface SigningKeyTable {
  kid: string;
  public_jwk: ColumnType<Record<string, unknown>, string, string>;
  private_wrapped: Buffer;
  wrapper_id: string;
  created_at: Generated<Date>;
  retired_at: Timestamp | null;
}

export interface ServiceAccountTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  responsible_user_id: string;
  roles: string[];
  secret_hash: string;
  active: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface AccessReviewTable {
  id: string;
  tenant_id: string;
  due_at: Timestamp;
  revoke_unattested: boolean;
  created_by: string;
  created_at: Generated<Date>;
  closed_at: Timestamp | null;
  unattested_count: Generated<number>;
}

export interface AttestationTable {
  id: string;
  tenant_id: string;
  review_id: string;
  user_id: string;
  role: string;
  reviewer_id: string;
  decision: "keep" | "revoke" | null;
  decided_at: Timestamp | null;
  comment: string | null;
}

export interface IdentityDatabase extends EventTables {
  organization: OrganizationTable;
  app_user: UserTable;
  recovery_code: RecoveryCodeTable;
  session: SessionTable;
  refresh_token: RefreshTokenTable;
  signing_key: SigningKeyTable;
  service_account: ServiceAccountTable;
  access_review: AccessReviewTable;
  attestation: AttestationTable;
}
