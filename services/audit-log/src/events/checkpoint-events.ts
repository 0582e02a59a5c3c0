import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { defineEvent } from "@switchboard/events";
import { AuditCheckpointSchema, CheckpointKind, type AuditCheckpoint } from "@switchboard/proto/switchboard/audit/v1/audit_pb";
import { checkpointStatement, type SignedCheckpoint } from "../domain/checkpoint.js";

/**
 * Every checkpoint is published (stream SWITCHBOARD_AUDIT), so a copy lives
 * outside this service's database: a superuser who removes entries and the
 * checkpoints that cover them still leaves the published ones behind.
 */
export const checkpointSigned = defineEvent("switchboard.audit.checkpoint.signed", AuditCheckpointSchema);

export function toCheckpointMessage(c: SignedCheckpoint): AuditCheckpoint {
  return create(AuditCheckpointSchema, {
    tenantId: c.tenantId,
    kind: c.kind === "retention" ? CheckpointKind.RETENTION : CheckpointKind.PERIODIC,
    sequence: BigInt(c.sequence),
    hash: c.hash,
    signTime: timestampFromDate(new Date(c.signedAt)),
    removedEntries: BigInt(c.removedEntries),
    statement: checkpointStatement(c),
    keyId: c.keyId,
    publicKey: c.publicKey,
    signature: c.signature,
  });
}
