import { enableTenantIsolation } from "@switchboard/db";
import { sql, type Kysely } from "kysely";

// Access reviews: a campaign opens one attestation per role grant; the
// user's manager keeps or revokes it. At the due time the campaign closes,
// reports what nobody attested, and revokes it when the campaign says so.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("access_review")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("tenant_id", "uuid", (col) => col.notNull().references("organization.id"))
    .addColumn("due_at", "timestamptz", (col) => col.notNull())
    .addColumn("revoke_unattested", "boolean", (col) => col.notNull())
    .addColumn("created_by", "uuid", (col) => col.notNull())
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("closed_at", "timestamptz")
    .addColumn("unattested_count", "integer", (col) => col.notNull().defaultTo(0))
    .execute();
  await enableTenantIsolation(db, "access_review");

  await db.schema
    .createTable("attestation")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("review_id", "uuid", (col) => col.notNull().references("access_review.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (col) => col.notNull().references("app_user.id"))
    .addColumn("role", "text", (col) => col.notNull())
    .addColumn("reviewer_id", "uuid", (col) => col.notNull().references("app_user.id"))
    .addColumn("decision", "text", (col) => col.check(sql`decision in ('keep', 'revoke')`))
    .addColumn("decided_at", "timestamptz")
    .addColumn("comment", "text")
    .execute();
  await db.schema.createIndex("attestation_review").on("attestation").columns(["review_id", "user_id"]).execute();
  await enableTenantIsolation(db, "attestation");
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("attestation").execute();
  await db.schema.dropTable("access_review").execute();
}
