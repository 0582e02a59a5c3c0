import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { recordAudit } from "@switchboard/audit";
import { permissionsOf } from "@switchboard/authz";
import { withTenant } from "@switchboard/db";
import {
  AccessReviewSchema,
  AccessReviewService,
  AttestationDecision,
  AttestationSchema,
  type AccessReview,
  type Attestation,
} from "@switchboard/proto/switchboard/identity/v1/access_reviews_pb";
import { Code, RpcError, maxLength, registerService, uuid, violations, type Caller, type ServiceImpl } from "@switchboard/rpc";
import type { IdentityDeps } from "../sign-in/dependencies.js";
import { findAttestation, findReview, insertReview, listAttestations, openAttestations, recordDecision, type AccessReviewRow, type AttestationRow } from "../store/access-reviews.js";
import { changeRoles } from "../store/role-changes.js";
import { findUserRow } from "../store/users.js";
import { auditActor } from "./client-address.js";
import { pageSize, pageToken } from "./user-mapping.js";

const decisions = { keep: AttestationDecision.KEEP, revoke: AttestationDecision.REVOKE } as const;

function toReview(row: AccessReviewRow): AccessReview {
  return create(AccessReviewSchema, {
    id: row.id,
    organizationId: row.tenant_id,
    dueTime: timestampFromDate(new Date(row.due_at)),
    revokeUnattested: row.revoke_unattested,
    createTime: timestampFromDate(row.created_at),
    closeTime: row.closed_at ? timestampFromDate(new Date(row.closed_at)) : undefined,
    unattestedCount: row.unattested_count,
  });
}

function toAttestation(row: AttestationRow): Attestation {
  return create(AttestationSchema, {
    id: row.id,
    reviewId: row.review_id,
    userId: row.user_id,
    role: row.role,
    reviewerId: row.reviewer_id,
    decision: row.decision ? decisions[row.decision] : AttestationDecision.UNSPECIFIED,
    decideTime: row.decided_at ? timestampFromDate(new Date(row.decided_at)) : undefined,
  });
}

function signedIn(caller: Caller | undefined): Caller {
  if (!caller) throw new RpcError(Code.Unauthenticated, "sign in: this call needs an access token");
  return caller;
}

export function accessReviewHandlers(deps: IdentityDeps): ServiceImpl<typeof AccessReviewService> {
  const now = () => deps.now?.() ?? Date.now();
  return {
    async startAccessReview(request, context) {
      const caller = signedIn(context.caller);
      const dueAt = request.dueTime ? timestampDate(request.dueTime) : undefined;
      if (!dueAt || dueAt.getTime() <= now()) {
        throw RpcError.invalidArgument([{ field: "due_time", description: "must be in the future: when managers must have attested" }]);
      }
      const { review, count } = await withTenant(deps.db, caller.tenantId, async (trx) => {
        const review = await insertReview(trx, { id: randomUUID(), tenantId: caller.tenantId, dueAt, revokeUnattested: request.revokeUnattested, createdBy: caller.subject });
        const count = await openAttestations(trx, review.id, caller.tenantId, caller.subject);
        await recordAudit(trx, { tenantId: caller.tenantId, actor: auditActor(context), action: "identity.access_review.started", resource: { type: "access_review", id: review.id }, details: { attestations: count, revokeUnattested: request.revokeUnattested } });
        return { review, count };
      });
      deps.log.info({ event: "access_review.started", tenantId: caller.tenantId, reviewId: review.id, attestations: count });
      return { review: toReview(review), attestationCount: count };
    },

    async listAttestations(request, context) {
      const caller = signedIn(context.caller);
      // Reviewers see what they must decide; whoever runs reviews sees everything.
      const onlyOwn = !permissionsOf(caller.roles).has("identity.access_reviews.manage");
      const limit = pageSize(request.pageSize);
      const rows = await withTenant(deps.db, caller.tenantId, async (trx) => {
        if (!(await findReview(trx, request.reviewId))) throw new RpcError(Code.NotFound, `no access review with id ${request.reviewId}`);
        return listAttestations(trx, request.reviewId, limit + 1, pageToken.decode(request.pageToken), onlyOwn ? caller.subject : undefined);
      });
      const page = rows.slice(0, limit);
      return { attestations: page.map(toAttestation), nextPageToken: rows.length > limit ? pageToken.encode(page.at(-1)?.id) : "" };
    },

    async attest(request, context) {
      const caller = signedIn(context.caller);
      const decision = request.decision === AttestationDecision.KEEP ? "keep" : request.decision === AttestationDecision.REVOKE ? "revoke" : undefined;
      if (!decision) throw RpcError.invalidArgument([{ field: "decision", description: "must be ATTESTATION_DECISION_KEEP or ATTESTATION_DECISION_REVOKE" }]);
      const row = await withTenant(deps.db, caller.tenantId, async (trx) => {
        const attestation = await findAttestation(trx, request.id);
        // Someone else's attestation looks like none at all.
        if (!attestation || attestation.reviewer_id !== caller.subject) throw new RpcError(Code.NotFound, `no attestation with id ${request.id} awaits your decision`);
        const review = await findReview(trx, attestation.review_id);
        if (review?.closed_at) throw new RpcError(Code.FailedPrecondition, "this access review has closed: decisions are no longer accepted");
        if (attestation.decision) throw new RpcError(Code.FailedPrecondition, `already decided (${attestation.decision}): a decision is final`);
        const decided = await recordDecision(trx, attestation.id, decision, request.comment.trim());
        await recordAudit(trx, { tenantId: caller.tenantId, actor: auditActor(context), action: "identity.attestation.decided", resource: { type: "attestation", id: attestation.id }, personalData: ["account"], details: { decision, userId: attestation.user_id, role: attestation.role } });
        if (decision === "revoke") {
          const user = await findUserRow(trx, attestation.user_id, { forUpdate: true });
          if (user && user.roles.includes(attestation.role)) {
            await changeRoles(trx, caller.tenantId, user.id, user.roles.filter((role) => role !== attestation.role));
          }
        }
        return decided;
      });
      deps.log.info({ event: "access_review.attested", tenantId: caller.tenantId, attestationId: row.id, decision });
      return { attestation: toAttestation(row) };
    },
  };
}

export function accessReviewService(deps: IdentityDeps) {
  return registerService(AccessReviewService, accessReviewHandlers(deps), {
    validate: {
      listAttestations: (r) => violations(uuid(r.reviewId, "review_id")),
      attest: (r) => violations(uuid(r.id, "id"), maxLength(r.comment, 1000, "comment")),
    },
  });
}
