import type { ConsumerMessages, JsMsg } from "@nats-io/jetstream";
import type { EventMessage, EventType } from "./event-type.js";
import { openDurableConsumer, pullMessages, withConsumerSpan, type Delivery, type DurableConsumerOptions, type EventConsumer, type EventMeta } from "./durable-consumer.js";

export interface BatchedEvent<E extends EventType> {
  message: EventMessage<E>;
  meta: EventMeta;
}

export interface ConsumeEventBatchesOptions<E extends EventType> extends DurableConsumerOptions<E> {
  /**
   * Handles the events in stream order, all or nothing: resolves when every
   * one is done (then all are acked), throws to have them tried again.
   */
  handleBatch(events: BatchedEvent<E>[]): Promise<void>;
  /** Most events handed over at once. Default 500. */
  maxBatch?: number;
  /** How long a batch waits for more messages after its first one. Default 5 ms. */
  lingerMs?: number;
}

const LINGER_OVER = Symbol("linger over");

/**
 * Like consumeEvents, but hands the handler what has arrived as one batch, so
 * a consumer can commit many events in one transaction. When a batch fails,
 * its events are retried one by one at once, so one bad event is retried (and
 * eventually given up on) alone and never fails its neighbours.
 */
export async function consumeEventBatches<E extends EventType>(options: ConsumeEventBatchesOptions<E>): Promise<EventConsumer> {
  const durable = await openDurableConsumer(options);
  const maxBatch = options.maxBatch ?? 500;
  const lingerMs = options.lingerMs ?? 5;

  const handle = async (deliveries: Delivery<E>[]) => {
    const first = deliveries[0]!.msg;
    await withConsumerSpan(first, `${first.subject} process batch`, () =>
      options.handleBatch(deliveries.map(({ message, meta }) => ({ message, meta }))),
    );
    for (const { msg } of deliveries) msg.ack();
  };

  const handleBatch = async (batch: JsMsg[]) => {
    const deliveries = batch.map((msg) => durable.read(msg)).filter((d): d is Delivery<E> => d !== undefined);
    if (deliveries.length === 0) return;
    try {
      await handle(deliveries);
    } catch (batchError) {
      if (deliveries.length === 1) return durable.retryOrGiveUp(deliveries[0]!, batchError);
      durable.log.warn({ event: "consume.batch_failed", ...durable.where, size: deliveries.length }, "batch failed; handling its events one by one");
      for (const delivery of deliveries) {
        await handle([delivery]).catch((err: unknown) => durable.retryOrGiveUp(delivery, err));
      }
    }
  };

  return pullMessages(durable, maxBatch * 2, async (messages: ConsumerMessages, stopping) => {
    const iterator = messages[Symbol.asyncIterator]();
    let next = iterator.next();
    for (;;) {
      const first = await next;
      if (first.done) return;
      next = iterator.next();
      const batch = [first.value];
      // Take what arrives within the linger time: under load the client's
      // buffer holds a full batch already; at rest one event waits ~lingerMs.
      const lingerOver = new Promise<typeof LINGER_OVER>((resolve) => setTimeout(resolve, lingerMs, LINGER_OVER).unref());
      while (batch.length < maxBatch) {
        const more = await Promise.race([next, lingerOver]);
        if (more === LINGER_OVER || more.done) break;
        batch.push(more.value);
        next = iterator.next();
      }
      if (stopping.aborted) {
        for (const msg of batch) msg.nak();
        continue;
      }
      await handleBatch(batch);
    }
  });
}
