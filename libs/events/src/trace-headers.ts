import { context, propagation, ROOT_CONTEXT, type Context, type TextMapGetter } from "@opentelemetry/api";

/** W3C trace context as carried in message headers and outbox rows. */
export interface TraceHeaders {
  traceparent?: string;
  tracestate?: string;
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The trace context to send along: an explicit `traceparent` if given (tests,
 * or a caller bridging another tracer), otherwise whatever the registered
 * OpenTelemetry propagator injects from the active context (nothing without
 * an SDK).
 */
export function captureTraceHeaders(explicitTraceparent?: string): TraceHeaders {
  if (explicitTraceparent !== undefined) {
    if (!TRACEPARENT.test(explicitTraceparent)) {
      throw new TypeError(`traceparent ${JSON.stringify(explicitTraceparent)} is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)`);
    }
    return { traceparent: explicitTraceparent };
  }
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier, {
    set: (target, key, value) => {
      target[key] = value;
    },
  });
  const headers: TraceHeaders = {};
  if (carrier.traceparent) headers.traceparent = carrier.traceparent;
  if (carrier.tracestate) headers.tracestate = carrier.tracestate;
  return headers;
}

const headersGetter: TextMapGetter<TraceHeaders> = {
  get: (carrier, key) => (key === "traceparent" || key === "tracestate" ? carrier[key] : undefined),
  keys: (carrier) => Object.keys(carrier),
};

/** The context a consumer runs its handler in: the publisher's trace, if one came along. */
export function contextFromTraceHeaders(headers: TraceHeaders): Context {
  return propagation.extract(ROOT_CONTEXT, headers, headersGetter);
}
