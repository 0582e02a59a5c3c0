import { fromBinary } from "@bufbuild/protobuf";
import { DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream";
import { OrganizationTerminatedSchema, SessionsRevokedSchema, UserDeletedSchema, UserDisabledSchema } from "@switchboard/proto/switchboard/identity/v1/events_pb";
import type { Logger } from "@switchboard/rpc";
import type { Revocation, RevocationList } from "./revocations.js";

export interface RevocationWatchOptions {
  js: JetStreamClient;
  list: RevocationList;
  log: Logger;
  /** identity's stream and subject prefix; tests use their own. */
  stream?: string;
  prefix?: string;
  /** How far back to read at start: the longest access-token lifetime, with margin. */
  windowMs?: number;
}

/** One identity event as a revocation; undefined for anything else. */
export function revocationOf(subject: string, data: Uint8Array, atMs: number, prefix = "switchboard.identity"): Revocation | undefined {
  switch (subject) {
    case `${prefix}.session.revoked`: {
      const event = fromBinary(SessionsRevokedSchema, data);
      // An event from before session ids were published names only the user: end all of their tokens so far.
      return event.sessionIds.length > 0 ? { kind: "sessions", sessionIds: event.sessionIds } : { kind: "user", tenantId: event.organizationId, userId: event.userId, atMs };
    }
    case `${prefix}.user.disabled`: {
      const event = fromBinary(UserDisabledSchema, data);
      return { kind: "user", tenantId: event.organizationId, userId: event.userId, atMs };
    }
    case `${prefix}.user.deleted`: {
      const event = fromBinary(UserDeletedSchema, data);
      return { kind: "user", tenantId: event.organizationId, userId: event.userId, atMs };
    }
    case `${prefix}.organization.terminated`:
      return { kind: "tenant", tenantId: fromBinary(OrganizationTerminatedSchema, data).organizationId, atMs };
    default:
      return undefined;
  }
}

/**
 * Feeds `list` from identity's stream: an ordered consumer that starts
 * `windowMs` back (so a replica that starts now still knows what was ended
 * while it was away) and then follows live. Nothing is acknowledged and no
 * durable state is left behind; the library recreates the consumer after a
 * NATS restart. Until the first read completes, tokens are judged on their
 * signature alone, as before.
 */
export async function watchRevocations(options: RevocationWatchOptions): Promise<{ stop(): Promise<void> }> {
  const prefix = options.prefix ?? "switchboard.identity";
  const windowMs = options.windowMs ?? 10 * 60_000;
  const consumer = await options.js.consumers.get(options.stream ?? "SWITCHBOARD_IDENTITY", {
    // One subject filter (several need NATS 2.10); identity's other events are few and skipped.
    filter_subjects: `${prefix}.>`,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(Date.now() - windowMs).toISOString(),
  });
  const messages = await consumer.consume();
  const done = (async () => {
    for await (const message of messages) {
      try {
        const revocation = revocationOf(message.subject, message.data, Number(message.timestampNanos / 1_000_000n), prefix);
        if (revocation) options.list.add(revocation);
      } catch (err) {
        options.log.warn({ event: "revocation.undecodable", subject: message.subject, message: err instanceof Error ? err.message : String(err) }, "identity event could not be read; ignored");
      }
    }
  })();
  return {
    async stop() {
      await messages.close();
      await done;
    },
  };
}
