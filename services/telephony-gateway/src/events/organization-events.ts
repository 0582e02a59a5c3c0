import { withTenant } from "@switchboard/db";
import { consumeEvents, defineEvent, ensureStream, type EventConsumer, type EventsConnection } from "@switchboard/events";
import { OrganizationCreatedSchema } from "@switchboard/proto/switchboard/identity/v1/events_pb";
import type { Logger } from "@switchboard/rpc";
import type { Kysely } from "kysely";
import { asRegion } from "../domain/phone-numbers.js";
import type { TelephonyDatabase } from "../store/schema.js";
import { saveRegion } from "../store/tenant-regions.js";

/** identity's event: a new organisation and its default region. */
export const organizationCreated = defineEvent("switchboard.identity.organization.created", OrganizationCreatedSchema);
export const identityStream = { name: "SWITCHBOARD_IDENTITY", subjects: ["switchboard.identity.>"] };

export interface RegionLearningOptions {
  durable: string;
  /** Tests read their own stream and subject. */
  stream?: { name: string; subjects: string[] };
  event?: typeof organizationCreated;
}

/**
 * Learns each organisation's default region from identity's
 * organization.created events (a durable consumer from the stream's start,
 * so organisations created before this service ran are learnt too).
 * Saving is an upsert, so redeliveries are harmless.
 */
export async function startRegionLearning(
  db: Kysely<TelephonyDatabase>,
  events: EventsConnection,
  log: Logger,
  options: RegionLearningOptions = { durable: "telephony-gateway-regions" },
): Promise<EventConsumer> {
  const stream = options.stream ?? identityStream;
  await ensureStream(events.jsm, stream);
  return consumeEvents({
    js: events.js,
    jsm: events.jsm,
    stream: stream.name,
    durable: options.durable,
    events: options.event ?? organizationCreated,
    log,
    async handle(message) {
      const region = asRegion(message.defaultRegion);
      if (!region) {
        log.warn({ event: "region.unknown", tenantId: message.organizationId }, "organisation without a usable default region: national numbers stay unread");
        return;
      }
      await withTenant(db, message.organizationId, (trx) => saveRegion(trx, message.organizationId, region));
    },
  });
}
