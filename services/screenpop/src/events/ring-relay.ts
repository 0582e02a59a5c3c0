import { toBinary } from "@bufbuild/protobuf";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { DebugLogging } from "@switchboard/debug-sessions";
import { consumeEventBatches, type EventConsumer } from "@switchboard/events";
import { CallEventSchema, CallState } from "@switchboard/proto/switchboard/telephony/v1/events_pb";
import type { Logger } from "@switchboard/rpc";
import { isSubjectToken, userSubject, type RingStream } from "../delivery/ring-stream.js";
import { callEvents, callsStream } from "./call-events.js";

export interface RingRelayOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  ring: RingStream;
  durable: string;
  /** Where a consumer created now starts (an existing durable keeps its place). */
  startAt?: "all" | "new";
  callsPrefix?: string;
  callsStreamName?: string;
  debug?: Pick<DebugLogging, "scopeFor">;
  log: Logger;
}

/**
 * Durable consumer of the call events: each state of a call is copied to the
 * ring subject of every user its extension rings, with a message id of event
 * and user, so a redelivered event is dropped by JetStream's duplicate
 * window instead of popping twice (idempotent without a database round trip
 * per call). Events are taken in batches of what has arrived and acked only
 * once every copy is stored.
 *
 * Recognition and scripts are *not* evaluated here but where the user's
 * stream is held, with that user's own token (see README "Calling
 * recognition"): contact data then never sits in NATS at all.
 */
export async function startRingRelay(options: RingRelayOptions): Promise<EventConsumer> {
  const events = callEvents(options.callsPrefix);
  return consumeEventBatches({
    js: options.js,
    jsm: options.jsm,
    stream: options.callsStreamName ?? callsStream.name,
    durable: options.durable,
    filterSubject: `${options.callsPrefix ?? "switchboard.calls"}.call.>`,
    events: [events.ringing, events.answered, events.ended],
    startAt: options.startAt ?? "new",
    // A ringing phone waits for this: hand over what has arrived at once.
    lingerMs: 1,
    maxBatch: 200,
    ackWaitMs: 10_000,
    retryBaseMs: 200,
    retryMaxMs: 2_000,
    maxDeliver: 5,
    log: options.log,
    async handleBatch(batch) {
      // Published back to back without awaiting each ack: one connection keeps
      // their order (a call's ringing before its answered), and a burst of calls
      // costs one round trip, not one per call.
      await Promise.all(
        batch.flatMap(({ message: event }) => {
          if (!isSubjectToken(event.tenantId) || event.state === CallState.UNSPECIFIED) return [];
          const payload = toBinary(CallEventSchema, event);
          return event.userIds.filter(isSubjectToken).map(async (userId) => {
            await options.js.publish(userSubject(options.ring, event.tenantId, userId), payload, { msgID: `${event.eventId}:${userId}` });
            const scope = options.debug?.scopeFor(event.tenantId, userId, options.log);
            scope?.log.debug({ event: "pop.relayed", callId: event.callId, state: CallState[event.state], extension: event.extension, userId });
          });
        }),
      );
    },
  });
}
