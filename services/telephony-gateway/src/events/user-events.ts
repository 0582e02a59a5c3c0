import { consumeEvents, defineEvent, ensureStream, processOnce, type EventConsumer, type EventsConnection } from "@switchboard/events";
import { UserDeletedSchema } from "@switchboard/proto/switchboard/identity/v1/events_pb";
import type { Logger } from "@switchboard/rpc";
import type { Kysely } from "kysely";
import { eraseUser } from "../deletion/identity-deletions.js";
import type { TelephonyDatabase } from "../store/schema.js";
import { identityStream } from "./organization-events.js";

export interface UserErasureOptions {
  durable: string;
  stream?: { name: string; subjects: string[] };
  prefix?: string;
}

/** Removes a deleted user's extension mapping when identity reports the user deleted. */
export async function startUserErasure(
  deps: { db: Kysely<TelephonyDatabase>; events: EventsConnection; log: Logger },
  options: UserErasureOptions,
): Promise<EventConsumer> {
  const { db, events, log } = deps;
  const stream = options.stream ?? identityStream;
  const userDeleted = defineEvent(`${options.prefix ?? "switchboard.identity"}.user.deleted`, UserDeletedSchema);
  await ensureStream(events.jsm, stream);
  return consumeEvents({
    js: events.js,
    jsm: events.jsm,
    stream: stream.name,
    durable: options.durable,
    events: userDeleted,
    log,
    async handle(message, meta) {
      await processOnce(db, options.durable, meta.msgId, async (trx) => {
        if (await eraseUser(trx, message.organizationId, message.userId)) {
          log.info({ event: "user.erased", tenantId: message.organizationId, userId: message.userId }, "deleted user's extension removed");
        }
      }, { tenantId: message.organizationId });
    },
  });
}
