#!/usr/bin/env node
import { createTokenVerifier, jwksFromIdentity } from "@switchboard/authz";
import { loadConfigOrExit } from "@switchboard/config";
import { onShutdown } from "@switchboard/rpc";
import { createLogger, startTelemetry } from "@switchboard/telemetry";
import { GatewayConfig, upstreamTargets } from "./config.js";
import { verifyAtEdge } from "./edge-auth.js";
import { startGateway } from "./http-server.js";
import { publicRoutes } from "./routes.js";
import { readTlsFiles } from "./tls.js";
import { openUpstreams } from "./upstreams.js";

const config = loadConfigOrExit("gateway", GatewayConfig);
const telemetry = startTelemetry({ serviceName: "gateway", otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const log = createLogger({ service: "gateway", level: config.LOG_LEVEL });
const upstreams = openUpstreams(upstreamTargets(config));
// Tokens are checked at the edge with identity's keys, when identity is configured.
const authenticate = upstreams.targets.identity
  ? verifyAtEdge(createTokenVerifier({ fetchJwks: jwksFromIdentity(upstreams.channel("identity")) }))
  : undefined;
const gateway = await startGateway({
  host: config.GATEWAY_HOST,
  port: config.GATEWAY_PORT,
  routes: publicRoutes(upstreams),
  allowedOrigins: config.CORS_ALLOWED_ORIGINS,
  maxRequestBytes: config.MAX_REQUEST_BYTES,
  defaultTimeoutMs: config.DEFAULT_TIMEOUT,
  readinessTargets: upstreams.targets,
  tls: readTlsFiles(config),
  authenticate,
  log,
});
onShutdown(
  [
    { name: "http", close: () => gateway.close(config.SHUTDOWN_GRACE) },
    { name: "upstreams", close: () => upstreams.close() },
    { name: "telemetry", close: () => telemetry.shutdown() },
  ],
  { log },
);
