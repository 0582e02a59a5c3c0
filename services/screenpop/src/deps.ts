import type { Kysely } from "kysely";
import type { Logger } from "@switchboard/rpc";
import type { RecognitionClient } from "./recognition/recognition-client.js";
import type { ScreenPopDatabase } from "./store/schema.js";

/** What the RPC handlers and the pop builder share; tests build it on their own database. */
export interface ScreenPopDeps {
  db: Kysely<ScreenPopDatabase>;
  recognition: RecognitionClient;
  log: Logger;
  /** Deadline of a recognition Lookup for a ringing call: a late pop is worse than an unrecognised one. */
  lookupTimeoutMs: number;
  /** Deadline of the data-source check when a script is saved. */
  catalogueTimeoutMs: number;
}
