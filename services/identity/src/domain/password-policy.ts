import { dictionary } from "@zxcvbn-ts/language-common";

/**
 * The password rule is a customer commitment (at least 8 characters with an
 * upper-case letter, a lower-case letter, a digit and one of `#?!@$%^&*-`),
 * so it is enforced although NIST SP 800-63B-4 advises against composition
 * rules. What NIST does recommend is enforced too: a length cap high enough
 * for passphrases, and refusing passwords known from breaches.
 */
export const passwordRules = {
  minLength: 8,
  maxLength: 128,
  specials: "#?!@$%^&*-",
};

// ~49,000 most common passwords from public breach corpora, shipped with
// zxcvbn-ts; lower-cased for comparison.
const breached = new Set(dictionary["passwords-common"].map((p) => p.toLowerCase()));

/** The password with decoration people add to satisfy composition rules removed ("Password1!" -> "password"). */
function core(password: string): string {
  return password.toLowerCase().replace(/^[^a-z]+|[^a-z]+$/g, "");
}

export function isBreached(password: string): boolean {
  const lower = password.toLowerCase();
  if (breached.has(lower)) return true;
  const stripped = core(password);
  return stripped.length >= 4 && breached.has(stripped);
}

/** Every rule the password breaks, each as a sentence the user can act on; empty when it is acceptable. */
export function checkPassword(password: string, username: string): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < passwordRules.minLength) problems.push(`must be at least ${passwordRules.minLength} characters long`);
  if (length > passwordRules.maxLength) problems.push(`must be at most ${passwordRules.maxLength} characters long`);
  if (!/[A-Z]/.test(password)) problems.push("must contain an upper-case letter (A-Z)");
  if (!/[a-z]/.test(password)) problems.push("must contain a lower-case letter (a-z)");
  if (!/[0-9]/.test(password)) problems.push("must contain a digit (0-9)");
  if (![...password].some((c) => passwordRules.specials.includes(c))) {
    problems.push(`must contain one of these characters: ${passwordRules.specials}`);
  }
  const user = username.trim().toLowerCase();
  if (user.length > 0 && password.toLowerCase().includes(user)) problems.push("must not contain the username");
  if (isBreached(password)) problems.push("is too common: it appears in lists of breached passwords, choose another");
  return problems;
}
