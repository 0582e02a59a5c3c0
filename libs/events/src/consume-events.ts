import type { EventMessage, EventType } from "./event-type.js";
import { openDurableConsumer, pullMessages, withConsumerSpan, type DurableConsumerOptions, type EventConsumer, type EventMeta } from "./durable-consumer.js";

export type { EventConsumer, EventMeta } from "./durable-consumer.js";

export interface ConsumeEventsOptions<E extends EventType> extends DurableConsumerOptions<E> {
  /** Resolves when the event is handled (then acked); throws to have it redelivered later. */
  handle(message: EventMessage<E>, meta: EventMeta): Promise<void>;
}

/** Starts a durable pull consumer (created or updated idempotently) with explicit acks, one message at a time. */
export async function consumeEvents<E extends EventType>(options: ConsumeEventsOptions<E>): Promise<EventConsumer> {
  const durable = await openDurableConsumer(options);
  return pullMessages(durable, 16, async (messages, stopping) => {
    for await (const msg of messages) {
      // Messages buffered when stop() was called go back at once, for another replica.
      if (stopping.aborted) {
        msg.nak();
        continue;
      }
      const delivery = durable.read(msg);
      if (!delivery) continue;
      try {
        await withConsumerSpan(msg, `${msg.subject} process`, () => options.handle(delivery.message, delivery.meta));
        msg.ack();
      } catch (err) {
        durable.retryOrGiveUp(delivery, err);
      }
    }
  });
}
