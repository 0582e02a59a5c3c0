/**
 * Removes personal data from what is about to be logged:
 * - the value under any key that names personal or secret data (at any depth);
 * - e-mail addresses and phone-number-like digit runs inside any string.
 *
 * Values that need no change are returned as the same reference, so the
 * common log line (ids, counts, event names) costs a walk but no copy.
 * Everything here is linear in the input: no regular expression with nested
 * or backtracking quantifiers runs over caller-controlled text.
 */

export const REDACTED = "[REDACTED]";
export const EMAIL_REPLACEMENT = "[EMAIL]";
export const PHONE_REPLACEMENT = "[PHONE]";
const CIRCULAR = "[Circular]";
const TOO_DEEP = "[Too deep]";
const MAX_DEPTH = 24;

// Compared after lower-casing and removing "_" and "-", so caller_number,
// callerNumber and Caller-Number all match.
const SENSITIVE_KEYS = new Set([
  "name",
  "firstname",
  "lastname",
  "middlename",
  "fullname",
  "displayname",
  "username",
  "email",
  "emailaddress",
  "mail",
  "phone",
  "phonenumber",
  "mobile",
  "number",
  "callernumber",
  "callednumber",
  "e164",
  "address",
  "street",
  "postalcode",
  "zip",
  "birthdate",
  "dateofbirth",
  "password",
  "newpassword",
  "oldpassword",
  "passwordhash",
  "secret",
  "totpsecret",
  "clientsecret",
  "token",
  "accesstoken",
  "refreshtoken",
  "idtoken",
  "apikey",
  "authorization",
  "cookie",
  "setcookie",
  "totp",
  "code",
  "recoverycode",
  "recoverycodes",
]);

// Keys whose values are known to be safe identifiers that only look like
// digit runs by accident (trace ids are hex).
const TRUSTED_KEYS = new Set(["trace_id", "span_id"]);

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEYS.has(key.toLowerCase().replace(/[-_]/g, ""));
}

/** Returns `value` with personal data removed; the same reference when nothing changed. */
export function redactValue(value: unknown): unknown {
  return redactAny(value, [], 0);
}

/** Scrubs e-mail addresses and phone-number-like digit runs from free text. */
export function scrubText(text: string): string {
  return scrubPhoneNumbers(scrubEmails(text));
}

function redactAny(value: unknown, ancestors: object[], depth: number): unknown {
  if (typeof value === "string") return scrubText(value);
  if (typeof value !== "object" || value === null) return value;
  if (ancestors.includes(value)) return CIRCULAR;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  ancestors.push(value);
  try {
    if (Array.isArray(value)) return redactArray(value, ancestors, depth);
    if (value instanceof Error) return redactError(value, ancestors, depth);
    if (isPlainObject(value)) return redactObject(value as Record<string, unknown>, ancestors, depth);
    return value; // Date, Buffer, Map ...: serialised by their own rules, no free text
  } finally {
    ancestors.pop();
  }
}

function redactArray(array: readonly unknown[], ancestors: object[], depth: number): unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    const redacted = redactAny(item, ancestors, depth + 1);
    if (redacted !== item) {
      copy ??= array.slice();
      copy[i] = redacted;
    }
  }
  return copy ?? (array as unknown[]);
}

function redactObject(object: Record<string, unknown>, ancestors: object[], depth: number): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    const item = object[key];
    const redacted = redactEntry(key, item, ancestors, depth);
    if (redacted !== item) {
      copy ??= { ...object };
      copy[key] = redacted;
    }
  }
  return copy ?? object;
}

function redactEntry(key: string, value: unknown, ancestors: object[], depth: number): unknown {
  if (value === undefined || value === null) return value;
  if (TRUSTED_KEYS.has(key)) return value;
  if (isSensitiveKey(key)) return REDACTED;
  return redactAny(value, ancestors, depth + 1);
}

/**
 * An Error becomes the plain object pino's err serializer would make
 * ({ type, message, stack, …own fields }), with its text scrubbed: messages
 * and stacks quote the input that failed. An error `code` is kept when it
 * is a status number or an ERROR_CODE, since that is what operators search.
 */
function redactError(error: Error, ancestors: object[], depth: number): Record<string, unknown> {
  const plain: Record<string, unknown> = { type: error.constructor?.name ?? error.name, message: scrubText(error.message) };
  if (error.stack !== undefined) plain.stack = scrubText(error.stack);
  for (const key of Object.keys(error)) {
    const item = (error as unknown as Record<string, unknown>)[key];
    plain[key] = key === "code" && isErrorCode(item) ? item : redactEntry(key, item, ancestors, depth);
  }
  if (error.cause !== undefined) plain.cause = redactAny(error.cause, ancestors, depth + 1);
  return plain;
}

