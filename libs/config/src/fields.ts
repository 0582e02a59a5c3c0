import { z } from "zod";

/** Marks issues raised by `secret()`, whose received value must never be shown. */
export const SECRET_PARAM = "switchboardSecret";

/**
 * Field schemas for environment variables. Each takes the raw string and
 * yields a typed value; each failure message starts with "expected …" so a
 * ConfigError line reads "PORT: expected a TCP port (1-65535), got "http"".
 * Add a default with `.default(typedValue)`, e.g. `port().default(50051)`.
 */

/** A string that parses to T, or an issue saying what was expected. */
function parsed<T>(expected: string, parse: (raw: string) => T | undefined) {
  return z.string({ error: expected }).transform((raw, ctx) => {
    const value = parse(raw.trim());
    if (value === undefined) {
      ctx.addIssue(expected);
      return z.NEVER;
    }
    return value;
  });
}

function integerIn(raw: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(raw)) return undefined;
  const value = Number(raw);
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}

/** A TCP port, 1-65535. */
export function port() {
  return parsed("expected a TCP port (1-65535)", (raw) => integerIn(raw, 1, 65_535));
}

/** A whole number of at least 1. */
export function positiveInt() {
  return parsed("expected a whole number of at least 1", (raw) => integerIn(raw, 1, Number.MAX_SAFE_INTEGER));
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * A duration such as "250ms", "5s", "2m" or "1h", as milliseconds. A bare
 * number is refused: "5" could mean 5 ms or 5 s, and guessing wrong is a
 * silent outage.
 */
export function durationMs() {
  return parsed("expected a duration such as 250ms, 5s, 2m or 1h", (raw) => {
    const match = /^(\d+)(ms|s|m|h)$/.exec(raw);
    if (!match) return undefined;
    const value = Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? ""] ?? Number.NaN);
    return Number.isSafeInteger(value) ? value : undefined;
  });
}

const BOOLEANS: Record<string, boolean> = { true: true, "1": true, false: false, "0": false };

/** "true"/"1" or "false"/"0" (case-insensitive). */
export function bool() {
  return parsed('expected "true", "false", "1" or "0"', (raw) => BOOLEANS[raw.toLowerCase()]);
}

/** A comma-separated list; items are trimmed and empty items dropped. */
export function csv() {
  return z
    .string({ error: "expected a comma-separated list" })
    .transform((raw) => raw.split(",").map((item) => item.trim()).filter((item) => item.length > 0));
}

export interface UrlOptions {
  /** Accepted schemes, with or without the trailing colon: ["postgres", "postgresql:"]. */
  readonly protocols?: readonly string[];
}

/** An absolute URL, optionally restricted to some schemes; yields the string as given. */
export function url(options: UrlOptions = {}) {
  const protocols = (options.protocols ?? []).map((p) => (p.endsWith(":") ? p : `${p}:`).toLowerCase());
  const expected =
    protocols.length === 0
      ? "expected an absolute URL"
      : `expected a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`;
  return parsed(expected, (raw) => {
    if (!URL.canParse(raw)) return undefined;
    const { protocol } = new URL(raw);
    return protocols.length === 0 || protocols.includes(protocol) ? raw : undefined;
  });
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A pino log level. */
export function logLevel() {
  return parsed<LogLevel>(`expected one of ${LOG_LEVELS.join(", ")}`, (raw) =>
    LOG_LEVELS.find((level) => level === raw.toLowerCase()),
  );
}

export interface SecretOptions {
  /** Shortest accepted value; 32 by default (e.g. 32 random bytes, base64url-encoded, is 43). */
  readonly minLength?: number;
}

/**
 * A secret string of at least `minLength` characters. Its value never
 * appears in an error message (neither does any variable named like a secret).
 */
export function secret(options: SecretOptions = {}) {
  const minLength = options.minLength ?? 32;
  const expected = `expected a secret of at least ${minLength} characters`;
  return z
    .string({ error: expected })
    .refine((value) => value.length >= minLength, { error: expected, params: { [SECRET_PARAM]: true } });
}
