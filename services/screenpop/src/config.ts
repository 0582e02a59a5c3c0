import { durationMs, logLevel, port, url } from "@switchboard/config";
import { z } from "zod";

const natsName = (example: string) => z.string().regex(/^[\w-]{1,64}$/, { error: `expected 1-64 letters, digits, '_' or '-', e.g. ${example}` });
const grpcAddress = (service: string, port: number) => z.string().min(1, { error: `expected ${service}'s gRPC address, e.g. dns:///${service}:${port}` });

/** The screenpop service's environment; see README.md for each variable. */
export const ScreenPopConfig = z.object({
  PORT: port().default(50054),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: logLevel().default("info"),
  DATABASE_URL: url({ protocols: ["postgres", "postgresql"] }),
  NATS_URL: url({ protocols: ["nats", "tls"] }),
  /** identity's gRPC address, for the keys that verify access tokens. */
  IDENTITY_ADDR: grpcAddress("identity", 50051),
  /** recognition's gRPC address: lookups for pops, data sources for template checks. */
  RECOGNITION_ADDR: grpcAddress("recognition", 50052),
  /** Durable consumer of the call events; replicas share it. */
  CALL_EVENTS_CONSUMER: natsName("screenpop-rings").default("screenpop-rings"),
  /** Where a newly created consumer starts: "new" (calls from now on) or "all" the calls stream holds. */
  CALL_EVENTS_START_AT: z.enum(["new", "all"]).default("new"),
  /** The memory stream holding pops for the replay window. */
  RING_STREAM: natsName("SCREENPOP_RINGS").default("SCREENPOP_RINGS"),
  RING_SUBJECT_PREFIX: z.string().regex(/^[\w-]+(\.[\w-]+)*$/, { error: "expected a NATS subject prefix such as switchboard-internal.screenpop.rings" }).default("switchboard-internal.screenpop.rings"),
  /** How long a pop waits for a client that (re)connects: roughly a ringing phone's patience. */
  REPLAY_WINDOW: durationMs().default(30_000),
  /** Heartbeats keep idle streams open through proxies and load balancers. */
  HEARTBEAT_INTERVAL: durationMs().default(15_000),
  /** Deadline of the recognition lookup for a ringing call; past it the pop goes out unrecognised. */
  LOOKUP_TIMEOUT: durationMs().default(300),
  /** 1 on a single NATS server, 3 on a cluster. */
  NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  OTLP_ENDPOINT: url({ protocols: ["http", "https"] }).optional(),
});

export type ScreenPopConfig = z.output<typeof ScreenPopConfig>;