function isErrorCode(value: unknown): boolean {
  return typeof value === "number" || (typeof value === "string" && /^[A-Z][A-Z0-9_]*$/.test(value));
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// ---- e-mail addresses ------------------------------------------------------

// The local-part characters people actually use (RFC 5321 allows more, but
// "=", "?" and "/" would swallow the URL an address sits in). Lengths are the
// RFC limits and also bound the work per "@".
const LOCAL_PART = /[A-Za-z0-9._%+-]/;
const DOMAIN_PART = /[A-Za-z0-9.-]/;
const MAX_LOCAL_LENGTH = 64;
const MAX_DOMAIN_LENGTH = 255;

/**
 * Finds each "@" (or its URL encoding "%40") and grows the address outwards
 * over local-part and domain characters; an address needs a non-empty local
 * part and a domain with a dot and a letter-only top-level label of 2+ letters.
 */
function scrubEmails(text: string): string {
  if (!text.includes("@") && !text.includes("%40")) return text;
  let out = "";
  let copiedUpTo = 0;
  let previousAtEnd = 0;
  let i = 0;
  while (i < text.length) {
    const atLength = text.startsWith("@", i) ? 1 : text.startsWith("%40", i) ? 3 : 0;
    if (atLength === 0) {
      i++;
      continue;
    }
    const leftLimit = Math.max(copiedUpTo, previousAtEnd, i - MAX_LOCAL_LENGTH);
    let start = i;
    while (start > leftLimit && LOCAL_PART.test(text[start - 1] ?? "")) start--;
    const rightLimit = Math.min(text.length, i + atLength + MAX_DOMAIN_LENGTH);
    let end = i + atLength;
    while (end < rightLimit && DOMAIN_PART.test(text[end] ?? "")) end++;
    previousAtEnd = i + atLength;
    // A domain ends with a letter label: trim trailing dots and hyphens ("a@b.nl.").
    while (end > i + atLength && /[.-]/.test(text[end - 1] ?? "")) end--;
    if (start < i && looksLikeDomain(text.slice(i + atLength, end))) {
      out += text.slice(copiedUpTo, start) + EMAIL_REPLACEMENT;
      copiedUpTo = end;
      i = end;
    } else {
      i += atLength;
    }
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

function looksLikeDomain(domain: string): boolean {
  const lastDot = domain.lastIndexOf(".");
  return lastDot > 0 && /^[A-Za-z]{2,}$/.test(domain.slice(lastDot + 1));
}

// ---- phone numbers ---------------------------------------------------------

// A run of digits and the separators people write phone numbers with. The
// class has a single greedy quantifier and nothing after it, so matching is
// linear; whether a run is a phone number is decided in code below.
const DIGIT_RUN = /[+(]?\d[\d \-()]*/g;
const MIN_PHONE_DIGITS = 7;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?: \d{1,2})?$/;

function scrubPhoneNumbers(text: string): string {
  if (!/\d/.test(text)) return text;
  return text.replace(DIGIT_RUN, (run: string, offset: number) => {
    const trimmed = trimSeparators(run);
    if (countDigits(trimmed) < MIN_PHONE_DIGITS) return run;
    if (ISO_DATE.test(trimmed)) return run;
    if (isInsideToken(text, offset, offset + trimmed.length)) return run;
    return PHONE_REPLACEMENT + run.slice(trimmed.length);
  });
}

/** Drops trailing separators ("123 4567 (" → "123 4567") without a backtracking regex. */
function trimSeparators(run: string): string {
  let end = run.length;
  while (end > 0 && " -(".includes(run[end - 1] ?? "0")) end--;
  return run.slice(0, end);
}

function countDigits(text: string): number {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  return digits;
}

const WORD_CHAR = /[A-Za-z0-9_]/;

/**
 * True when the digit run is glued to letters — part of a hex id, a UUID
 * ("…-a716-446655440000") or a unit ("1500000ms") — rather than standing alone.
 */
function isInsideToken(text: string, start: number, end: number): boolean {
  const before = text[start - 1] ?? "";
  const after = text[end] ?? "";
  if (WORD_CHAR.test(before) || WORD_CHAR.test(after)) return true;
  if ((before === "-" || before === ".") && WORD_CHAR.test(text[start - 2] ?? "")) return true;
  if (after === "-" && /[A-Za-z]/.test(text[end + 1] ?? "")) return true;
  return false;
}
