import { consumeEvents, defineEvent, ensureStream, type EventsConnection } from "@switchboard/events";
import { UserDeletedSchema } from "@switchboard/proto/switchboard/identity/v1/events_pb";
import { eraseUserSessions } from "../sessions/lifecycle.js";
import type { SupportDeps } from "../sessions/dependencies.js";

/** identity's fact that a user was erased (DeleteUser); published on SWITCHBOARD_IDENTITY. */
export const userDeleted = defineEvent("switchboard.identity.user.deleted", UserDeletedSchema);
export const identityStream = { name: "SWITCHBOARD_IDENTITY", subjects: ["switchboard.identity.>"] };

/**
 * Erasure: when identity deletes a user, every debug session of theirs ends
 * and every stored line is deleted (counted before and after, audited).
 * Idempotent: a redelivery finds the sessions closed and the lines gone.
 */
export async function startUserErasure(deps: SupportDeps, events: EventsConnection, options: { stream?: string; durable?: string; event?: typeof userDeleted } = {}) {
  const stream = options.stream ?? identityStream.name;
  if (stream === identityStream.name) await ensureStream(events.jsm, identityStream);
  return consumeEvents({
    js: events.js,
    jsm: events.jsm,
    stream,
    durable: options.durable ?? "support-user-erasure",
    events: options.event ?? userDeleted,
    log: deps.log,
    async handle(event) {
      const deleted = await eraseUserSessions(deps, event.organizationId, event.userId);
      deps.log.info({ event: "debug_session.user_erased", tenantId: event.organizationId, sessions: deleted.length });
    },
  });
}
