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

/** What a redaction pass removes: values under some keys, and patterns in free text. */
interface Rules {
  readonly isSensitive: (key: string) => boolean;
  readonly scrub: (text: string) => string;
}

const personalData: Rules = { isSensitive: isSensitiveKey, scrub: scrubText };

/** Returns `value` with personal data removed; the same reference when nothing changed. */
export function redactValue(value: unknown): unknown {
  return redactAny(personalData, value, [], 0);
}

/** Scrubs e-mail addresses and phone-number-like digit runs from free text. */
export function scrubText(text: string): string {
  return scrubPhoneNumbers(scrubEmails(text));
}

function redactAny(rules: Rules, value: unknown, ancestors: object[], depth: number): unknown {
  if (typeof value === "string") return rules.scrub(value);
  if (typeof value !== "object" || value === null) return value;
  if (ancestors.includes(value)) return CIRCULAR;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  ancestors.push(value);
  try {
    if (Array.isArray(value)) return redactArray(rules, value, ancestors, depth);
    if (value instanceof Error) return redactError(rules, value, ancestors, depth);
    if (isPlainObject(value)) return redactObject(rules, value as Record<string, unknown>, ancestors, depth);
    return value; // Date, Buffer, Map ...: serialised by their own rules, no free text
  } finally {
    ancestors.pop();
  }
}

function redactArray(rules: Rules, array: readonly unknown[], ancestors: object[], depth: number): unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    const redacted = redactAny(rules, item, ancestors, depth + 1);
    if (redacted !== item) {
      copy ??= array.slice();
      copy[i] = redacted;
    }
  }
  return copy ?? (array as unknown[]);
}

function redactObject(rules: Rules, object: Record<string, unknown>, ancestors: object[], depth: number): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    const item = object[key];
    const redacted = redactEntry(rules, key, item, ancestors, depth);
    if (redacted !== item) {
      copy ??= { ...object };
      copy[key] = redacted;
    }
  }
  return copy ?? object;
}

function redactEntry(rules: Rules, key: string, value: unknown, ancestors: object[], depth: number): unknown {
  if (value === undefined || value === null) return value;
  if (TRUSTED_KEYS.has(key)) return value;
  if (rules.isSensitive(key)) return REDACTED;
  return redactAny(rules, value, ancestors, depth + 1);
}

/**
 * An Error becomes the plain object pino's err serializer would make
 * ({ type, message, stack, …own fields }), with its text scrubbed: messages
 * and stacks quote the input that failed. An error `code` is kept when it
 * is a status number or an ERROR_CODE, since that is what operators search.
 */
function redactError(rules: Rules, error: Error, ancestors: object[], depth: number): Record<string, unknown> {
  const plain: Record<string, unknown> = { type: error.constructor?.name ?? error.name, message: rules.scrub(error.message) };
  if (error.stack !== undefined) plain.stack = rules.scrub(error.stack);
  for (const key of Object.keys(error)) {
    const item = (error as unknown as Record<string, unknown>)[key];
    plain[key] = key === "code" && isErrorCode(item) ? item : redactEntry(rules, key, item, ancestors, depth);
  }
  if (error.cause !== undefined) plain.cause = redactAny(rules, error.cause, ancestors, depth + 1);
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

// ---- secrets only (debug sessions) -----------------------------------------

// A debug session may log a user's personal data (that is its point), but
// never credentials. A key is secret when, lower-cased without "_" and "-",
// it is one of these or contains one of the fragments.
const SECRET_KEYS = new Set(["code", "totp", "otp", "pin", "cookie", "setcookie", "authorization", "recoverycode", "recoverycodes", "passphrase"]);
const SECRET_KEY_FRAGMENTS = ["password", "secret", "token", "apikey", "privatekey", "credential", "passcode", "totp", "mfacode", "otpcode", "authcode", "verificationcode"];

export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[-_]/g, "");
  return SECRET_KEYS.has(normalized) || normalized.endsWith("otp") || SECRET_KEY_FRAGMENTS.some((fragment) => normalized.includes(fragment));
}

// Each pattern has a single quantified run bounded by a class that cannot
// match its own delimiter, so matching stays linear on hostile input.
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const OTPAUTH_URI = /otpauth:\/\/[^\s"']+/gi;
const SECRET_ASSIGNMENT = /\b(password|passwd|pwd|secret|token|access_token|refresh_token|api_key|apikey|code|otp|totp)(["']?\s*[=:]\s*["']?)[^\s&"',;}]+/gi;
// identity's refresh tokens: <tenant uuid>.<session uuid>.<base64url secret>
const REFRESH_TOKEN = /\b[0-9a-f]{8}-[0-9a-f-]{27}\.[0-9a-f]{8}-[0-9a-f-]{27}\.[A-Za-z0-9_-]{16,}/gi;
const URL_PASSWORD = /(\/\/[^\s:/@]+):[^\s@/]+@/g;
const OTP_IN_PROSE = /\b(code|otp|totp|passcode)(\s+is)?(\s*#?\s*)\d{6,8}\b/gi;

/** Scrubs tokens, passwords and one-time codes from free text; personal data stays. */
export function scrubSecrets(text: string): string {
  if (text.length < 4) return text;
  return text
    .replace(JWT, REDACTED)
    .replace(REFRESH_TOKEN, REDACTED)
    .replace(BEARER, (_match, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(OTPAUTH_URI, REDACTED)
    .replace(SECRET_ASSIGNMENT, (_match, key: string, separator: string) => `${key}${separator}${REDACTED}`)
    .replace(URL_PASSWORD, (_match, user: string) => `${user}:${REDACTED}@`)
    .replace(OTP_IN_PROSE, (_match, word: string, is: string | undefined, separator: string) => `${word}${is ?? ""}${separator}${REDACTED}`);
}

const secretsOnly: Rules = { isSensitive: isSecretKey, scrub: scrubSecrets };

/**
 * Redaction for a support debug session's own store: passwords, tokens,
 * one-time codes and secrets go, at any depth and inside free text; names,
 * numbers and addresses stay, because finding the problem needs them.
 */
export function redactSecrets(value: unknown): unknown {
  return redactAny(secretsOnly, value, [], 0);
}
