import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { encodeEvent, type EventInit, type EventType } from "./event-type.js";
import { captureTraceHeaders, type TraceHeaders } from "./trace-headers.js";

export interface PublishEventOptions {
  /** Sent as `Nats-Msg-Id`: JetStream drops a repeat within the stream's duplicate window. */
  msgId: string;
  /** Overrides the traceparent taken from the active OpenTelemetry context. */
  traceparent?: string;
}

/**
 * Publishes straight to JetStream and waits for the stream's ack. Use this
 * for events that describe no database change; a change and its event go
 * through `enqueueEvent` (the outbox) so neither exists without the other.
 */
export async function publishEvent<E extends EventType>(
  js: JetStreamClient,
  eventType: E,
  message: EventInit<E>,
  options: PublishEventOptions,
): Promise<PubAck> {
  return publishEncoded(js, {
    subject: eventType.subject,
    payload: encodeEvent(eventType, message),
    msgId: options.msgId,
    trace: captureTraceHeaders(options.traceparent),
  });
}

export interface EncodedEvent {
  subject: string;
  payload: Uint8Array;
  msgId: string;
  trace: TraceHeaders;
}

/** Publishes already encoded bytes (the outbox relay's path). */
export function publishEncoded(js: JetStreamClient, event: EncodedEvent): Promise<PubAck> {
  const headers = natsHeaders();
  if (event.trace.traceparent) headers.set("traceparent", event.trace.traceparent);
  if (event.trace.tracestate) headers.set("tracestate", event.trace.tracestate);
  // msgID becomes the Nats-Msg-Id header.
  return js.publish(event.subject, event.payload, { msgID: event.msgId, headers });
}
