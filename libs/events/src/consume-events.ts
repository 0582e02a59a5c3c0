import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import { Match, nanos } from "@nats-io/transport-node";
import { describeError, silentLogger, type Logger } from "@switchboard/db";
import { backoffMs, sleep } from "./backoff.js";
import { decodeEvent, type EventMessage, type EventType } from "./event-type.js";
import { apiCode } from "./streams.js";
import { contextFromTraceHeaders, type TraceHeaders } from "./trace-headers.js";

/** What a handler learns about the message besides its content. */
export interface EventMeta {
  /** `Nats-Msg-Id` of the message (the outbox msg id): the key for processOnce. */
  msgId: string;
  subject: string;
  streamSequence: number;
  /** 1 on first delivery. */
  deliveryCount: number;
  traceparent: string | undefined;
}

export interface ConsumeEventsOptions<E extends EventType> {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  /** The consumer's durable name: replicas sharing it share the work. */
  durable: string;
  /** Defaults to the subject of the single event type. */
  filterSubject?: string;
  /** What the consumer understands; a message on any other subject is terminated. */
  events: E | readonly E[];
  /** Resolves when the event is handled (then acked); throws to have it redelivered later. */
  handle(message: EventMessage<E>, meta: EventMeta): Promise<void>;
  /** Deliveries before a failing message is given up on (terminated and logged). Default 10. */
  maxDeliver?: number;
  /** Time a handler may take before JetStream redelivers the message elsewhere. Default 30 s. */
  ackWaitMs?: number;
  /** First redelivery delay after a failure, doubling up to retryMaxMs. Defaults 1 s and 60 s. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  log?: Logger;
}

export interface EventConsumer {
  /** Stops pulling, lets the handler in flight finish, hands buffered messages back. */
  stop(): Promise<void>;
}

const CONSUMER_NOT_FOUND = 10014;
const tracer = trace.getTracer("@switchboard/events");

/** Starts a durable pull consumer (created or updated idempotently) with explicit acks. */
export async function consumeEvents<E extends EventType>(options: ConsumeEventsOptions<E>): Promise<EventConsumer> {
  const log = options.log ?? silentLogger;
  const eventTypes: readonly E[] = Array.isArray(options.events) ? options.events : [options.events as E];
  const bySubject = new Map(eventTypes.map((eventType) => [eventType.subject, eventType]));
  const filterSubject = options.filterSubject ?? (eventTypes.length === 1 ? eventTypes[0]?.subject : undefined);
  if (!filterSubject) {
    throw new TypeError(`consumer ${options.durable} handles several event types: give it a filterSubject`);
  }
  const maxDeliver = options.maxDeliver ?? 10;
  await ensureConsumer(options.jsm, options.stream, {
    durable_name: options.durable,
    filter_subject: filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_deliver: maxDeliver,
    ack_wait: nanos(options.ackWaitMs ?? 30_000),
  });
  const consumer = await options.js.consumers.get(options.stream, options.durable);
  const where = { stream: options.stream, durable: options.durable };

  const handleMessage = async (msg: JsMsg) => {
    const fields = { ...where, subject: msg.subject, streamSequence: msg.seq };
    const eventType = bySubject.get(msg.subject);
    if (!eventType) {
      msg.term();
      log.error({ event: "consume.unknown_subject", ...fields }, "message on a subject this consumer does not handle; terminated");
      return;
    }
    let message: EventMessage<E>;
    try {
      message = decodeEvent(eventType, msg.data);
    } catch (err) {
      msg.term();
      log.error({ event: "consume.undecodable", ...fields, ...describeError(err) }, "message cannot be decoded; terminated");
      return;
    }
    const trace: TraceHeaders = {};
    const traceparent = msg.headers?.get("traceparent", Match.IgnoreCase);
    const tracestate = msg.headers?.get("tracestate", Match.IgnoreCase);
    if (traceparent) trace.traceparent = traceparent;
    if (tracestate) trace.tracestate = tracestate;
    const meta: EventMeta = {
      msgId: msg.headers?.get("Nats-Msg-Id", Match.IgnoreCase) || `${msg.info.stream}:${msg.seq}`,
      subject: msg.subject,
      streamSequence: msg.seq,
      deliveryCount: msg.info.deliveryCount,
      traceparent: trace.traceparent,
    };

    try {
      await context.with(contextFromTraceHeaders(trace), () =>
        tracer.startActiveSpan(`${msg.subject} process`, { kind: SpanKind.CONSUMER }, async (span) => {
          try {
            await options.handle(message, meta);
          } catch (err) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(err).message });
            throw err;
          } finally {
            span.end();
          }
        }),
      );
      msg.ack();
    } catch (err) {
      if (meta.deliveryCount >= maxDeliver) {
        msg.term();
        log.error(
          { event: "consume.gave_up", ...fields, msgId: meta.msgId, deliveries: meta.deliveryCount, ...describeError(err) },
          "handler kept failing; message terminated",
        );
        return;
      }
      const retryInMs = backoffMs(meta.deliveryCount, options.retryBaseMs ?? 1000, options.retryMaxMs ?? 60_000);
      msg.nak(retryInMs);
      log.warn(
        { event: "consume.retry", ...fields, msgId: meta.msgId, deliveries: meta.deliveryCount, retryInMs, ...describeError(err) },
        "handler failed; message will be redelivered",
      );
    }
  };

  const stopping = new AbortController();
  let messages: ConsumerMessages | undefined;
  const run = async () => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        messages = await consumer.consume({ max_messages: 16 });
        if (stopping.signal.aborted) await messages.close();
        for await (const msg of messages) {
          // Messages buffered when stop() was called go back at once, for another replica.
          if (stopping.signal.aborted) msg.nak();
          else await handleMessage(msg);
          failures = 0;
        }
      } catch (err) {
        if (stopping.signal.aborted) break;
        failures += 1;
        log.warn({ event: "consume.pull_failed", ...where, attempt: failures, ...describeError(err) }, "pulling messages failed, retrying");
      }
      if (!stopping.signal.aborted) await sleep(backoffMs(Math.max(failures, 1), 250, 10_000), stopping.signal);
    }
  };
  const running = run();

  return {
    async stop() {
      stopping.abort();
      await messages?.close();
      await running;
    },
  };
}

type ConsumerSettings = {
  durable_name: string;
  filter_subject: string;
  ack_policy: AckPolicy;
  deliver_policy: DeliverPolicy;
  max_deliver: number;
  ack_wait: number;
};

/** Adds the durable consumer, or updates it when its settings changed (a new deploy). */
async function ensureConsumer(jsm: JetStreamManager, stream: string, settings: ConsumerSettings): Promise<void> {
  const existing = await jsm.consumers.info(stream, settings.durable_name).catch((err: unknown) => {
    if (apiCode(err) === CONSUMER_NOT_FOUND) return undefined;
    throw err;
  });
  if (!existing) {
    await jsm.consumers.add(stream, settings);
    return;
  }
  const current = existing.config;
  if (
    current.filter_subject !== settings.filter_subject ||
    current.max_deliver !== settings.max_deliver ||
    current.ack_wait !== settings.ack_wait
  ) {
    await jsm.consumers.update(stream, settings.durable_name, {
      filter_subject: settings.filter_subject,
      max_deliver: settings.max_deliver,
      ack_wait: settings.ack_wait,
    });
  }
}
