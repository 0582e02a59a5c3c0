import { durationMs, logLevel, port, positiveInt, url } from "@switchboard/config";
import { z } from "zod";
import { parseCategoryRetention } from "./domain/retention.js";

const ed25519Seed = "expected the base64 of a 32-byte Ed25519 seed (openssl rand -base64 32)";
const isBase64Of = (bytes: number) => (value: string) => /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, "base64").length === bytes;

/** The audit-log service's environment; see README.md. */
export const AuditLogConfig = z.object({
  PORT: port().default(50055),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: logLevel().default("info"),
  /** The runtime role's URL (`sb_audit_log_app`: INSERT and SELECT on the trail), not the owner's. */
  DATABASE_URL: url({ protocols: ["postgres", "postgresql"] }),
  NATS_URL: url({ protocols: ["nats", "tls"] }),
  /** identity's gRPC address, for the keys that verify access tokens. */
  IDENTITY_ADDR: z.string().min(1, { error: "expected identity's gRPC address, e.g. dns:///identity:50051" }),
  /** Signs every checkpoint. Its public key is logged at start and served by ListCheckpoints. */
  CHECKPOINT_SIGNING_KEY: z.string({ error: ed25519Seed }).refine(isBase64Of(32), { error: ed25519Seed }),
  /** Public keys (raw 32 bytes, base64, comma-separated) of earlier signing keys whose checkpoints still count. */
  CHECKPOINT_TRUSTED_PUBLIC_KEYS: z
    .string()
    .default("")
    .transform((raw) => raw.split(",").map((item) => item.trim()).filter(Boolean))
    .refine((keys) => keys.every(isBase64Of(32)), { error: "expected base64 Ed25519 public keys (32 bytes each), comma-separated" }),
  CHECKPOINT_INTERVAL: durationMs().default(5 * 60_000),
  /** The ingestion's durable consumer; replicas share it. A new name re-reads the stream (e.g. into a new database). */
  INGESTION_DURABLE: z.string().regex(/^[A-Za-z0-9_-]+$/, { error: "expected a consumer name: letters, digits, - and _" }).default("audit-log"),
  /** Where a new durable starts: `all` the stream holds (default), or only `new` events. */
  INGESTION_START_AT: z.enum(["all", "new"], { error: 'expected "all" or "new"' }).default("all"),
  /** Seven years. */
  RETENTION_DEFAULT_DAYS: positiveInt().default(2_557),
  /** Days per personal-data category where it differs from the default, e.g. `contact=730,debug_logs=30`. */
  RETENTION_BY_CATEGORY: z
    .string()
    .default("")
    .transform((raw, ctx) => {
      const parsed = parseCategoryRetention(raw);
      if (typeof parsed === "string") {
        ctx.addIssue({ code: "custom", message: `expected category=days pairs, comma-separated: ${parsed}` });
        return z.NEVER;
      }
      return parsed;
    }),
  RETENTION_INTERVAL: durationMs().default(3_600_000),
  OTLP_ENDPOINT: url({ protocols: ["http", "https"] }).optional(),
});
