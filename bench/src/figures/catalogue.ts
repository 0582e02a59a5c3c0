/** A figure: one operation at one concurrency, optionally compared with another figure of the same run. */
export interface Figure {
  id: string;
  suite: string;
  label: string;
  operation: string;
  concurrency: number;
  args?: Record<string, string>;
  /** The figure this one is read against, and on which number. */
  compareWith?: { id: string; on: "p50" | "throughput" };
  /** What a batch operation's units are ("rows", "events"); throughput ratios then compare units per second. */
  unit?: string;
  /** Needs the echo server's address in args.target. */
  needsEchoServer?: boolean;
}

/**
 * The foundation's baselines (E, R, P, U, J), measured first so every later
 * figure can be stated as a ratio to them, then each issue's own figures.
 * Adding a figure: an operation in operations.ts and a line here.
 */
export const figures: Figure[] = [
  { id: "E1", suite: "baselines", label: "E: grpc-js echo unary", operation: "echo", concurrency: 1, needsEchoServer: true },
  { id: "E32", suite: "baselines", label: "E: grpc-js echo unary, saturated", operation: "echo", concurrency: 32, needsEchoServer: true, compareWith: { id: "E1", on: "throughput" } },
  { id: "E1b", suite: "baselines", label: "E on bare grpc-js (no libs/rpc policy layer)", operation: "echo-bare", concurrency: 1, needsEchoServer: true, compareWith: { id: "E1", on: "p50" } },
  { id: "E32b", suite: "baselines", label: "E on bare grpc-js, saturated", operation: "echo-bare", concurrency: 32, needsEchoServer: true, compareWith: { id: "E32", on: "throughput" } },
  { id: "R1", suite: "baselines", label: "R: ioredis GET", operation: "redis-get", concurrency: 1, compareWith: { id: "E1", on: "p50" } },
  { id: "R32", suite: "baselines", label: "R: ioredis GET, saturated", operation: "redis-get", concurrency: 32, compareWith: { id: "E32", on: "throughput" } },
  { id: "P1", suite: "baselines", label: "P: pg prepared primary-key SELECT", operation: "pg-select", concurrency: 1, compareWith: { id: "E1", on: "p50" } },
  { id: "P16", suite: "baselines", label: "P: pg prepared primary-key SELECT, 16-connection pool", operation: "pg-select", concurrency: 16, compareWith: { id: "E32", on: "throughput" } },
  { id: "U", suite: "baselines", label: "U: 1,000-row unnest upsert (per batch; rows/s)", operation: "pg-unnest", concurrency: 1 },
  { id: "J", suite: "baselines", label: "J: JetStream publish, 500 in flight (per ack)", operation: "js-publish", concurrency: 500, args: { subject: "bench.publish" }, compareWith: { id: "E32", on: "throughput" } },

  { id: "T0", suite: "identity", label: "token verification, no cache (Ed25519 signature check)", operation: "token-verify", concurrency: 1, args: { cached: "false" }, compareWith: { id: "E1", on: "p50" } },
  { id: "T1", suite: "identity", label: "token verification, verified-token cache hit", operation: "token-verify", concurrency: 1, args: { cached: "true" }, compareWith: { id: "T0", on: "p50" } },
  { id: "A1", suite: "identity", label: "sign-in: one Argon2id verification (m=19 MiB, t=2, p=1)", operation: "argon2-verify", concurrency: 1, compareWith: { id: "E1", on: "p50" } },

  { id: "L1", suite: "audit", label: "audit chain append, one tenant (transaction per event)", operation: "audit-append", concurrency: 8, args: { tenants: "1" }, compareWith: { id: "P16", on: "throughput" } },
  { id: "I1", suite: "audit", label: "audit ingestion, JetStream to committed chain entry, one tenant (two batches of 1,000 in flight)", operation: "audit-ingest", concurrency: 2, args: { tenants: "1", batch: "1000" }, compareWith: { id: "J", on: "throughput" }, unit: "events" },
  { id: "I8", suite: "audit", label: "audit ingestion, JetStream to committed chain entry, eight tenants", operation: "audit-ingest", concurrency: 2, args: { tenants: "8", batch: "1000" }, compareWith: { id: "I1", on: "throughput" }, unit: "events" },
  { id: "L8", suite: "audit", label: "audit chain append, eight tenants (transaction per event)", operation: "audit-append", concurrency: 8, args: { tenants: "8" }, compareWith: { id: "L1", on: "throughput" } },

  { id: "C64", suite: "telephony", label: "inbound call events, fake AMI peer → JetStream ack (per event)", operation: "telephony-ami-inbound", concurrency: 64, compareWith: { id: "J", on: "throughput" } },
  { id: "RH1", suite: "recognition", label: "Lookup, cache hit, client in another process", operation: "recognition-lookup", concurrency: 1, args: { cache: "hit" }, compareWith: { id: "E1", on: "p50" } },
  { id: "RH32", suite: "recognition", label: "Lookup, cache hit, saturated", operation: "recognition-lookup", concurrency: 32, args: { cache: "hit" }, compareWith: { id: "E32", on: "throughput" } },
  { id: "RH8", suite: "recognition", label: "Lookup, cache hit, under load (8 in flight)", operation: "recognition-lookup", concurrency: 8, args: { cache: "hit" }, compareWith: { id: "RH1", on: "p50" } },
  { id: "RM1", suite: "recognition", label: "Lookup, cache miss (GET, Postgres, SET)", operation: "recognition-lookup", concurrency: 1, args: { cache: "miss" }, compareWith: { id: "P1", on: "p50" } },
  { id: "RS", suite: "recognition", label: "Sync ingest, 1,000-record batches, every record new (rows/s)", operation: "recognition-sync", concurrency: 1, args: { changes: "all" }, compareWith: { id: "U", on: "throughput" } },
  { id: "RS0", suite: "recognition", label: "Re-sync, 1,000-record batches, nothing changed (rows/s)", operation: "recognition-sync", concurrency: 1, args: { changes: "none" }, compareWith: { id: "RS", on: "throughput" } },

  { id: "SP50", suite: "screenpop", label: "screen pop, PBX event on the AMI socket → pop at a client on the gateway, 50 calls/s, callers seen before (cache hit)", operation: "screenpop-pop", concurrency: 64, args: { rate: "50", callers: "seen" }, compareWith: { id: "C64", on: "p50" } },
  { id: "SP200", suite: "screenpop", label: "screen pop, PBX event on the AMI socket → pop at a client on the gateway, 200 calls/s, callers seen before (cache hit)", operation: "screenpop-pop", concurrency: 64, args: { rate: "200", callers: "seen" }, compareWith: { id: "SP50", on: "p50" } },
  { id: "SP200N", suite: "screenpop", label: "screen pop as SP200, every caller new to the recognition cache (a miss each)", operation: "screenpop-pop", concurrency: 64, args: { rate: "200", callers: "new" }, compareWith: { id: "SP200", on: "p50" } },
];

/** `chosen` plus every figure they are compared with (transitively), in catalogue order. */
export function withBaselines(chosen: Figure[], catalogue: Figure[]): Figure[] {
  const ids = new Set(chosen.map((f) => f.id));
  for (let added = true; added; ) {
    added = false;
    for (const figure of catalogue) {
      const base = figure.compareWith?.id;
      if (ids.has(figure.id) && base && !ids.has(base)) {
        ids.add(base);
        added = true;
      }
    }
  }
  return catalogue.filter((f) => ids.has(f.id));
}
