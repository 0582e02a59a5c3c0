import { SamplingDecision, context, propagation, trace, type Sampler } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { NodeSDK, type NodeSDKConfiguration } from "@opentelemetry/sdk-node";
import { createRequire } from "node:module";
import path from "node:path";

export interface TelemetryOptions {
  /** `service.name` on every span. */
  readonly serviceName: string;
  /**
   * OTLP/gRPC collector address, e.g. "http://otel-collector:4317". Without
   * it nothing is exported, but trace ids are still minted and propagated,
   * so log lines of one request share a trace_id.
   */
  readonly otlpEndpoint?: string | undefined;
  /**
   * Where the service's own modules resolve from; the running main file by
   * default. Used to patch the service's copies of pg, ioredis and http.
   */
  readonly resolveFrom?: string;
}

export interface Telemetry {
  /** Flushes pending spans, then unregisters everything started here. */
  shutdown(): Promise<void>;
}

type SpanProcessor = NonNullable<NodeSDKConfiguration["spanProcessors"]>[number];

/**
 * Starts OpenTelemetry for one service process: W3C trace-context (and
 * baggage) propagation, the AsyncLocalStorage context manager, and spans
 * from pg, ioredis and http.
 *
 * There is deliberately no instrumentation-grpc: libs/rpc carries trace
 * context itself, in metadata, around its protobuf-es descriptors, and opens
 * one span per RPC. That is explicit (it works the same for ESM and for
 * grpc-js loaded by whichever route) and avoids the second, duplicate span per
 * call the monkey-patching instrumentation would add.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const exporting = options.otlpEndpoint !== undefined && options.otlpEndpoint !== "";
  const instrumentations = [new HttpInstrumentation(), new PgInstrumentation(), new IORedisInstrumentation()];
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    textMapPropagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
    instrumentations,
    // Explicit (empty) lists so NodeSDK does not fall back to its OTEL_*
    // environment defaults, which would export to localhost:4318 and log
    // connection errors on every machine without a collector.
    metricReaders: [],
    logRecordProcessors: [],
    ...(exporting
      ? { traceExporter: new OTLPTraceExporter({ url: options.otlpEndpoint }) }
      : { spanProcessors: [discardingProcessor], sampler: neverRecord }),
  });
  sdk.start();
  patchLoadedModules(options.resolveFrom ?? process.argv[1] ?? path.join(process.cwd(), "index.js"));

  let stopped: Promise<void> | undefined;
  return {
    shutdown() {
      stopped ??= sdk.shutdown().finally(() => {
        for (const instrumentation of instrumentations) instrumentation.disable();
        trace.disable();
        context.disable();
        propagation.disable();
      });
      return stopped;
    },
  };
}

/**
 * Without an exporter, a sampler that records nothing still gives every new
 * root span fresh trace and span ids (the SDK mints them before sampling),
 * so ids reach logs and outgoing headers at the cost of an id, not a span.
 */
const neverRecord: Sampler = {
  shouldSample: () => ({ decision: SamplingDecision.NOT_RECORD }),
  toString: () => "NeverRecord",
};

// NodeSDK registers a tracer provider only when it has a span processor.
const discardingProcessor: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/**
 * The instrumentations patch modules as CommonJS `require` loads them. A
 * service is ESM: its static imports of pg, ioredis and node:http ran before
 * this function, and Node's ESM loader does not pass through `require`. The
 * patches act on shared prototypes and export objects, so requiring the same
 * files once more — resolved from the service's own location, hence the same
 * instances its imports got — applies them to what the service already holds.
 * Modules the service does not have are skipped.
 */
function patchLoadedModules(resolveFrom: string): void {
  const requireFromService = createRequire(resolveFrom);
  const load = (specifier: string, from = requireFromService): NodeJS.Require | undefined => {
    try {
      const resolved = from.resolve(specifier);
      from(specifier);
      return createRequire(resolved);
    } catch {
      return undefined;
    }
  };
  load("node:http");
  load("node:https");
  load("ioredis");
  const requireFromPg = load("pg");
  if (requireFromPg !== undefined) load("pg-pool", requireFromPg);
}
