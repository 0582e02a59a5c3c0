import type {
  DescMessage,
  DescMethod,
  DescMethodServerStreaming,
  DescMethodUnary,
  DescService,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import type { Metadata } from "@grpc/grpc-js";
import type { FieldViolation } from "./errors.js";

/** Who is calling, as established by the auth-context hook from a verified token. */
export interface Caller {
  /** Token subject: a user id or a service-account id. */
  subject: string;
  /** The tenant the token was issued for; the only source of tenant identity. */
  tenantId: string;
  roles: readonly string[];
  /** Authentication methods used (`pwd`, `otp`): staff RPCs require `otp`. */
  amr: readonly string[];
  sessionId?: string;
  /** "user", "service" (a functional account) or "setup" (may only finish account set-up). */
  kind?: "user" | "service" | "setup";
}

/** The logging calls the runtime needs; pino loggers satisfy it. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A per-call logging scope, e.g. a support debug session for the caller:
 * handlers get `log` as `context.log`, and the handler runs inside `run`
 * (AsyncLocalStorage), so code below it that asks for the current logger
 * finds the same one.
 */
export interface CallScope {
  readonly log: Logger;
  run<T>(work: () => T): T;
}

/**
 * Picks a call's scope from the verified caller, never from request
 * metadata a client can set. Runs on every authenticated call: keep it to a
 * map lookup; undefined (the usual answer) leaves the call untouched.
 */
export type CallScopeSelector = (call: { caller: Caller; method: DescMethod; log: Logger }) => CallScope | undefined;

/** What a handler knows about the call besides the request. */
export interface HandlerContext {
  readonly method: DescMethod;
  /** Aborted when the deadline passes, the client cancels or the server shuts down. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds; Infinity for a stream without a deadline. Pass it on to downstream calls. */
  readonly deadline: number;
  readonly metadata: Metadata;
  readonly peer: string;
  /** Undefined when no auth hook is installed or the method allows anonymous calls. */
  readonly caller: Caller | undefined;
  readonly log: Logger;
}

export type UnaryImpl<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: HandlerContext,
) => Promise<MessageInitShape<O>> | MessageInitShape<O>;

export type ServerStreamingImpl<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: HandlerContext,
) => AsyncIterable<MessageInitShape<O>>;

export type MethodImpl<M extends DescMethod> =
  M extends DescMethodUnary<infer I, infer O>
    ? UnaryImpl<I, O>
    : M extends DescMethodServerStreaming<infer I, infer O>
      ? ServerStreamingImpl<I, O>
      : never;

/** One handler per RPC of the service, keyed by the method's localName (`lookup`). */
export type ServiceImpl<S extends DescService> = {
  [P in keyof S["method"]]: MethodImpl<S["method"][P]>;
};

/** Returns every problem with a request; an empty list means it is valid. */
export type RequestValidator<I extends DescMessage> = (request: MessageShape<I>) => FieldViolation[];

export type ServiceValidators<S extends DescService> = {
  [P in keyof S["method"]]?: S["method"][P] extends DescMethod ? RequestValidator<S["method"][P]["input"]> : never;
};

/**
 * Establishes the caller from request metadata. Throw RpcError(UNAUTHENTICATED)
 * for a bad token; return undefined for an anonymous call the method allows.
 */
export type AuthHook = (call: { method: DescMethod; metadata: Metadata }) => Promise<Caller | undefined> | Caller | undefined;

/** A service descriptor with its handlers, ready to be served. */
export interface ServiceRegistration {
  service: DescService;
  impl: Record<string, (request: never, context: HandlerContext) => unknown>;
  validators: Record<string, (request: never) => FieldViolation[]>;
}

/** Pairs a descriptor with its handlers and optional per-method request validators. */
export function registerService<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
  options: { validate?: ServiceValidators<S> } = {},
): ServiceRegistration {
  return {
    service,
    impl: impl as unknown as ServiceRegistration["impl"],
    validators: (options.validate ?? {}) as unknown as ServiceRegistration["validators"],
  };
}
