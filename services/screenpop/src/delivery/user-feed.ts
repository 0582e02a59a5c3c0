import { fromBinary } from "@bufbuild/protobuf";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { CallEventSchema, type CallEvent } from "@switchboard/proto/switchboard/telephony/v1/events_pb";
import type { Logger } from "@switchboard/rpc";
import { userSubject, type RingStream } from "./ring-stream.js";

export interface UserFeedOptions {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  ring: RingStream;
  tenantId: string;
  userId: string;
  /** Called once per call event, in order, live or replayed. */
  onEvent(event: CallEvent): void;
  log: Logger;
}

export interface UserFeed {
  close(): void;
}

/**
 * One open stream's view of its user's ring subject: subscribes live first,
 * then replays what the ring stream still holds (the replay window), then
 * hands over to the live messages buffered meanwhile. A message seen both
 * ways is delivered once (by its Nats-Msg-Id).
 */
export async function openUserFeed(options: UserFeedOptions): Promise<UserFeed> {
  const subject = userSubject(options.ring, options.tenantId, options.userId);
  const seen = new Map<string, number>();
  let replaying = true;
  const buffered: { id: string; data: Uint8Array }[] = [];
  const deliver = (id: string, data: Uint8Array) => {
    if (id && seen.has(id)) return;
    const now = Date.now();
    if (id) seen.set(id, now);
    // Ids are added in time order, so the expired ones are the oldest: stop at the first that is not.
    for (const [key, at] of seen) {
      if (now - at <= options.ring.windowMs * 2) break;
      seen.delete(key);
    }
    try {
      options.onEvent(fromBinary(CallEventSchema, data));
    } catch (error) {
      options.log.warn({ event: "pop.undecodable", reason: (error as Error).message });
    }
  };
  const subscription = options.nc.subscribe(subject, {
    callback: (error, msg) => {
      if (error) return;
      const id = msg.headers?.get("Nats-Msg-Id") ?? "";
      if (replaying) buffered.push({ id, data: msg.data });
      else deliver(id, msg.data);
    },
  });
  // The server knows the subscription before the replay starts: nothing falls between the two.
  await options.nc.flush();
  try {
    const info = await options.jsm.streams.info(options.ring.name, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    if (count > 0) {
      const consumer = await options.js.consumers.get(options.ring.name, { filter_subjects: subject });
      const messages = await consumer.fetch({ max_messages: count, expires: 1_000 });
      let received = 0;
      for await (const msg of messages) {
        deliver(msg.headers?.get("Nats-Msg-Id") ?? "", msg.data);
        if (++received >= count) break;
      }
    }
  } catch (error) {
    // Live pops still arrive; only ones from before this stream opened are missed.
    options.log.warn({ event: "pop.replay_failed", reason: (error as Error).message });
  }
  replaying = false;
  for (const message of buffered.splice(0)) deliver(message.id, message.data);
  return { close: () => subscription.unsubscribe() };
}
