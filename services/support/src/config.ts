import { durationMs, logLevel, port, url } from "@switchboard/config";
import { z } from "zod";

/** The support service's environment; see README.md. */
export const SupportConfig = z.object({
  PORT: port().default(50057),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: logLevel().default("info"),
  DATABASE_URL: url({ protocols: ["postgres", "postgresql"] }),
  NATS_URL: url({ protocols: ["nats", "tls"] }),
  /** identity's gRPC address, for the keys that verify access tokens. */
  IDENTITY_ADDR: z.string().min(1, { error: "expected identity's gRPC address, e.g. dns:///identity:50051" }),
  /** How long after a session ends or expires its lines are purged (again) at the latest. */
  DEBUG_LOG_GRACE: durationMs().default(15 * 60_000),
  /** How often expired sessions are closed and their lines purged. */
  SWEEP_INTERVAL: durationMs().default(30_000),
  /** Replicas of the debug-log stream: 1 on a single NATS server, 3 on a cluster. */
  DEBUG_LOG_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  OTLP_ENDPOINT: url({ protocols: ["http", "https"] }).optional(),
});

export type SupportConfig = z.output<typeof SupportConfig>;
