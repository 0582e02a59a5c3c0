import { sql, type Selectable, type Transaction } from "kysely";
import type { AccessReviewTable, AttestationTable, IdentityDatabase } from "./schema.js";

type Trx = Transaction<IdentityDatabase>;
export type AccessReviewRow = Selectable<AccessReviewTable>;
export type AttestationRow = Selectable<AttestationTable>;

export async function insertReview(trx: Trx, review: { id: string; tenantId: string; dueAt: Date; revokeUnattested: boolean; createdBy: string }): Promise<AccessReviewRow> {
  return trx
    .insertInto("access_review")
    .values({ id: review.id, tenant_id: review.tenantId, due_at: review.dueAt, revoke_unattested: review.revokeUnattested, created_by: review.createdBy })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * One attestation per role grant of every active user, reviewed by the
 * user's manager (or, for a user without one, by whoever started the review),
 * written in one statement.
 */
export async function openAttestations(trx: Trx, reviewId: string, tenantId: string, fallbackReviewerId: string): Promise<number> {
  const result = await sql`
    insert into attestation (id, tenant_id, review_id, user_id, role, reviewer_id)
    select gen_random_uuid(), ${tenantId}::uuid, ${reviewId}::uuid, u.id, r.role, coalesce(u.manager_id, ${fallbackReviewerId}::uuid)
    from app_user u cross join lateral unnest(u.roles) as r(role)
    where u.state = 'active'`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

export function findReview(trx: Trx, id: string): Promise<AccessReviewRow | undefined> {
  return trx.selectFrom("access_review").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findAttestation(trx: Trx, id: string): Promise<AttestationRow | undefined> {
  return trx.selectFrom("attestation").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

/** One page ordered by id; only `reviewerId`'s when given. */
export function listAttestations(trx: Trx, reviewId: string, limit: number, afterId: string | undefined, reviewerId?: string): Promise<AttestationRow[]> {
  let query = trx.selectFrom("attestation").selectAll().where("review_id", "=", reviewId).orderBy("id").limit(limit);
  if (afterId !== undefined) query = query.where("id", ">", afterId);
  if (reviewerId !== undefined) query = query.where("reviewer_id", "=", reviewerId);
  return query.execute();
}

export async function recordDecision(trx: Trx, id: string, decision: "keep" | "revoke", comment: string): Promise<AttestationRow> {
  return trx
    .updateTable("attestation")
    .set({ decision, decided_at: sql`now()`, comment })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Open reviews of the tenant in scope whose due time has passed. */
export function dueReviews(trx: Trx, now: Date): Promise<AccessReviewRow[]> {
  return trx.selectFrom("access_review").selectAll().where("closed_at", "is", null).where("due_at", "<=", now).forUpdate().skipLocked().execute();
}

export function unattested(trx: Trx, reviewId: string): Promise<AttestationRow[]> {
  return trx.selectFrom("attestation").selectAll().where("review_id", "=", reviewId).where("decision", "is", null).execute();
}

export async function closeReview(trx: Trx, id: string, unattestedCount: number): Promise<void> {
  await trx.updateTable("access_review").set({ closed_at: sql`now()`, unattested_count: unattestedCount }).where("id", "=", id).execute();
}
