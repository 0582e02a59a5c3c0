import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type { Server } from "@grpc/grpc-js";
import type { Logger } from "./types.js";

/** A dependency the service needs to do useful work; throws when it is unreachable. */
export type ReadinessCheck = () => Promise<unknown>;

export interface HealthOptions {
  /** Named checks, e.g. `{ postgres: () => pingDatabase(db) }`. */
  checks: Record<string, ReadinessCheck>;
  serviceNames: readonly string[];
  intervalMs: number;
  timeoutMs: number;
  log: Logger;
}

export interface HealthReporter {
  /** The last computed status. */
  readonly status: ServingStatus;
  /** Runs every check now and publishes the result. */
  refresh(): Promise<ServingStatus>;
  /** Reports NOT_SERVING from now on (shutdown): Kubernetes stops routing to the pod. */
  markShuttingDown(): void;
  stop(): void;
}

function withTimeout(check: ReadinessCheck, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    check().then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/**
 * The name the liveness probe asks for. It answers SERVING whenever the
 * process can answer at all: a pod whose database is down is not ready, but
 * restarting it would not bring the database back, and a crash-loop back-off
 * would only delay the recovery.
 */
export const LIVENESS_SERVICE = "liveness";

/**
 * Serves `grpc.health.v1.Health` (Kubernetes gRPC probes, grpcurl) with a
 * status that follows the readiness of the service's dependencies: the
 * overall service ("") and each registered service flip together.
 * `LIVENESS_SERVICE` stays SERVING whatever the dependencies say.
 */
export function attachHealth(server: Server, options: HealthOptions): HealthReporter {
  const health = new HealthImplementation();
  health.addToServer(server);
  const names = ["", ...options.serviceNames];
  let status: ServingStatus = "NOT_SERVING";
  let shuttingDown = false;
  const failing = new Set<string>();

  const publish = (next: ServingStatus) => {
    status = next;
    for (const name of names) health.setStatus(name, next);
  };
  publish("NOT_SERVING");
  health.setStatus(LIVENESS_SERVICE, "SERVING");

  const refresh = async (): Promise<ServingStatus> => {
    const results = await Promise.allSettled(
      Object.entries(options.checks).map(async ([name, check]) => {
        try {
          await withTimeout(check, options.timeoutMs);
          if (failing.delete(name)) options.log.info({ event: "health.dependency_recovered", dependency: name });
        } catch (error) {
          if (!failing.has(name)) {
            failing.add(name);
            options.log.warn({ event: "health.dependency_down", dependency: name, reason: (error as Error).message });
          }
          throw error;
        }
      }),
    );
    if (!shuttingDown) publish(results.every((r) => r.status === "fulfilled") ? "SERVING" : "NOT_SERVING");
    return status;
  };

  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void refresh().finally(() => (running = false));
  }, options.intervalMs);
  timer.unref();

  return {
    get status() {
      return status;
    },
    refresh,
    markShuttingDown() {
      shuttingDown = true;
      publish("NOT_SERVING");
    },
    stop() {
      clearInterval(timer);
    },
  };
}
