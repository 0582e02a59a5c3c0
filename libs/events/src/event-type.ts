import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";

const SEGMENT = "[a-z][a-z0-9_-]*";
const EVENT_SUBJECT = new RegExp(`^switchboard\\.${SEGMENT}\\.${SEGMENT}\\.${SEGMENT}$`);

/** A protobuf message published on one subject: the unit publishers and consumers agree on. */
export interface EventType<Desc extends DescMessage = DescMessage> {
  readonly subject: string;
  readonly schema: Desc;
}

/** The decoded message of an event type (a union for a union of event types). */
export type EventMessage<E extends EventType> = E extends EventType<infer Desc> ? MessageShape<Desc> : never;

/** The shapes `publishEvent` / `enqueueEvent` accept for an event type: a message or its init object. */
export type EventInit<E extends EventType> = E extends EventType<infer Desc> ? MessageInitShape<Desc> : never;

/**
 * Binds a subject `switchboard.<domain>.<entity>.<verb>` (verb in the past
 * tense: `switchboard.identity.user.created`) to its protobuf message.
 */
export function defineEvent<Desc extends DescMessage>(subject: string, schema: Desc): EventType<Desc> {
  if (!EVENT_SUBJECT.test(subject)) {
    throw new TypeError(
      `event subject ${JSON.stringify(subject)} must look like switchboard.<domain>.<entity>.<verb> ` +
        "with lower-case segments, e.g. switchboard.identity.user.created",
    );
  }
  return Object.freeze({ subject, schema });
}

/** The `<domain>` segment of an event subject. */
export function domainOf(subject: string): string {
  const domain = subject.split(".")[1];
  if (!domain) throw new TypeError(`${JSON.stringify(subject)} is not an event subject`);
  return domain;
}

export function encodeEvent<E extends EventType>(eventType: E, message: EventInit<E>): Uint8Array {
  const schema: DescMessage = eventType.schema;
  return toBinary(schema, create(schema, message as MessageInitShape<DescMessage>));
}

/** Throws on bytes that are not a valid encoding of the event's message. */
export function decodeEvent<E extends EventType>(eventType: E, payload: Uint8Array): EventMessage<E> {
  return fromBinary(eventType.schema, payload) as EventMessage<E>;
}
