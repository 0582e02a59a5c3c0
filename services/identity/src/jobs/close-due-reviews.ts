import { recordAudit } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import type { IdentityDeps } from "../sign-in/dependencies.js";
import { closeReview, dueReviews, unattested } from "../store/access-reviews.js";
import { changeRoles } from "../store/role-changes.js";
import { findUserRow } from "../store/users.js";

export interface ClosedReview {
  reviewId: string;
  tenantId: string;
  unattested: number;
  revoked: number;
}

/**
 * Closes every access review whose due time has passed: grants nobody
 * attested are reported (logged and counted on the review) and, when the
 * campaign says so, revoked. Safe in several replicas (rows are locked with
 * SKIP LOCKED); main.ts runs it every minute.
 */
export async function closeDueReviews(deps: IdentityDeps, now = new Date(deps.now?.() ?? Date.now())): Promise<ClosedReview[]> {
  const tenants = await deps.db.selectFrom("organization").select("id").where("state", "=", "active").execute();
  const closed: ClosedReview[] = [];
  for (const { id: tenantId } of tenants) {
    const results = await withTenant(deps.db, tenantId, async (trx) => {
      const done: ClosedReview[] = [];
      for (const review of await dueReviews(trx, now)) {
        const open = await unattested(trx, review.id);
        let revoked = 0;
        if (review.revoke_unattested) {
          const rolesToRemove = new Map<string, Set<string>>();
          for (const grant of open) rolesToRemove.set(grant.user_id, (rolesToRemove.get(grant.user_id) ?? new Set()).add(grant.role));
          for (const [userId, remove] of rolesToRemove) {
            const user = await findUserRow(trx, userId, { forUpdate: true });
            if (!user || user.state === "deleted") continue;
            const roles = user.roles.filter((role) => !remove.has(role));
            if (roles.length !== user.roles.length) {
              revoked += user.roles.length - roles.length;
              await changeRoles(trx, tenantId, userId, roles);
            }
          }
        }
        await closeReview(trx, review.id, open.length);
        await recordAudit(trx, { tenantId, actor: { system: "identity" }, action: "identity.access_review.closed", resource: { type: "access_review", id: review.id }, personalData: ["account"], details: { unattested: open.length, revoked } });
        done.push({ reviewId: review.id, tenantId, unattested: open.length, revoked });
      }
      return done;
    });
    for (const result of results) deps.log.info({ event: "access_review.closed", ...result });
    closed.push(...results);
  }
  return closed;
}
