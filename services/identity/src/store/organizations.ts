import type { Kysely, Selectable, Transaction } from "kysely";
import type { IdentityDatabase, OrganizationTable } from "./schema.js";

type Db = Kysely<IdentityDatabase> | Transaction<IdentityDatabase>;
export type OrganizationRow = Selectable<OrganizationTable>;

export interface NewOrganization {
  name: string;
  displayName: string;
  defaultRegion: string;
  residencyRegion: string;
  requireMfa: boolean;
  staff?: boolean;
}

export async function insertOrganization(db: Db, org: NewOrganization): Promise<OrganizationRow | undefined> {
  return db
    .insertInto("organization")
    .values({
      name: org.name,
      display_name: org.displayName,
      default_region: org.defaultRegion,
      residency_region: org.residencyRegion,
      require_mfa: org.requireMfa,
      staff: org.staff ?? false,
    })
    .onConflict((oc) => oc.column("name").doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findOrganizationByName(db: Db, name: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom("organization").selectAll().where("name", "=", name).executeTakeFirst();
}

export function findOrganization(db: Db, id: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom("organization").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findStaffOrganization(db: Db): Promise<OrganizationRow | undefined> {
  return db.selectFrom("organization").selectAll().where("staff", "=", true).executeTakeFirst();
}

/** One page ordered by name, starting after `afterName`. */
export function listOrganizations(db: Db, limit: number, afterName: string | undefined): Promise<OrganizationRow[]> {
  let query = db.selectFrom("organization").selectAll().orderBy("name").limit(limit);
  if (afterName !== undefined) query = query.where("name", ">", afterName);
  return query.execute();
}

export function markTerminated(db: Db, id: string): Promise<OrganizationRow | undefined> {
  return db
    .updateTable("organization")
    .set({ state: "terminated", terminated_at: new Date() })
    .where("id", "=", id)
    .where("state", "=", "active")
    .returningAll()
    .executeTakeFirst();
}
