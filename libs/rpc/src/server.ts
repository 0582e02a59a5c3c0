import { Server, ServerCredentials, status, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { RpcError, Code } from "./errors.js";
import { serverStreamingHandler, unaryHandler, type CallPolicy } from "./handler.js";
import { attachHealth, type HealthReporter, type ReadinessCheck } from "./health.js";
import { attachReflection } from "./reflection.js";
import { toGrpcServiceDefinition } from "./service-definition.js";
import { silentLogger, type AuthHook, type CallScopeSelector, type Logger, type ServiceRegistration } from "./types.js";

export interface ServeOptions {
  /** Bind address; `0.0.0.0` in a pod, `127.0.0.1` locally. */
  host?: string;
  /** 0 picks a free port (tests); the bound port is returned. */
  port: number;
  services: readonly ServiceRegistration[];
  /** Dependencies whose health the grpc.health.v1 status follows. */
  readiness?: Record<string, ReadinessCheck>;
  authenticate?: AuthHook;
  log?: Logger;
  /**
   * Per-call logging scope chosen from the authenticated caller (support
   * debug sessions, libs/debug-sessions). Without it every call logs to `log`.
   */
  callScope?: CallScopeSelector;
  /** Deadline for unary calls whose client set none. */
  defaultDeadlineMs?: number;
  /** Largest request or response message, in bytes. */
  maxMessageBytes?: number;
  readinessIntervalMs?: number;
  readinessTimeoutMs?: number;
  /**
   * Connections are closed (gracefully) after this age so clients re-resolve
   * DNS and spread over pods added by scaling out.
   */
  maxConnectionAgeMs?: number;
}

export interface RunningServer {
  readonly port: number;
  readonly health: HealthReporter;
  /**
   * Graceful stop: report NOT_SERVING, refuse new calls, end open streams
   * with UNAVAILABLE (clients reconnect elsewhere), let in-flight unary calls
   * finish within `graceMs`, then cut what is left.
   */
  close(graceMs?: number): Promise<void>;
}

export const serverDefaults = {
  defaultDeadlineMs: 30_000,
  maxMessageBytes: 4 * 1024 * 1024,
  readinessIntervalMs: 5_000,
  readinessTimeoutMs: 2_000,
  maxConnectionAgeMs: 5 * 60_000,
  graceMs: 10_000,
};

function implementationOf(registration: ServiceRegistration, policy: CallPolicy): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const method of registration.service.methods) {
    const impl = registration.impl[method.localName];
    if (!impl) throw new Error(`${registration.service.typeName}: no handler for ${method.name}`);
    const validate = registration.validators[method.localName];
    implementation[method.localName] =
      method.methodKind === "server_streaming"
        ? serverStreamingHandler(method, impl, validate, policy)
        : unaryHandler(method, impl, validate, policy);
  }
  return implementation;
}

function bind(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port)));
  });
}

function shutdownWithin(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Starts a grpc-js server with health, reflection and the call policy around every handler. */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? silentLogger;
  const maxMessageBytes = options.maxMessageBytes ?? serverDefaults.maxMessageBytes;
  const maxConnectionAgeMs = options.maxConnectionAgeMs ?? serverDefaults.maxConnectionAgeMs;
  const server = new Server({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.max_connection_age_ms": maxConnectionAgeMs,
    "grpc.max_connection_age_grace_ms": 30_000,
  });
  const policy: CallPolicy = {
    defaultDeadlineMs: options.defaultDeadlineMs ?? serverDefaults.defaultDeadlineMs,
    authenticate: options.authenticate,
    log,
    callScope: options.callScope,
    openStreams: new Set(),
  };
  for (const registration of options.services) {
    server.addService(toGrpcServiceDefinition(registration.service), implementationOf(registration, policy));
  }
  const serviceNames = options.services.map((r) => r.service.typeName);
  attachReflection(server, options.services.map((r) => r.service));
  const health = attachHealth(server, {
    checks: options.readiness ?? {},
    serviceNames,
    intervalMs: options.readinessIntervalMs ?? serverDefaults.readinessIntervalMs,
    timeoutMs: options.readinessTimeoutMs ?? serverDefaults.readinessTimeoutMs,
    log,
  });

  const port = await bind(server, `${options.host ?? "0.0.0.0"}:${options.port}`);
  await health.refresh();
  log.info({ event: "rpc.listening", port, services: serviceNames, health: health.status });

  let closing: Promise<void> | undefined;
  return {
    port,
    health,
    close(graceMs = serverDefaults.graceMs) {
      closing ??= (async () => {
        health.markShuttingDown();
        health.stop();
        const shutdown = shutdownWithin(server, graceMs);
        for (const stream of policy.openStreams) {
          stream.abort(new RpcError(Code.Unavailable, "the server is shutting down: reconnect to continue"));
        }
        await shutdown;
        log.info({ event: "rpc.stopped", port });
      })();
      return closing;
    },
  };
}

export { status as grpcStatus };
