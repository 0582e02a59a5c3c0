import { JetStreamApiError, type JetStreamManager, type StreamInfo } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";

export interface StreamOptions {
  name: string;
  subjects: string[];
  /** 1 on a single server; 3 on a NATS cluster. */
  replicas?: number;
  /** How long messages stay in the stream. Default 7 days. */
  maxAgeMs?: number;
  /**
   * How long JetStream remembers a `Nats-Msg-Id` to drop repeats. Must cover
   * the longest time an outbox relay may stay down between publishing a row
   * and deleting it (crash, restart back-off). Default 15 minutes.
   */
  duplicateWindowMs?: number;
}

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

/** Creates the stream or brings an existing one to this configuration. Safe to run from every replica. */
export async function ensureStream(jsm: JetStreamManager, options: StreamOptions): Promise<StreamInfo> {
  const config = {
    subjects: options.subjects,
    num_replicas: options.replicas ?? 1,
    max_age: nanos(options.maxAgeMs ?? 7 * 24 * 60 * 60 * 1000),
    duplicate_window: nanos(options.duplicateWindowMs ?? 15 * 60 * 1000),
  };
  const exists = await jsm.streams.info(options.name).then(
    () => true,
    (err: unknown) => {
      if (apiCode(err) === STREAM_NOT_FOUND) return false;
      throw err;
    },
  );
  if (!exists) {
    try {
      return await jsm.streams.add({ name: options.name, ...config });
    } catch (err) {
      // Another replica created it between our info and add.
      if (apiCode(err) !== STREAM_NAME_IN_USE) throw err;
    }
  }
  return jsm.streams.update(options.name, config);
}

/** The conventional stream of a domain: `SWITCHBOARD_IDENTITY` holding `switchboard.identity.>`. */
export function domainStream(domain: string): { name: string; subjects: string[] } {
  return {
    name: `SWITCHBOARD_${domain.toUpperCase().replaceAll("-", "_")}`,
    subjects: [`switchboard.${domain}.>`],
  };
}

export function apiCode(err: unknown): number | undefined {
  return err instanceof JetStreamApiError ? err.code : undefined;
}
