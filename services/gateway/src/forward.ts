import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter } from "@opentelemetry/api";
import { createClient, silentLogger, type CallOptions, type Channel, type Logger } from "@switchboard/rpc";
import type { RouteTable } from "./routes.js";
import { clientAddressKey, type EdgeAuthenticator } from "./edge-auth.js";
import { toConnectError } from "./upstream-error.js";

export interface ForwardOptions {
  /** Deadline for unary calls whose client sent no timeout; streams get none (they are long-lived). */
  defaultTimeoutMs: number;
  log?: Logger;
  /** Aborted (with the error to send) when the gateway shuts down: open streams end, unary calls finish. */
  streamsClosing?: AbortSignal;
  /** Verifies the caller's token before forwarding (absent: the upstream alone decides). */
  authenticate?: EdgeAuthenticator;
}

interface ResolvedOptions {
  defaultTimeoutMs: number;
  log: Logger;
  streamsClosing: AbortSignal | undefined;
  authenticate: EdgeAuthenticator;
}

type ForwardFn = (request: unknown, context: HandlerContext) => unknown;
type UpstreamCall = (request: unknown, options: CallOptions) => unknown;

const tracer = trace.getTracer("@switchboard/gateway");

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/**
 * The trace the call belongs to. With the http auto-instrumentation the
 * request's server span is already active (itself continued from
 * `traceparent`); without it, the caller's `traceparent` header is read here.
 */
function parentContext(headers: Headers): Context {
  const active = context.active();
  return trace.getSpan(active) ? active : propagation.extract(active, headers, headerGetter);
}

function startSpan(method: DescMethod, headers: Headers): { span: Span; spanContext: Context } {
  const parent = parentContext(headers);
  const span = tracer.startSpan(
    `${method.parent.typeName}/${method.name}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { "rpc.system": "grpc", "rpc.service": method.parent.typeName, "rpc.method": method.name },
    },
    parent,
  );
  return { span, spanContext: trace.setSpan(parent, span) };
}

function callOptions(method: DescMethod, handler: HandlerContext, signal: AbortSignal, defaultTimeoutMs: number): CallOptions {
  const metadata: Record<string, string> = {};
  const authorization = handler.requestHeader.get("authorization");
  if (authorization !== null) metadata.authorization = authorization;
  // Always the socket's address: a client-sent x-client-address is never forwarded.
  const clientAddress = handler.values.get(clientAddressKey);
  if (clientAddress) metadata["x-client-address"] = clientAddress;
  const timeoutMs = handler.timeoutMs() ?? (method.methodKind === "unary" ? defaultTimeoutMs : undefined);
  return {
    ...(timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs }),
    signal,
    metadata,
  };
}

function forwardUnary(method: DescMethod, call: UpstreamCall, options: ResolvedOptions): ForwardFn {
  return async (request, handler) => {
    const { span, spanContext } = startSpan(method, handler.requestHeader);
    try {
      await options.authenticate(method, handler.requestHeader.get("authorization"));
      // The client injects trace context from the active context when the call starts.
      return await context.with(spanContext, () => call(request, callOptions(method, handler, handler.signal, options.defaultTimeoutMs)));
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw toConnectError(error, method, handler.signal, options.log);
    } finally {
      span.end();
    }
  };
}

function forwardServerStream(method: DescMethod, call: UpstreamCall, options: ResolvedOptions): ForwardFn {
  return async function* (request, handler) {
    const signal = options.streamsClosing ? AbortSignal.any([handler.signal, options.streamsClosing]) : handler.signal;
    if (signal.aborted) throw toConnectError(signal.reason, method, signal, options.log);
    await options.authenticate(method, handler.requestHeader.get("authorization")).catch((error: unknown) => {
      throw toConnectError(error, method, signal, options.log);
    });
    const { span, spanContext } = startSpan(method, handler.requestHeader);
    const messages = call(request, callOptions(method, handler, signal, options.defaultTimeoutMs)) as AsyncIterable<unknown>;
    const iterator = messages[Symbol.asyncIterator]();
    try {
      for (;;) {
        // The upstream call starts on the first next(): run it inside the trace.
        const next = await context.with(spanContext, () => iterator.next());
        if (next.done) return;
        yield next.value;
      }
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw toConnectError(error, method, signal, options.log);
    } finally {
      // Cancels the upstream call when the client went away mid-stream.
      await iterator.return?.();
      span.end();
    }
  };
}

/**
 * A connect implementation of `service` whose every method forwards to the
 * same method on `channel`: unary and server-streaming, with the caller's
 * deadline, Authorization header, trace context and cancellation.
 */
export function forwardingImplementation(service: DescService, channel: Channel, options: ForwardOptions): Record<string, ForwardFn> {
  const resolved: ResolvedOptions = {
    defaultTimeoutMs: options.defaultTimeoutMs,
    log: options.log ?? silentLogger,
    streamsClosing: options.streamsClosing,
    authenticate: options.authenticate ?? (async () => {}),
  };
  const client = createClient(service, channel) as Record<string, UpstreamCall | undefined>;
  const implementation: Record<string, ForwardFn> = {};
  for (const method of service.methods) {
    const call = client[method.localName];
    if (!call) continue; // client- and bidi-streaming: connect answers UNIMPLEMENTED
    implementation[method.localName] =
      method.methodKind === "server_streaming" ? forwardServerStream(method, call, resolved) : forwardUnary(method, call, resolved);
  }
  return implementation;
}

/** Registers every exposed service of `routes` on `router`, forwarding to its upstream. */
export function registerRoutes(router: ConnectRouter, routes: RouteTable, options: ForwardOptions): void {
  for (const { service, channel } of routes) {
    router.service(service, forwardingImplementation(service, channel, options) as never);
  }
}
