export { connectEvents, pingEvents, type EventsConnection, type ConnectEventsOptions } from "./connect-events.js";
export { ensureStream, domainStream, type StreamOptions } from "./streams.js";
export {
  defineEvent,
  domainOf,
  encodeEvent,
  decodeEvent,
  type EventType,
  type EventMessage,
  type EventInit,
} from "./event-type.js";
export { publishEvent, type PublishEventOptions } from "./publish.js";
export { createOutboxTable, createProcessedEventsTable, type EventTables } from "./outbox-table.js";
export { enqueueEvent, OUTBOX_CHANNEL, type EnqueueEventOptions } from "./enqueue-event.js";
export { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from "./outbox-relay.js";
export { consumeEvents, type ConsumeEventsOptions, type EventConsumer, type EventMeta } from "./consume-events.js";
export { consumeEventBatches, type ConsumeEventBatchesOptions, type BatchedEvent } from "./consume-event-batches.js";
export { processOnce, pruneProcessedEvents, startProcessedEventPruning, type ProcessedEventPruningOptions } from "./process-once.js";
export { captureTraceHeaders, contextFromTraceHeaders, type TraceHeaders } from "./trace-headers.js";
export type { Logger } from "@switchboard/db";
