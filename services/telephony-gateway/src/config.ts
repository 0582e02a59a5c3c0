import { durationMs, logLevel, port, positiveInt, url } from "@switchboard/config";
import { z } from "zod";

const consumerName = () => z.string().regex(/^[\w-]{1,64}$/, { error: "expected a consumer name: 1-64 letters, digits, '_' or '-'" });

/** The telephony gateway's environment; see README.md for each variable. */
export const TelephonyConfig = z.object({
  PORT: port().default(50053),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: logLevel().default("info"),
  DATABASE_URL: url({ protocols: ["postgres", "postgresql"] }),
  NATS_URL: url({ protocols: ["nats", "tls"] }),
  /** identity's gRPC address, for the keys that verify access tokens. */
  IDENTITY_ADDR: z.string().min(1, { error: "expected identity's gRPC address, e.g. dns:///identity:50051" }),
  /** 32 random bytes, base64 (`openssl rand -base64 32`): wraps the tenant keys that encrypt PBX credentials. */
  KEY_ENCRYPTION_KEY: z.string({ error: "expected 32 random bytes, base64-encoded (openssl rand -base64 32)" }).min(40, {
    error: "expected 32 random bytes, base64-encoded (openssl rand -base64 32)",
  }),
  /** The durable consumer of identity's organisation events (regions, terminations); replicas share it. */
  ORGANIZATION_EVENTS_CONSUMER: consumerName().default("telephony-gateway-organizations"),
  /** The durable consumer of identity's user.deleted events (extension erasure); replicas share it. */
  USER_EVENTS_CONSUMER: consumerName().default("telephony-gateway-user-erasure"),
  /** This replica's name in the leases; the pod name in Kubernetes. */
  REPLICA_ID: z.string().regex(/^[\w-]{1,64}$/, { error: "expected 1-64 letters, digits, '_' or '-'" }).optional(),
  /** How long a dead replica keeps its connections before others take them over. */
  LEASE_TTL: durationMs().default(15_000),
  /** How often leases are renewed and the connection list re-read (well under LEASE_TTL). */
  RECONCILE_INTERVAL: durationMs().default(3_000),
  RECONNECT_BASE: durationMs().default(1_000),
  RECONNECT_MAX: durationMs().default(60_000),
  PBX_CONNECT_TIMEOUT: durationMs().default(10_000),
  PBX_REPLY_TIMEOUT: durationMs().default(10_000),
  PBX_KEEPALIVE_INTERVAL: durationMs().default(20_000),
  PBX_MAX_FRAME_BYTES: positiveInt().default(65_536),
  PBX_MAX_FRAMES_PER_SECOND: positiveInt().default(20_000),
  /** The webhook endpoint for hosted voice platforms (its own port, outside the gRPC mesh). */
  WEBHOOK_PORT: port().default(8090),
  WEBHOOK_HOST: z.string().default("0.0.0.0"),
  /** PEM files; both set → HTTPS, neither → plain HTTP behind a TLS-terminating ingress. */
  WEBHOOK_TLS_CERT: z.string().optional(),
  WEBHOOK_TLS_KEY: z.string().optional(),
  OTLP_ENDPOINT: url({ protocols: ["http", "https"] }).optional(),
});

export type TelephonyConfig = z.output<typeof TelephonyConfig>;
