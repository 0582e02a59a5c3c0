import { enableTenantIsolation } from "@switchboard/db";
import { sql, type Kysely } from "kysely";

// Organisations are platform-level (sign-in resolves one by name before any
// tenant is known), so they carry no row-level security; every table below
// them is tenant-scoped and isolated.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("organization")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("name", "text", (col) => col.notNull().unique())
    .addColumn("display_name", "text", (col) => col.notNull())
    .addColumn("default_region", "char(2)", (col) => col.notNull())
    .addColumn("residency_region", "text", (col) => col.notNull())
    .addColumn("require_mfa", "boolean", (col) => col.notNull().defaultTo(false))
    .addColumn("staff", "boolean", (col) => col.notNull().defaultTo(false))
    .addColumn("state", "text", (col) => col.notNull().defaultTo("active").check(sql`state in ('active', 'terminated')`))
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("terminated_at", "timestamptz")
    .execute();
  // At most one staff organisation: the operator's own.
  await sql`create unique index organization_one_staff on organization (staff) where staff`.execute(db);

  await db.schema
    .createTable("app_user")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", (col) => col.notNull().references("organization.id"))
    .addColumn("username", "text", (col) => col.notNull())
    // Personal fields, encrypted under the user's own key (scope user:<id>)
    // so DeleteUser can crypto-shred them, backups included.
    .addColumn("display_name_enc", "bytea")
    .addColumn("email_enc", "bytea")
    .addColumn("roles", sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn("state", "text", (col) => col.notNull().defaultTo("active").check(sql`state in ('active', 'disabled', 'deleted')`))
    .addColumn("password_hash", "text")
    .addColumn("password_change_required", "boolean", (col) => col.notNull().defaultTo(true))
    .addColumn("totp_secret_enc", "bytea")
    .addColumn("totp_pending_secret_enc", "bytea")
    .addColumn("totp_last_step", "bigint")
    .addColumn("manager_id", "uuid", (col) => col.references("app_user.id"))
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("app_user_username_unique", ["tenant_id", "username"])
    .execute();
  await enableTenantIsolation(db, "app_user");

  await db.schema
    .createTable("recovery_code")
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("user_id", "uuid", (col) => col.notNull().references("app_user.id").onDelete("cascade"))
    .addColumn("code_hash", "text", (col) => col.notNull())
    .addColumn("used_at", "timestamptz")
    .addPrimaryKeyConstraint("recovery_code_pk", ["user_id", "code_hash"])
    .execute();
  await enableTenantIsolation(db, "recovery_code");
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("recovery_code").execute();
  await db.schema.dropTable("app_user").execute();
  await db.schema.dropTable("organization").execute();
}
