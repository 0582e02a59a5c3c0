/**
 * The slice of a pino logger this library uses, so callers can pass the
 * service's logger (from @switchboard/telemetry) or nothing at all.
 * Objects carry an `event` name plus ids and counts, never personal data.
 */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Swallows everything: the default when a caller passes no logger. */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
};

/**
 * Prints the human message (or the object when there is none) on stdout /
 * stderr: meant for one-shot commands such as `migrate` where a person reads
 * the output.
 */
export const consoleLogger: Logger = {
  info(obj, msg) {
    console.log(msg ?? JSON.stringify(obj));
  },
  warn(obj, msg) {
    console.warn(msg ?? JSON.stringify(obj));
  },
  error(obj, msg) {
    console.error(msg ?? JSON.stringify(obj));
  },
};

/** Error details fit for a log line: message and code, no stack, no SQL parameters. */
export function describeError(err: unknown): { message: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" ? { message: err.message, code } : { message: err.message };
  }
  return { message: String(err) };
}
