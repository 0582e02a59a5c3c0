import { durationMs, logLevel, port, url } from "@switchboard/config";
import { z } from "zod";

// A full sync of millions of records takes tens of minutes.
const MIN_SYNC_MAX_OPEN = 3_600_000;

const kekHint = "expected 32 random bytes, base64-encoded (openssl rand -base64 32)";

/** The recognition service's environment; see README.md for each variable. */
export const RecognitionConfig = z.object({
  PORT: port().default(50052),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: logLevel().default("info"),
  DATABASE_URL: url({ protocols: ["postgres", "postgresql"] }),
  REDIS_URL: url({ protocols: ["redis", "rediss"] }),
  /** What to do when the cache's Redis is configured to persist: refuse to start (default), or only log. */
  REDIS_PERSISTENCE: z.enum(["refuse", "warn"], { error: "expected refuse or warn" }).default("refuse"),
  NATS_URL: url({ protocols: ["nats", "tls"] }),
  /** identity's gRPC address, for the keys that verify access tokens. */
  IDENTITY_ADDR: z.string().min(1, { error: "expected identity's gRPC address, e.g. dns:///identity:50051" }),
  /** Wraps every tenant's data and index keys. */
  KEY_ENCRYPTION_KEY: z.string({ error: kekHint }).min(40, { error: kekHint }),
  /** Every cache key starts with this; lets several deployments (or tests) share one Redis. */
  CACHE_KEY_PREFIX: z.string().default("recognition:"),
  /** How long a found number stays cached. */
  CACHE_TTL: durationMs().default(10 * 60_000),
  /** How long an unknown number stays cached as unknown. */
  NEGATIVE_CACHE_TTL: durationMs().default(30_000),
  /** How long a lookup waits for Redis before it asks Postgres instead. */
  CACHE_TIMEOUT: durationMs().default(50),
  /** The longest a lookup takes server-side; past it the answer is "not recognised". */
  LOOKUP_DEADLINE: durationMs().default(500),
  /** Durable name of the consumer of identity's organisation events (one per deployment). */
  ORGANIZATION_EVENTS_CONSUMER: z.string().min(1).default("recognition-organizations"),
  /** Durable name of the consumer of recognition's own data_source.updated events that scrubs removed fields (one per deployment). */
  FIELD_SCRUB_CONSUMER: z.string().min(1).default("recognition-field-scrub"),
  /** How long a sync may stay open; past it the sync expires and its batches are deleted. */
  SYNC_MAX_OPEN: durationMs()
    .refine((ms) => ms >= MIN_SYNC_MAX_OPEN, { error: "expected at least 1h: a shorter SYNC_MAX_OPEN would expire syncs that agents are still pushing to" })
    .default(24 * 3_600_000),
  OTLP_ENDPOINT: url({ protocols: ["http", "https"] }).optional(),
});

export type RecognitionConfig = z.output<typeof RecognitionConfig>;
