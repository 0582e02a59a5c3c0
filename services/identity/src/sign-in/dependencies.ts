import type { Kysely } from "kysely";
import type { Logger } from "@switchboard/rpc";
import type { FieldCipher } from "../store/field-cipher.js";
import type { MfaChallenges } from "../store/mfa-challenges.js";
import type { IdentityDatabase } from "../store/schema.js";
import type { SignInThrottle } from "../store/sign-in-throttle.js";
import type { SigningKeys } from "../store/signing-keys.js";

export interface TokenLifetimes {
  accessSeconds: number;
  refreshSeconds: number;
  sessionSeconds: number;
  setupSeconds: number;
}

export const defaultLifetimes: TokenLifetimes = {
  accessSeconds: 5 * 60,
  refreshSeconds: 12 * 60 * 60,
  sessionSeconds: 7 * 24 * 60 * 60,
  setupSeconds: 10 * 60,
};

/** Everything the sign-in flows touch, passed in so tests build their own. */
export interface IdentityDeps {
  db: Kysely<IdentityDatabase>;
  cipher: FieldCipher;
  keys: SigningKeys;
  throttle: SignInThrottle;
  challenges: MfaChallenges;
  lifetimes: TokenLifetimes;
  log: Logger;
  now?: () => number;
}
