import { randomInt } from "node:crypto";
import { passwordRules } from "./password-policy.js";

const lower = "abcdefghijkmnopqrstuvwxyz";
const upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
const digits = "23456789";

/** A random 20-character password that meets the policy (one of each class, then random). */
export function generateInitialPassword(length = 20): string {
  const all = lower + upper + digits + passwordRules.specials;
  const pick = (set: string) => set[randomInt(set.length)]!;
  const chars = [pick(lower), pick(upper), pick(digits), pick(passwordRules.specials)];
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}
