import { checkHealth } from "@switchboard/rpc";

export interface Readiness {
  ready: boolean;
  /** Per upstream name: SERVING, NOT_SERVING, ... or UNREACHABLE. */
  upstreams: Record<string, string>;
}

/**
 * Asks every upstream's grpc.health.v1 service at once. Ready only when all
 * of them answer SERVING: a gateway that cannot reach a service it exposes
 * should leave the load balancer's rotation, not fail calls. Addresses and
 * error texts stay out of the answer; the endpoint is on the public port.
 */
export async function checkReadiness(targets: Readonly<Record<string, string | undefined>>, timeoutMs: number): Promise<Readiness> {
  const entries = Object.entries(targets).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const statuses = await Promise.all(
    entries.map(([, target]) => checkHealth(target, "", timeoutMs).then(String, () => "UNREACHABLE")),
  );
  const upstreams = Object.fromEntries(entries.map(([name], index) => [name, statuses[index] ?? "UNKNOWN"]));
  return { ready: statuses.every((status) => status === "SERVING"), upstreams };
}
