import { z } from "zod";
import { csv, durationMs, logLevel, port, positiveInt, url } from "@switchboard/config";

/**
 * The internal services the gateway can forward to, and the variable holding
 * each one's gRPC address (`dns:///recognition:50051` in a cluster,
 * `dns:///127.0.0.1:50052` locally). An address becomes required here the day
 * `routes.ts` exposes a service of it.
 */
export const UPSTREAM_VARIABLES = {
  identity: "IDENTITY_ADDR",
  recognition: "RECOGNITION_ADDR",
  telephony: "TELEPHONY_GATEWAY_ADDR",
  screenpop: "SCREENPOP_ADDR",
  auditLog: "AUDIT_LOG_ADDR",
  privacyRequests: "PRIVACY_REQUESTS_ADDR",
  support: "SUPPORT_ADDR",
} as const;

export type UpstreamName = keyof typeof UPSTREAM_VARIABLES;

/** A grpc-js target: `dns:///host:port`, `ipv4:a:p,b:p` or plain `host:port`. */
function grpcTarget() {
  const expected = "expected a gRPC target such as dns:///recognition:50051 or 127.0.0.1:50051";
  return z
    .string({ error: expected })
    .trim()
    .refine((value) => /^(?:(?:dns|ipv4|ipv6|unix):[^\s]+|[^\s:/]+:\d+)$/.test(value), { error: expected });
}

/** A browser origin exactly as it sends it: scheme, host and port, no path. */
function origins() {
  return csv().refine((list) => list.every((item) => URL.canParse(item) && new URL(item).origin === item), {
    error: "expected comma-separated origins such as https://app.example.com,http://localhost:5173 (no path, no trailing slash)",
  });
}

export const GatewayConfig = z
  .object({
    /** `127.0.0.1` locally; the pod sets `0.0.0.0`. */
    GATEWAY_HOST: z.string().trim().min(1).default("127.0.0.1"),
    GATEWAY_PORT: port().default(8080),
    CORS_ALLOWED_ORIGINS: origins().default([]),
    /** Largest request message (and, plus its 5-byte frame, request body) in bytes. */
    MAX_REQUEST_BYTES: positiveInt().default(1024 * 1024),
    /** Deadline for unary calls whose client sent no timeout. */
    DEFAULT_TIMEOUT: durationMs().default(30_000),
    /** How long shutdown waits for in-flight calls before cutting connections. */
    SHUTDOWN_GRACE: durationMs().default(10_000),
    TLS_CERT_FILE: z.string().trim().min(1).optional(),
    TLS_KEY_FILE: z.string().trim().min(1).optional(),
    LOG_LEVEL: logLevel().default("info"),
    OTEL_EXPORTER_OTLP_ENDPOINT: url({ protocols: ["http", "https"] }).optional(),
    IDENTITY_ADDR: grpcTarget().optional(),
    RECOGNITION_ADDR: grpcTarget().optional(),
    TELEPHONY_GATEWAY_ADDR: grpcTarget().optional(),
    SCREENPOP_ADDR: grpcTarget().optional(),
    AUDIT_LOG_ADDR: grpcTarget().optional(),
    PRIVACY_REQUESTS_ADDR: grpcTarget().optional(),
    SUPPORT_ADDR: grpcTarget().optional(),
  })
  // TLS needs both files. These run even when other variables are bad, so one pass lists every problem.
  .refine((config) => config.TLS_CERT_FILE === undefined || config.TLS_KEY_FILE !== undefined, {
    path: ["TLS_KEY_FILE"],
    error: requiredWith("TLS_CERT_FILE"),
    when: isObject,
  })
  .refine((config) => config.TLS_KEY_FILE === undefined || config.TLS_CERT_FILE !== undefined, {
    path: ["TLS_CERT_FILE"],
    error: requiredWith("TLS_KEY_FILE"),
    when: isObject,
  });

function requiredWith(other: string): string {
  return `required when ${other} is set: set both to serve TLS (HTTP/2 and HTTP/1.1), or neither`;
}

function isObject(payload: { value: unknown }): boolean {
  return typeof payload.value === "object" && payload.value !== null;
}

export type GatewayConfig = z.output<typeof GatewayConfig>;

/** The configured upstream addresses, by upstream name; unset ones are left out. */
export function upstreamTargets(config: GatewayConfig): Partial<Record<UpstreamName, string>> {
  const targets: Partial<Record<UpstreamName, string>> = {};
  for (const [name, variable] of Object.entries(UPSTREAM_VARIABLES) as [UpstreamName, keyof GatewayConfig][]) {
    const target = config[variable];
    if (typeof target === "string") targets[name] = target;
  }
  return targets;
}
