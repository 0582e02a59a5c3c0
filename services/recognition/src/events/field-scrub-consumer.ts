import { consumeEvents, ensureStream, type EventsConnection } from "@switchboard/events";
import type { RecognitionDeps } from "../deps.js";
import { scrubRemovedFields } from "../deletion/scrub-removed-fields.js";
import { recognitionEvents, recognitionStream } from "./recognition-events.js";

const FIELD_SETTINGS = new Set(["display_fields", "script_fields"]);

/**
 * After a source's display or script fields change, rewrites its stored
 * records without the fields it no longer names (`scrubRemovedFields`).
 * Reads recognition's own `data_source.updated` events, so the change
 * commits at once and the rewrite, which takes a while for a large source,
 * runs outside the admin's request; a replica that stops half-way leaves
 * the event unacked and the next one resumes (what was rewritten already is
 * only checked again).
 */
export async function startFieldScrubConsumer(deps: RecognitionDeps, events: EventsConnection, durable: string) {
  await ensureStream(events.jsm, recognitionStream);
  return consumeEvents({
    js: events.js,
    jsm: events.jsm,
    stream: recognitionStream.name,
    durable,
    filterSubject: recognitionEvents.dataSourceUpdated.subject,
    events: [recognitionEvents.dataSourceUpdated],
    log: deps.log,
    // A 1,000,000-record source takes minutes; redelivering before that would only repeat the checks.
    ackWaitMs: 10 * 60_000,
    async handle(message) {
      if (!message.changed.some((setting) => FIELD_SETTINGS.has(setting))) return;
      const { organizationId: tenantId, dataSourceId } = message;
      const result = await scrubRemovedFields(deps, tenantId, dataSourceId, { system: "recognition" });
      if (result) deps.log.info({ event: "fields.scrubbed", tenantId, dataSourceId, ...result }, "stored records no longer hold fields the source does not name");
      else deps.log.info({ event: "fields.scrub_skipped", tenantId, dataSourceId }, "data source deleted before its fields were scrubbed");
    },
  });
}
