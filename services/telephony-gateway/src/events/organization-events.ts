import type { Keyring } from "@switchboard/crypto";
import { withTenant } from "@switchboard/db";
import { consumeEvents, defineEvent, ensureStream, processOnce, type EventConsumer, type EventsConnection } from "@switchboard/events";
import { OrganizationCreatedSchema, OrganizationTerminatedSchema } from "@switchboard/proto/switchboard/identity/v1/events_pb";
import type { Logger } from "@switchboard/rpc";
import type { Kysely } from "kysely";
import { purgeTenant } from "../deletion/identity-deletions.js";
import { asRegion } from "../domain/phone-numbers.js";
import type { TelephonyDatabase } from "../store/schema.js";
import { saveRegion } from "../store/tenant-regions.js";

/** identity's organisation events this service acts on. */
export function organizationEvents(prefix = "switchboard.identity") {
  return {
    created: defineEvent(`${prefix}.organization.created`, OrganizationCreatedSchema),
    terminated: defineEvent(`${prefix}.organization.terminated`, OrganizationTerminatedSchema),
  };
}
export const identityStream = { name: "SWITCHBOARD_IDENTITY", subjects: ["switchboard.identity.>"] };

export interface OrganizationConsumerOptions {
  durable: string;
  /** Tests read their own stream and subjects. */
  stream?: { name: string; subjects: string[] };
  prefix?: string;
}

/**
 * Learns each organisation's default region from `organization.created`
 * (national numbers are read with it) and destroys everything this service
 * holds about an organisation on `organization.terminated`. A durable
 * consumer from the stream's start, so organisations created before this
 * service ran are learnt too. Saving a region is an upsert and a purge runs
 * through processOnce, so redeliveries change nothing twice.
 */
export async function startOrganizationConsumer(
  deps: { db: Kysely<TelephonyDatabase>; keyring: Keyring; events: EventsConnection; log: Logger },
  options: OrganizationConsumerOptions,
): Promise<EventConsumer> {
  const { db, keyring, events, log } = deps;
  const stream = options.stream ?? identityStream;
  const prefix = options.prefix ?? "switchboard.identity";
  const types = organizationEvents(prefix);
  await ensureStream(events.jsm, stream);
  return consumeEvents({
    js: events.js,
    jsm: events.jsm,
    stream: stream.name,
    durable: options.durable,
    filterSubject: `${prefix}.organization.>`,
    events: [types.created, types.terminated],
    log,
    async handle(message, meta) {
      const tenantId = message.organizationId;
      if (meta.subject === types.created.subject) {
        const region = asRegion("defaultRegion" in message ? message.defaultRegion : "");
        if (!region) {
          log.warn({ event: "region.unknown", tenantId }, "organisation without a usable default region: national numbers stay unread");
          return;
        }
        await withTenant(db, tenantId, (trx) => saveRegion(trx, tenantId, region));
        return;
      }
      let purged: { connections: number; extensions: number } | undefined;
      await processOnce(db, options.durable, meta.msgId, async (trx) => {
        purged = await purgeTenant(trx, keyring, tenantId);
      }, { tenantId });
      log.info({ event: "tenant.purged", tenantId, ...purged }, "terminated organisation's PBX connections and extensions deleted");
    },
  });
}
