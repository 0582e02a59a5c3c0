import { trace } from "@opentelemetry/api";
import { pino, type DestinationStream, type LevelWithSilent, type Logger as PinoLogger } from "pino";
import { format } from "node:util";
import { redactValue, scrubText } from "./redact.js";

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** Written on every line as `service`. */
  readonly service: string;
  /** Lowest level written; "info" by default. */
  readonly level?: LevelWithSilent;
  /** Where JSON lines go; stdout by default. Tests pass a stream to read them back. */
  readonly destination?: DestinationStream;
}

/**
 * A pino JSON logger. Every line carries `service` and, inside a traced
 * operation, the active span's `trace_id` and `span_id`. Personal data is
 * redacted before anything is serialised: values under personal or secret
 * keys at any depth, and e-mail addresses and phone numbers inside any
 * string, the message included (see redact.ts).
 */
export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      level: options.level ?? "info",
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // pino's own `redact` option takes fixed-depth paths; this walks any depth.
        bindings: (bindings) => redactValue(bindings) as Record<string, unknown>,
        log: (object) => redactValue(object) as Record<string, unknown>,
      },
      // Errors are already plain objects after formatters.log (redact.ts
      // serialises them the way pino's err serializer would, text scrubbed).
      serializers: { err: (error: unknown) => error },
      mixin: activeSpanIds,
      hooks: { logMethod: scrubMessage },
    },
    options.destination ?? pino.destination(1),
  );
  // pino applies `formatters.bindings` to the root's base only, and children
  // inherit methods through the prototype, so redacting here covers the
  // bindings of every descendant.
  const createChild = logger.child;
  logger.child = function childWithRedactedBindings(this: Logger, bindings, childOptions) {
    return createChild.call(this, redactValue(bindings) as typeof bindings, childOptions);
  } as Logger["child"];
  return logger;
}

function activeSpanIds(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  if (context === undefined || !trace.isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}

/**
 * The message never reaches `formatters.log`, so it is scrubbed here, after
 * printf-style interpolation (a number split over two `%s` would otherwise
 * slip through). An Error logged without a message lends its message, which
 * is scrubbed too.
 */
function scrubMessage(this: PinoLogger, args: Parameters<PinoLogger["info"]>, method: (...args: unknown[]) => void): void {
  const [first, ...rest] = args as unknown[];
  if (typeof first === "string") {
    method.apply(this, [scrubText(interpolate(first, rest))]);
    return;
  }
  const [message, ...values] = rest;
  const error = first instanceof Error ? first : errorOf(first);
  if (typeof message === "string") {
    method.apply(this, [first, scrubText(interpolate(message, values))]);
  } else if (message === undefined && error !== undefined) {
    method.apply(this, [first, scrubText(error.message)]);
  } else {
    method.apply(this, args as unknown[]);
  }
}

function interpolate(message: string, values: unknown[]): string {
  return values.length === 0 ? message : format(message, ...values.map(redactValue));
}

function errorOf(object: unknown): Error | undefined {
  if (typeof object !== "object" || object === null) return undefined;
  const candidate = (object as { err?: unknown }).err;
  return candidate instanceof Error ? candidate : undefined;
}
