/**
 * Renders an environment value for an error message without leaking secrets:
 * values of variables whose names mark them as secret are hidden, passwords
 * inside URLs are masked, and long values are shortened.
 */

// Name segments (split on "_") that mark a variable as secret: DB_PASSWORD,
// TOKEN_SIGNING_KEY, SUPPORT_API_TOKEN, KEK_BASE64 ...
const SECRET_SEGMENTS = new Set([
  "PASSWORD",
  "PASSWORDS",
  "PASSWD",
  "PASS",
  "SECRET",
  "SECRETS",
  "KEY",
  "KEYS",
  "TOKEN",
  "TOKENS",
  "CREDENTIAL",
  "CREDENTIALS",
  "PRIVATE",
  "KEK",
  "DEK",
  "SALT",
  "PEPPER",
]);

const MAX_SHOWN_LENGTH = 80;

// "scheme://user:password@" — the password part is everything up to the last
// "@" before the host, without crossing "/" (paths) or whitespace.
const URL_CREDENTIALS = /(\/\/[^/:@\s]*):[^/\s]*@/g;

export function isSecretName(variable: string): boolean {
  return variable
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .some((segment) => SECRET_SEGMENTS.has(segment));
}

export function maskUrlCredentials(value: string): string {
  return value.replace(URL_CREDENTIALS, "$1:***@");
}

/** How a received value appears in a config error message. */
export function describeReceived(variable: string, value: string | undefined): string {
  if (value === undefined) return "not set";
  if (isSecretName(variable)) return `a hidden value of ${value.length} characters`;
  const masked = maskUrlCredentials(value);
  if (masked.length <= MAX_SHOWN_LENGTH) return JSON.stringify(masked);
  return `${JSON.stringify(masked.slice(0, MAX_SHOWN_LENGTH))}… (${masked.length} characters)`;
}
