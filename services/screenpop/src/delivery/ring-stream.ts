import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { apiCode } from "./nats-errors.js";

/**
 * Where call events wait for the users they ring: one subject per tenant and
 * user (`<prefix>.<tenant id>.<user id>`), in a memory-only stream whose
 * messages expire after the replay window. Every screenpop replica
 * subscribes to the subjects of the users whose streams it holds (NATS core
 * fan-out) and, when a stream opens, replays what is still in the window, so
 * a client that reconnects while its phone rings still gets the pop. Nothing
 * here outlives the window and nothing touches a disk.
 */
export interface RingStream {
  name: string;
  prefix: string;
  windowMs: number;
}

export const defaultRingStream: RingStream = { name: "SCREENPOP_RINGS", prefix: "switchboard-internal.screenpop.rings", windowMs: 30_000 };

export function userSubject(stream: RingStream, tenantId: string, userId: string): string {
  return `${stream.prefix}.${tenantId}.${userId}`;
}

/** Ids become subject tokens: only UUID-like values are safe there. */
export function isSubjectToken(value: string): boolean {
  return /^[\w-]{1,64}$/.test(value);
}

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

export async function ensureRingStream(jsm: JetStreamManager, stream: RingStream, replicas = 1): Promise<void> {
  const config = {
    subjects: [`${stream.prefix}.>`],
    storage: StorageType.Memory,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    max_age: nanos(stream.windowMs),
    // Repeats (a redelivered call event) are dropped for as long as the pop can be replayed.
    duplicate_window: nanos(stream.windowMs),
    max_bytes: 256 * 1024 * 1024,
  };
  const exists = await jsm.streams.info(stream.name).then(
    () => true,
    (error: unknown) => {
      if (apiCode(error) === STREAM_NOT_FOUND) return false;
      throw error;
    },
  );
  if (!exists) {
    try {
      await jsm.streams.add({ name: stream.name, ...config });
      return;
    } catch (error) {
      if (apiCode(error) !== STREAM_NAME_IN_USE) throw error;
    }
  }
  const { storage: _storage, ...updatable } = config;
  await jsm.streams.update(stream.name, updatable);
}
