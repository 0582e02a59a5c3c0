import { create, type DescMethod } from "@bufbuild/protobuf";
import type {
  handleServerStreamingCall,
  handleUnaryCall,
  ServerUnaryCall,
  ServerWritableStream,
  StatusObject,
} from "@grpc/grpc-js";
import { context, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { once } from "node:events";
import { abortAt, clientDeadline, effectiveDeadline } from "./deadline.js";
import { CallerRefusedError, Code, RpcError, toStatus } from "./errors.js";
import { extractTraceContext } from "./trace-context.js";
import type { AuthHook, CallScope, CallScopeSelector, Caller, HandlerContext, Logger } from "./types.js";

/** What every call shares: set once per server by `serve`. */
export interface CallPolicy {
  defaultDeadlineMs: number;
  authenticate: AuthHook | undefined;
  log: Logger;
  callScope?: CallScopeSelector | undefined;
  /** Open streams, aborted on shutdown so draining does not wait for them forever. */
  openStreams: Set<AbortController>;
}

type Validator = (request: never) => { field: string; description: string }[];
type Impl = (request: never, context: HandlerContext) => unknown;

const tracer = trace.getTracer("@switchboard/rpc");

// grpc-js also reports "cancelled" when a call ends normally; one shared
// reason keeps that from costing an Error (and its stack trace) per call.
const clientCancelled = new RpcError(Code.Cancelled, "the client cancelled the call");

function startServerSpan(method: DescMethod, call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>) {
  const parent = extractTraceContext(call.metadata);
  const span = tracer.startSpan(
    `${method.parent.typeName}/${method.name}`,
    {
      kind: SpanKind.SERVER,
      attributes: { "rpc.system": "grpc", "rpc.service": method.parent.typeName, "rpc.method": method.name },
    },
    parent,
  );
  return { span, spanContext: trace.setSpan(parent, span) };
}

function deadlineError(deadline: number, started: number): RpcError {
  return new RpcError(
    Code.DeadlineExceeded,
    `deadline exceeded after ${deadline - started} ms: retry with a longer deadline or try again later`,
  );
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/**
 * The common prologue, before any handler code: the caller, the caller's
 * logging scope, then validation — so a support debug session also records
 * its user's refused and invalid requests. A refusal carries the caller's
 * scope on the way out (`scope` is set before the throw).
 */
async function admit(
  method: DescMethod,
  request: unknown,
  call: { metadata: ServerUnaryCall<unknown, unknown>["metadata"] },
  policy: CallPolicy,
  validate: Validator | undefined,
  admitted: { caller?: Caller; scope?: CallScope },
): Promise<void> {
  try {
    admitted.caller = policy.authenticate ? await policy.authenticate({ method, metadata: call.metadata }) : undefined;
  } catch (error) {
    if (error instanceof CallerRefusedError) admitted.scope = scopeOf(method, error.caller, policy);
    throw error;
  }
  admitted.scope = scopeOf(method, admitted.caller, policy);
  const problems = validate ? validate(request as never) : [];
  if (problems.length > 0) throw RpcError.invalidArgument(problems);
}

function contextFor(
  method: DescMethod,
  call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>,
  controller: AbortController,
  deadline: number,
  caller: Caller | undefined,
  log: Logger,
): HandlerContext {
  return { method, signal: controller.signal, deadline, metadata: call.metadata, peer: call.getPeer(), caller, log };
}

/**
 * One line per successful call at debug level: an access log when a service
 * runs at debug, and what a support debug session records of its user's
 * calls (failures are logged by reportFailure).
 */
function logCompleted(log: Logger, method: DescMethod, started: number): void {
  log.debug({ event: "rpc.completed", method: `${method.parent.typeName}/${method.name}`, grpcCode: "OK", durationMs: Date.now() - started });
}

/** Only an authenticated caller can have a scope; without a selector this is one property read. */
function scopeOf(method: DescMethod, caller: Caller | undefined, policy: CallPolicy): CallScope | undefined {
  return caller !== undefined && policy.callScope !== undefined ? policy.callScope({ caller, method, log: policy.log }) : undefined;
}

function inScope<T>(scope: CallScope | undefined, work: () => T): T {
  return scope === undefined ? work() : scope.run(work);
}

function reportFailure(error: unknown, method: DescMethod, span: Span, log: Logger): Partial<StatusObject> {
  const { status, correlationId } = toStatus(error);
  const fields = { event: "rpc.failed", method: `${method.parent.typeName}/${method.name}`, grpcCode: Code[status.code] };
  if (correlationId) {
    log.error({ ...fields, correlationId, err: error }, "unexpected error in handler");
    span.recordException(error instanceof Error ? error : new Error(String(error)));
  } else {
    log.info(fields, status.details);
  }
  span.setStatus({ code: SpanStatusCode.ERROR, message: Code[status.code] });
  return { code: status.code as number, details: status.details, metadata: status.metadata };
}

export function unaryHandler(method: DescMethod, impl: Impl, validate: Validator | undefined, policy: CallPolicy): handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const started = Date.now();
    const deadline = effectiveDeadline(call.getDeadline(), policy.defaultDeadlineMs, started);
    const controller = new AbortController();
    const cancelTimer = abortAt(controller, deadline, () => deadlineError(deadline, started));
    call.once("cancelled", () => controller.abort(clientCancelled));
    const { span, spanContext } = startServerSpan(method, call);

    void context.with(spanContext, async () => {
      const admitted: { caller?: Caller; scope?: CallScope } = {};
      try {
        await admit(method, call.request, call, policy, validate, admitted);
        const { caller, scope } = admitted;
        const log = scope?.log ?? policy.log;
        const handlerContext = contextFor(method, call, controller, deadline, caller, log);
        const result = await inScope(scope, () => Promise.race([impl(call.request as never, handlerContext), rejectOnAbort(controller.signal)]));
        callback(null, create(method.output, result as never));
        logCompleted(log, method, started);
      } catch (error) {
        callback(reportFailure(error, method, span, admitted.scope?.log ?? policy.log));
      } finally {
        cancelTimer();
        span.end();
      }
    });
  };
}

