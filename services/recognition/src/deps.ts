import type { Keyring } from "@switchboard/crypto";
import type { Logger } from "@switchboard/rpc";
import type { Kysely } from "kysely";
import type { LookupCache } from "./cache/lookup-cache.js";
import type { RegionCache } from "./lookup/region-cache.js";
import type { MatchReader } from "./store/match-reader.js";
import type { RecognitionDatabase } from "./store/schema.js";

/** What the handlers, the sync and the consumers share; built once in main.ts (or by a test). */
export interface RecognitionDeps {
  db: Kysely<RecognitionDatabase>;
  /** The cache-miss read of a lookup (its own pool, one round trip). */
  matchReader: MatchReader;
  keyring: Keyring;
  cache: LookupCache;
  regions: RegionCache;
  log: Logger;
  /** The longest a lookup takes server-side (≤ 500 ms). */
  lookupDeadlineMs: number;
  /** How long a lookup waits for Redis before asking Postgres. */
  cacheTimeoutMs: number;
}
