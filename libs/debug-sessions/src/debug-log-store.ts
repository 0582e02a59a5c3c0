import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { ensureStream } from "@switchboard/events";
import type { DebugLineWriter } from "@switchboard/telemetry";
import { debugLogMaxAgeMs, debugLogSubject, type DebugSessionNames } from "./names.js";

/**
 * The protected store of debug lines: one JetStream stream (file storage,
 * maximum age a little over the 24-hour session cap as a backstop), one
 * subject per session, so a session's lines are counted, read and purged by
 * subject. Only the support service reads it.
 */
export async function ensureDebugLogStream(jsm: JetStreamManager, names: Pick<DebugSessionNames, "stream" | "subjectPrefix">, replicas = 1) {
  return ensureStream(jsm, { name: names.stream, subjects: [`${names.subjectPrefix}.>`], maxAgeMs: debugLogMaxAgeMs, replicas, duplicateWindowMs: 60_000 });
}

/**
 * Writes a line to the session's subject, fire-and-forget (a request never
 * waits for its debug line), but only while `isActive(session)` holds: a
 * request still running when its session ends writes nothing more.
 */
export function natsDebugLineWriter(nc: NatsConnection, names: Pick<DebugSessionNames, "subjectPrefix">, isActive: (sessionId: string) => boolean): DebugLineWriter {
  return (target, line) => {
    if (!isActive(target.sessionId) || nc.isClosed()) return;
    nc.publish(debugLogSubject(names, target.sessionId), line);
  };
}

/** Lines stored for a session now. */
export async function countDebugLines(jsm: JetStreamManager, names: Pick<DebugSessionNames, "stream" | "subjectPrefix">, sessionId: string): Promise<number> {
  const subject = debugLogSubject(names, sessionId);
  const info = await jsm.streams.info(names.stream, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

/** Deletes every line of a session; returns how many were removed. */
export async function purgeDebugLines(jsm: JetStreamManager, names: Pick<DebugSessionNames, "stream" | "subjectPrefix">, sessionId: string): Promise<number> {
  const response = await jsm.streams.purge(names.stream, { filter: debugLogSubject(names, sessionId) });
  return response.purged;
}

/** A stored line: its raw JSON text and when the store received it. */
export interface StoredDebugLine {
  readonly json: string;
  readonly storedAt: Date;
}

/** The session's lines, oldest first, as stored when the read began. */
export async function* readDebugLines(
  js: JetStreamClient,
  jsm: JetStreamManager,
  names: Pick<DebugSessionNames, "stream" | "subjectPrefix">,
  sessionId: string,
): AsyncGenerator<StoredDebugLine> {
  let remaining = await countDebugLines(jsm, names, sessionId);
  if (remaining === 0) return;
  // An ordered consumer: ephemeral, flow-controlled, gone when the read ends.
  // One filter subject as a string: arrays need nats-server 2.10.
  const consumer = await js.consumers.get(names.stream, { filter_subjects: debugLogSubject(names, sessionId), deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume({ max_messages: 256 });
  try {
    for await (const message of messages) {
      yield { json: message.string(), storedAt: new Date(message.timestamp) };
      remaining -= 1;
      if (remaining <= 0 || message.info.pending === 0) break;
    }
  } finally {
    await messages.close();
  }
}
