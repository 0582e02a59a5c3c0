import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { DebugSessionNames } from "@switchboard/debug-sessions";
import type { Logger } from "@switchboard/rpc";
import type { Kysely } from "kysely";
import type { SessionBucket } from "../events/session-bucket.js";
import type { SupportDatabase } from "../store/schema.js";

/** What the session lifecycle needs; main.ts builds it, tests build their own. */
export interface SupportDeps {
  db: Kysely<SupportDatabase>;
  js: JetStreamClient;
  jsm: JetStreamManager;
  bucket: SessionBucket;
  names: DebugSessionNames;
  /** After a session ends or expires, its lines are purged (again) at the latest after this. */
  graceMs: number;
  log: Logger;
  now?: () => number;
}

export const nowOf = (deps: Pick<SupportDeps, "now">): Date => new Date((deps.now ?? Date.now)());
