import { durationMs, logLevel, port, url } from "@switchboard/config";
import { z } from "zod";

/** The identity service's environment; see README.md for each variable. */
export const IdentityConfig = z.object({
  PORT: port().default(50051),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: logLevel().default("info"),
  DATABASE_URL: url({ protocols: ["postgres", "postgresql"] }),
  REDIS_URL: url({ protocols: ["redis", "rediss"] }),
  NATS_URL: url({ protocols: ["nats", "tls"] }),
  /** 32 random bytes, base64 (`openssl rand -base64 32`): wraps every tenant key and the signing keys. */
  KEY_ENCRYPTION_KEY: z.string({ error: "expected 32 random bytes, base64-encoded (openssl rand -base64 32)" }).min(40, {
    error: "expected 32 random bytes, base64-encoded (openssl rand -base64 32)",
  }),
  ACCESS_TOKEN_TTL: durationMs().default(5 * 60_000),
  REFRESH_TOKEN_TTL: durationMs().default(12 * 3_600_000),
  SESSION_TTL: durationMs().default(7 * 24 * 3_600_000),
  SIGNING_KEY_ROTATION: durationMs().default(30 * 24 * 3_600_000),
  TOTP_ISSUER: z.string().default("Switchboard"),
  OTLP_ENDPOINT: url({ protocols: ["http", "https"] }).optional(),
});

export type IdentityConfig = z.output<typeof IdentityConfig>;
