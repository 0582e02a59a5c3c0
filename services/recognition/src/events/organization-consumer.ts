import { consumeEvents, ensureStream, processOnce, type EventsConnection } from "@switchboard/events";
import type { RecognitionDeps } from "../deps.js";
import { purgeTenantCache, purgeTenantData } from "../deletion/purge-tenant.js";
import { saveDefaultRegion } from "../store/tenant-settings.js";
import { identityStream, organizationCreated, organizationTerminated } from "./identity-events.js";

/**
 * Learns each organisation's default region from identity's
 * `organization.created` events (national numbers are read with it), and
 * destroys all of an organisation's recognition data on
 * `organization.terminated`. Durable, and idempotent through processOnce: a
 * redelivery changes nothing twice. The cache purge runs on every delivery,
 * so a crash between commit and purge is repaired by the redelivery.
 */
export async function startOrganizationConsumer(deps: RecognitionDeps, events: EventsConnection, durable: string) {
  await ensureStream(events.jsm, identityStream);
  return consumeEvents({
    js: events.js,
    jsm: events.jsm,
    stream: identityStream.name,
    durable,
    filterSubject: "switchboard.identity.organization.>",
    events: [organizationCreated, organizationTerminated],
    log: deps.log,
    async handle(message, meta) {
      const tenantId = message.organizationId;
      if (meta.subject === organizationCreated.subject) {
        const region = "defaultRegion" in message ? message.defaultRegion : "";
        if (!region) return;
        await processOnce(deps.db, durable, meta.msgId, (trx) => saveDefaultRegion(trx, tenantId, region.toUpperCase()), { tenantId });
        deps.regions.forget(tenantId);
        return;
      }
      let purged: { records: number; sources: number } | undefined;
      await processOnce(deps.db, durable, meta.msgId, async (trx) => {
        purged = await purgeTenantData(deps, trx, tenantId);
      }, { tenantId });
      const keys = await purgeTenantCache(deps, tenantId);
      deps.log.info({ event: "tenant.purged", tenantId, records: purged?.records, sources: purged?.sources, cacheKeys: keys });
    },
  });
}
