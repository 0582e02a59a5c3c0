import { JetStreamApiError } from "@nats-io/jetstream";

export function apiCode(error: unknown): number | undefined {
  return error instanceof JetStreamApiError ? error.code : undefined;
}
