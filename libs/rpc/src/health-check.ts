import { credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";

export type ServingStatusName = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

const HealthClient = makeGenericClientConstructor(healthService as never, "Health");

/**
 * Asks a server's grpc.health.v1 service for its status: what the Kubernetes
 * probe does, for scripts (make up) and for callers checking an upstream.
 */
export function checkHealth(target: string, service = "", timeoutMs = 2_000): Promise<ServingStatusName> {
  const client = new HealthClient(target, credentials.createInsecure());
  return new Promise<ServingStatusName>((resolve, reject) => {
    (client as unknown as {
      check(request: { service: string }, options: { deadline: number }, callback: (error: ServiceError | null, response?: { status: ServingStatusName }) => void): void;
    }).check({ service }, { deadline: Date.now() + timeoutMs }, (error, response) => {
      if (error) reject(error);
      else resolve(response?.status ?? "UNKNOWN");
    });
  }).finally(() => client.close());
}
