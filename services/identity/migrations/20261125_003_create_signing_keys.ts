import { sql, type Kysely } from "kysely";

// Platform-wide Ed25519 keys for access tokens. The private half is stored
// wrapped by the key-encryption key; the public half is served by GetJwks
// until every token it signed has expired.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("signing_key")
    .addColumn("kid", "text", (col) => col.primaryKey())
    .addColumn("public_jwk", "jsonb", (col) => col.notNull())
    .addColumn("private_wrapped", "bytea", (col) => col.notNull())
    .addColumn("wrapper_id", "text", (col) => col.notNull())
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("retired_at", "timestamptz")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("signing_key").execute();
}
