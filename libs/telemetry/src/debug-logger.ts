import { trace } from "@opentelemetry/api";
import { AsyncLocalStorage } from "node:async_hooks";
import { format } from "node:util";
import { pino, type Logger as PinoLogger } from "pino";
import { redactSecrets, scrubSecrets } from "./redact.js";

/** How verbose a support debug session is. */
export type DebugLevel = "debug" | "trace";

/** The support debug session a line belongs to: what tags it and where it goes. */
export interface DebugTarget {
  readonly sessionId: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly ticket: string;
  readonly level: DebugLevel;
}

/**
 * Where a session's lines go: the protected debug store, never stdout. Called
 * synchronously for every line, so it must not block (publish and return).
 */
export type DebugLineWriter = (target: DebugTarget, line: string) => void;

type LogFn = (objOrMsg: unknown, ...rest: unknown[]) => void;

/** The logging calls request code makes; pino loggers satisfy it, and so does a tee. */
export interface RequestLogger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Record<string, unknown>): RequestLogger;
}

/** What a base (service) logger must offer; the rpc Logger interface is enough. */
export interface BaseLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  trace?(obj: object, msg?: string): void;
  fatal?(obj: object, msg?: string): void;
  child?(bindings: Record<string, unknown>): BaseLogger;
}

/**
 * A pino logger for one debug session, writing to `write` (the protected
 * store) at the session's level. Every line carries the ticket and session;
 * personal data is kept (finding the user's problem needs it) but passwords,
 * tokens, one-time codes and secrets are redacted at any depth and in text.
 */
export function createDebugLogger(options: { service: string; target: DebugTarget; write: DebugLineWriter }): PinoLogger {
  const { target, write } = options;
  return pino(
    {
      level: target.level,
      base: {
        service: options.service,
        ticket: target.ticket,
        debug_session_id: target.sessionId,
        tenant_id: target.tenantId,
        user_id: target.userId,
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSecrets(object) as Record<string, unknown>,
      },
      serializers: { err: (error: unknown) => error },
      mixin: activeSpanIds,
      hooks: { logMethod: scrubMessageSecrets },
    },
    { write: (line: string) => write(target, line) },
  );
}

/**
 * A logger that writes every call twice: to the service's own logger (at
 * its level, personal data redacted, stdout) and to the session's debug
 * logger (at the session's level, secrets redacted, protected store).
 */
export function teeLogger(normal: BaseLogger, debug: PinoLogger): RequestLogger {
  const both =
    (level: "trace" | "debug" | "info" | "warn" | "error" | "fatal"): LogFn =>
    (...args) => {
      const normalLog = normal[level] as LogFn | undefined;
      normalLog?.apply(normal, args);
      (debug[level] as LogFn).apply(debug, args);
    };
  return {
    trace: both("trace"),
    debug: both("debug"),
    info: both("info"),
    warn: both("warn"),
    error: both("error"),
    fatal: both("fatal"),
    child: (bindings) => teeLogger(normal.child?.(bindings) ?? normal, debug.child(bindings)),
  };
}

const requestLogger = new AsyncLocalStorage<RequestLogger>();

/** Runs `work` with `logger` as the request's logger for everything it calls, awaits included. */
export function runWithLogger<T>(logger: RequestLogger, work: () => T): T {
  return requestLogger.run(logger, work);
}

/** The logger of the request being handled (a debug session's tee), or `fallback` outside one. */
export function currentLogger<L extends BaseLogger>(fallback: L): RequestLogger | L {
  return requestLogger.getStore() ?? fallback;
}

/**
 * A logger for domain code that has no request context at hand: each call
 * goes to the current request's logger when one is set (a support debug
 * session for the caller), otherwise to `base`. Costs one AsyncLocalStorage
 * read per call.
 */
export function contextLogger(base: BaseLogger): RequestLogger {
  const route =
    (level: "trace" | "debug" | "info" | "warn" | "error" | "fatal"): LogFn =>
    (...args) => {
      const target = (requestLogger.getStore() ?? base) as unknown as Record<string, LogFn | undefined>;
      target[level]?.apply(target, args);
    };
  return {
    trace: route("trace"),
    debug: route("debug"),
    info: route("info"),
    warn: route("warn"),
    error: route("error"),
    fatal: route("fatal"),
    child: (bindings) => contextChild(base, bindings),
  };
}

function contextChild(base: BaseLogger, bindings: Record<string, unknown>): RequestLogger {
  const baseChild = base.child?.(bindings) ?? base;
  const route =
    (level: "trace" | "debug" | "info" | "warn" | "error" | "fatal"): LogFn =>
    (...args) => {
      const scoped = requestLogger.getStore();
      const target = (scoped ? scoped.child(bindings) : baseChild) as unknown as Record<string, LogFn | undefined>;
      target[level]?.apply(target, args);
    };
  return {
    trace: route("trace"),
    debug: route("debug"),
    info: route("info"),
    warn: route("warn"),
    error: route("error"),
    fatal: route("fatal"),
    child: (more) => contextChild(base, { ...bindings, ...more }),
  };
}

function activeSpanIds(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  if (context === undefined || !trace.isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}

/** The message never reaches `formatters.log`: secrets in it (and in printf arguments) are scrubbed here. */
function scrubMessageSecrets(this: PinoLogger, args: Parameters<PinoLogger["info"]>, method: (...args: unknown[]) => void): void {
  const [first, ...rest] = args as unknown[];
  if (typeof first === "string") {
    method.apply(this, [scrubSecrets(interpolate(first, rest))]);
    return;
  }
  const [message, ...values] = rest;
  if (typeof message === "string") {
    method.apply(this, [first, scrubSecrets(interpolate(message, values))]);
  } else if (message === undefined && first instanceof Error) {
    method.apply(this, [first, scrubSecrets(first.message)]);
  } else {
    method.apply(this, args as unknown[]);
  }
}

function interpolate(message: string, values: unknown[]): string {
  return values.length === 0 ? message : format(message, ...values.map(redactSecrets));
}
