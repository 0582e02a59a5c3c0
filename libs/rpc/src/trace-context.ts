import { context, propagation, type Context, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";
import type { Metadata } from "@grpc/grpc-js";

// W3C trace context travels in gRPC metadata (`traceparent`, `tracestate`).
// With no OpenTelemetry SDK registered these are no-ops, which is what a test
// or a service without telemetry wants.
const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key);
    return values.length === 0 ? undefined : values.map(String);
  },
};

const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

export function extractTraceContext(metadata: Metadata): Context {
  return propagation.extract(context.active(), metadata, metadataGetter);
}

export function injectTraceContext(metadata: Metadata, from: Context = context.active()): void {
  propagation.inject(from, metadata, metadataSetter);
}
