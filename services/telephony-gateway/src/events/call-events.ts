import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { JetStreamClient } from "@nats-io/jetstream";
import { defineEvent, publishEvent, type EventType } from "@switchboard/events";
import { CallDirection, CallEventSchema, CallState, type CallEvent } from "@switchboard/proto/switchboard/telephony/v1/events_pb";
import type { Logger } from "@switchboard/rpc";
import type { CallStateChange, CallStateName } from "../domain/call-tracker.js";
import { toE164 } from "../domain/phone-numbers.js";

/** The calls domain's stream; screenpop and others consume it. */
export const callsStream = { name: "SWITCHBOARD_CALLS", subjects: ["switchboard.calls.>"] };

export type CallEventTypes = Record<CallStateName, EventType<typeof CallEventSchema>>;

/** `<prefix>.call.ringing|answered|ended`; the prefix is `switchboard.calls` (tests use their own). */
export function callEventTypes(prefix = "switchboard.calls"): CallEventTypes {
  return {
    ringing: defineEvent(`${prefix}.call.ringing`, CallEventSchema),
    answered: defineEvent(`${prefix}.call.answered`, CallEventSchema),
    ended: defineEvent(`${prefix}.call.ended`, CallEventSchema),
  };
}

/** What a call event needs to know about the connection it happened on. */
export interface CallContext {
  tenantId: string;
  connectionId: string;
  region: string | undefined;
  usersAt(extension: string): string[];
}

const states: Record<CallStateName, CallState> = { ringing: CallState.RINGING, answered: CallState.ANSWERED, ended: CallState.ENDED };

/**
 * The event id is derived from connection, call and state: two replicas (or
 * one replica after a reconnect) that see the same state publish the same
 * Nats-Msg-Id, and JetStream keeps one.
 */
export function callEventId(connectionId: string, callId: string, state: CallStateName): string {
  const hex = createHash("sha256").update(`${connectionId}\n${callId}\n${state}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function buildCallEvent(context: CallContext, change: CallStateChange): CallEvent {
  const number = (raw: string) => ({ raw, e164: toE164(raw, context.region) ?? "" });
  return create(CallEventSchema, {
    eventId: callEventId(context.connectionId, change.callId, change.state),
    tenantId: context.tenantId,
    connectionId: context.connectionId,
    callId: change.callId,
    direction: change.direction === "outbound" ? CallDirection.OUTBOUND : CallDirection.INBOUND,
    state: states[change.state],
    caller: number(change.caller),
    callee: number(change.callee),
    extension: change.extension,
    userIds: change.extension ? context.usersAt(change.extension) : [],
    time: timestampFromDate(change.time),
    startTime: timestampFromDate(change.startTime),
  });
}

export interface CallEventPublisher {
  publish(context: CallContext, change: CallStateChange): void;
  /** Publishes and waits for JetStream's ack (throws when it cannot), for callers that must answer for it. */
  publishNow(context: CallContext, change: CallStateChange): Promise<void>;
  /** Resolves when every publish started so far has been acked or given up. */
  flush(): Promise<void>;
}

/**
 * Publishes without waiting for the previous ack: NATS keeps the order of
 * one connection's publishes, so a call's states reach the stream in order
 * while many calls' events are in flight together. A failed publish is
 * retried with the same msg id (JetStream drops a repeat).
 */
export function createCallEventPublisher(options: { js: JetStreamClient; types: CallEventTypes; log: Logger; attempts?: number }): CallEventPublisher {
  const inFlight = new Set<Promise<void>>();
  const attempts = options.attempts ?? 3;
  const send = async (event: CallEvent, state: CallStateName) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await publishEvent(options.js, options.types[state], event, { msgId: event.eventId });
        return;
      } catch (err) {
        if (attempt >= attempts) {
          options.log.error({ event: "call_event.publish_failed", connectionId: event.connectionId, state, err }, "call event lost after retries");
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  };
  return {
    publish(context, change) {
      const done = send(buildCallEvent(context, change), change.state).finally(() => inFlight.delete(done));
      inFlight.add(done);
    },
    async publishNow(context, change) {
      await publishEvent(options.js, options.types[change.state], buildCallEvent(context, change), { msgId: callEventId(context.connectionId, change.callId, change.state) });
    },
    async flush() {
      await Promise.all([...inFlight]);
    },
  };
}
