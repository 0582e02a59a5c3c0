import { logLevel, port, url } from "@switchboard/config";
import { z } from "zod";

/** The audit-log service's environment; see README.md. */
export const AuditLogConfig = z.object({
  PORT: port().default(50055),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: logLevel().default("info"),
  DATABASE_URL: url({ protocols: ["postgres", "postgresql"] }),
  NATS_URL: url({ protocols: ["nats", "tls"] }),
  /** identity's gRPC address, for the keys that verify access tokens. */
  IDENTITY_ADDR: z.string().min(1, { error: "expected identity's gRPC address, e.g. dns:///identity:50051" }),
  OTLP_ENDPOINT: url({ protocols: ["http", "https"] }).optional(),
});
