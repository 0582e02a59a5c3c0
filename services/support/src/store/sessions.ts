import type { Kysely, Selectable, Transaction } from "kysely";
import type { DebugSessionDirectoryTable, DebugSessionTable, EndReason, SupportDatabase } from "./schema.js";

type Trx = Transaction<SupportDatabase>;
export type SessionRow = Selectable<DebugSessionTable>;
export type DirectoryRow = Selectable<DebugSessionDirectoryTable>;

/** Inserts the session and its directory entry in the caller's (tenant) transaction. */
export async function insertSession(trx: Trx, row: SessionRow): Promise<void> {
  await trx.insertInto("debug_session").values(row).execute();
  await trx
    .insertInto("debug_session_directory")
    .values({ id: row.id, tenant_id: row.tenant_id, ticket: row.ticket, started_at: row.started_at, expires_at: row.expires_at, ended_at: null, purged_at: null })
    .execute();
}

/** The user's session that is still on (not ended, not past its end), locked. */
export async function findActiveSession(trx: Trx, userId: string, now: Date): Promise<SessionRow | undefined> {
  return trx
    .selectFrom("debug_session")
    .selectAll()
    .where("user_id", "=", userId)
    .where("ended_at", "is", null)
    .where("expires_at", ">", now)
    .forUpdate()
    .executeTakeFirst();
}

export async function findSession(trx: Trx, id: string): Promise<SessionRow | undefined> {
  return trx.selectFrom("debug_session").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export async function sessionsOfUser(trx: Trx, userId: string): Promise<SessionRow[]> {
  return trx.selectFrom("debug_session").selectAll().where("user_id", "=", userId).forUpdate().execute();
}

export interface SessionFilter {
  userId?: string;
  includeEnded: boolean;
  now: Date;
}

/** Newest first; one more than `limit` tells whether a next page exists. */
export async function listSessions(trx: Trx, filter: SessionFilter, limit: number, offset: number): Promise<SessionRow[]> {
  let query = trx.selectFrom("debug_session").selectAll();
  if (filter.userId) query = query.where("user_id", "=", filter.userId);
  if (!filter.includeEnded) query = query.where("ended_at", "is", null).where("expires_at", ">", filter.now);
  return query.orderBy("started_at", "desc").orderBy("id").limit(limit).offset(offset).execute();
}

export async function setExpiry(trx: Trx, id: string, expiresAt: Date): Promise<SessionRow> {
  await trx.updateTable("debug_session_directory").set({ expires_at: expiresAt }).where("id", "=", id).execute();
  return trx.updateTable("debug_session").set({ expires_at: expiresAt }).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

export async function markEnded(trx: Trx, id: string, endedAt: Date, reason: EndReason): Promise<SessionRow> {
  await trx.updateTable("debug_session_directory").set({ ended_at: endedAt }).where("id", "=", id).execute();
  return trx.updateTable("debug_session").set({ ended_at: endedAt, end_reason: reason }).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

// ---- the cross-tenant directory (no personal data) --------------------------

export async function directoryEntry(db: Kysely<SupportDatabase>, id: string): Promise<DirectoryRow | undefined> {
  return db.selectFrom("debug_session_directory").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Sessions of a ticket whose lines may still exist. */
export async function directoryByTicket(db: Kysely<SupportDatabase>, ticket: string): Promise<DirectoryRow[]> {
  return db.selectFrom("debug_session_directory").selectAll().where("ticket", "=", ticket).where("purged_at", "is", null).orderBy("started_at").execute();
}

export async function listDirectory(db: Kysely<SupportDatabase>, filter: { includeEnded: boolean; now: Date }, limit: number, offset: number): Promise<DirectoryRow[]> {
  let query = db.selectFrom("debug_session_directory").selectAll();
  if (!filter.includeEnded) query = query.where("ended_at", "is", null).where("expires_at", ">", filter.now);
  return query.orderBy("started_at", "desc").orderBy("id").limit(limit).offset(offset).execute();
}

/** Sessions past their end that nobody has closed yet. */
export async function dueToExpire(db: Kysely<SupportDatabase>, now: Date): Promise<DirectoryRow[]> {
  return db.selectFrom("debug_session_directory").selectAll().where("ended_at", "is", null).where("expires_at", "<=", now).limit(500).execute();
}

/** Closed sessions whose grace period is over and whose lines have not had their last purge. */
export async function dueForPurge(db: Kysely<SupportDatabase>, cutoff: Date): Promise<DirectoryRow[]> {
  return db.selectFrom("debug_session_directory").selectAll().where("purged_at", "is", null).where("ended_at", "<=", cutoff).limit(500).execute();
}

export async function markPurged(trx: Trx, id: string, at: Date): Promise<void> {
  await trx.updateTable("debug_session_directory").set({ purged_at: at }).where("id", "=", id).execute();
}