export function serverStreamingHandler(method: DescMethod, impl: Impl, validate: Validator | undefined, policy: CallPolicy): handleServerStreamingCall<unknown, unknown> {
  return (call) => {
    const started = Date.now();
    const deadline = clientDeadline(call.getDeadline());
    const controller = new AbortController();
    const cancelTimer = abortAt(controller, deadline, () => deadlineError(deadline, started));
    call.once("cancelled", () => controller.abort(clientCancelled));
    policy.openStreams.add(controller);
    const { span, spanContext } = startServerSpan(method, call);

    void context.with(spanContext, async () => {
      const admitted: { caller?: Caller; scope?: CallScope } = {};
      try {
        await admit(method, call.request, call, policy, validate, admitted);
        const { caller, scope } = admitted;
        const log = scope?.log ?? policy.log;
        const handlerContext = contextFor(method, call, controller, deadline, caller, log);
        // The generator's body runs on each next(): the whole loop stays in scope.
        await inScope(scope, async () => {
          const messages = impl(call.request as never, handlerContext) as AsyncIterable<unknown>;
          const aborted = rejectOnAbort(controller.signal);
          aborted.catch(() => {});
          const iterator = messages[Symbol.asyncIterator]();
          try {
            for (;;) {
              const next = await Promise.race([iterator.next(), aborted]);
              if (next.done) break;
              if (!call.write(create(method.output, next.value as never))) {
                await Promise.race([once(call, "drain"), aborted]);
              }
            }
          } finally {
            // Lets the handler's generator run its `finally` (unsubscribe, release).
            void iterator.return?.();
          }
        });
        call.end();
        logCompleted(log, method, started);
      } catch (error) {
        if (controller.signal.reason === clientCancelled) {
          return; // the client is gone: nobody to tell
        }
        call.emit("error", reportFailure(error, method, span, admitted.scope?.log ?? policy.log));
      } finally {
        cancelTimer();
        policy.openStreams.delete(controller);
        span.end();
      }
    });
  };
}
