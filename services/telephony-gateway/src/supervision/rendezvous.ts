import { createHash } from "node:crypto";

/**
 * Which live replica should hold a connection (highest random weight):
 * every replica computes the same answer, and when one replica joins or
 * leaves only the connections it wins or held move.
 */
export function preferredReplica(connectionId: string, replicas: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = "";
  for (const replica of replicas) {
    const weight = createHash("sha256").update(`${replica}\n${connectionId}`).digest("hex");
    if (weight > bestWeight) {
      best = replica;
      bestWeight = weight;
    }
  }
  return best;
}
