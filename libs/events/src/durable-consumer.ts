import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type Consumer, type JetStreamClient, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import { Match, nanos } from "@nats-io/transport-node";
import { describeError, silentLogger, type Logger } from "@switchboard/db";
import { backoffMs, sleep } from "./backoff.js";
import { decodeEvent, type EventMessage, type EventType } from "./event-type.js";
import { apiCode } from "./streams.js";
import { contextFromTraceHeaders, type TraceHeaders } from "./trace-headers.js";

// What consumeEvents and consumeEventBatches share: the durable consumer's
// set-up, reading one delivery, retrying a failed one, and the pull loop.

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

export interface DurableConsumerOptions<E extends EventType> {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  /** The consumer's durable name: replicas sharing it share the work. */
  durable: string;
  /** Defaults to the subject of the single event type. */
  filterSubject?: string;
  /** What the consumer understands; a message on any other subject is terminated. */
  events: E | readonly E[];
  /**
   * Where a consumer created now starts: "all" (default) is every message the
   * stream holds; "new" only what is published after it is created. An
   * existing durable keeps its position either way.
   */
  startAt?: "all" | "new";
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

/** One message, decoded, with what a handler learns about it. */
export interface Delivery<E extends EventType> {
  msg: JsMsg;
  message: EventMessage<E>;
  meta: EventMeta;
}

export interface DurableConsumer<E extends EventType> {
  consumer: Consumer;
  /** Decodes a message; a message it cannot use is terminated (and logged) and undefined returned. */
  read(msg: JsMsg): Delivery<E> | undefined;
  /** After a failed handler: redelivery later with back-off, or terminated after maxDeliver. */
  retryOrGiveUp(delivery: Delivery<E>, err: unknown): void;
  where: { stream: string; durable: string };
  log: Logger;
}

const CONSUMER_NOT_FOUND = 10014;
const tracer = trace.getTracer("@switchboard/events");

/** Creates or updates the durable pull consumer (explicit acks) and returns what both consumers need. */
export async function openDurableConsumer<E extends EventType>(options: DurableConsumerOptions<E>): Promise<DurableConsumer<E>> {
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
    deliver_policy: options.startAt === "new" ? DeliverPolicy.New : DeliverPolicy.All,
    max_deliver: maxDeliver,
    ack_wait: nanos(options.ackWaitMs ?? 30_000),
  });
  const consumer = await options.js.consumers.get(options.stream, options.durable);
  const where = { stream: options.stream, durable: options.durable };

  const read = (msg: JsMsg): Delivery<E> | undefined => {
    const fields = { ...where, subject: msg.subject, streamSequence: msg.seq };
    const eventType = bySubject.get(msg.subject);
    if (!eventType) {
      msg.term();
      log.error({ event: "consume.unknown_subject", ...fields }, "message on a subject this consumer does not handle; terminated");
      return undefined;
    }
    let message: EventMessage<E>;
    try {
      message = decodeEvent(eventType, msg.data);
    } catch (err) {
      msg.term();
      log.error({ event: "consume.undecodable", ...fields, ...describeError(err) }, "message cannot be decoded; terminated");
      return undefined;
    }
    return {
      msg,
      message,
      meta: {
        msgId: msg.headers?.get("Nats-Msg-Id", Match.IgnoreCase) || `${msg.info.stream}:${msg.seq}`,
        subject: msg.subject,
        streamSequence: msg.seq,
        deliveryCount: msg.info.deliveryCount,
        traceparent: msg.headers?.get("traceparent", Match.IgnoreCase) || undefined,
      },
    };
  };

  const retryOrGiveUp = ({ msg, meta }: Delivery<E>, err: unknown) => {
    const fields = { ...where, subject: msg.subject, streamSequence: msg.seq, msgId: meta.msgId, deliveries: meta.deliveryCount };
    if (meta.deliveryCount >= maxDeliver) {
      msg.term();
      log.error({ event: "consume.gave_up", ...fields, ...describeError(err) }, "handler kept failing; message terminated");
      return;
    }
    const retryInMs = backoffMs(meta.deliveryCount, options.retryBaseMs ?? 1000, options.retryMaxMs ?? 60_000);
    msg.nak(retryInMs);
    log.warn({ event: "consume.retry", ...fields, retryInMs, ...describeError(err) }, "handler failed; message will be redelivered");
  };

  return { consumer, read, retryOrGiveUp, where, log };
}

/** Runs `work` in a consumer span that continues the trace the message carries. */
export function withConsumerSpan<T>(msg: JsMsg, name: string, work: () => Promise<T>): Promise<T> {
  const headers: TraceHeaders = {};
  const traceparent = msg.headers?.get("traceparent", Match.IgnoreCase);
  const tracestate = msg.headers?.get("tracestate", Match.IgnoreCase);
  if (traceparent) headers.traceparent = traceparent;
  if (tracestate) headers.tracestate = tracestate;
  return context.with(contextFromTraceHeaders(headers), () =>
    tracer.startActiveSpan(name, { kind: SpanKind.CONSUMER }, async (span) => {
      try {
        return await work();
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(err).message });
        throw err;
      } finally {
        span.end();
      }
    }),
  );
}

/**
 * Pulls from the consumer until stopped, re-subscribing with back-off when a
 * pull fails. `drain` reads one subscription's messages; once `stopping` is
 * aborted it must hand buffered messages back (nak) instead of handling them.
 */
export function pullMessages<E extends EventType>(
  durable: DurableConsumer<E>,
  bufferSize: number,
  drain: (messages: ConsumerMessages, stopping: AbortSignal) => Promise<void>,
): EventConsumer {
  const stopping = new AbortController();
  let messages: ConsumerMessages | undefined;
  const run = async () => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        messages = await durable.consumer.consume({ max_messages: bufferSize });
        if (stopping.signal.aborted) await messages.close();
        await drain(messages, stopping.signal);
        failures = 0;
      } catch (err) {
        if (stopping.signal.aborted) break;
        failures += 1;
        durable.log.warn({ event: "consume.pull_failed", ...durable.where, attempt: failures, ...describeError(err) }, "pulling messages failed, retrying");
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
