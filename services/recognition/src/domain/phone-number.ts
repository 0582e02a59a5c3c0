import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";

/** Why a caller id is answered "not recognised" without a lookup, or why a synced number is refused. */
export type Unreadable = "withheld" | "extension" | "not_a_number" | "needs_region";

export type NormalizedNumber = { ok: true; e164: string } | { ok: false; why: Unreadable };

// What PBXs and carriers put in the caller id when there is no number to show.
const withheld = /^(anonymous|unknown|unavailable|private|withheld|restricted|blocked|unbekannt|anoniem|priv[ée]|masqu[ée]|no ?caller ?id|cli ?withheld)$/i;

// Internal extensions are short; no public number in a national plan is this short.
const MAX_EXTENSION_DIGITS = 6;

/**
 * Reads a phone number in any common format as E.164 ("+31356990230"):
 * international ("+31 35 699 02 30", "+49 (0)30 123 45 67"), with the
 * international prefix ("0031356990230", "011 31 …" in the US) or national
 * ("035-6990230", "(035) 699 02 30") read with the organisation's region.
 * "00" is taken as an international prefix in every region, since agents
 * export numbers as European CRMs store them.
 */
export function normalizeNumber(raw: string, region: string | undefined): NormalizedNumber {
  const text = raw.trim().replace(/^tel:/i, "");
  if (withheld.test(text)) return { ok: false, why: "withheld" };
  const digits = text.replace(/\D/g, "");
  if (digits.length === 0 || /[a-z]{2,}/i.test(text)) return { ok: false, why: "not_a_number" };
  const international = text.startsWith("+") || digits.startsWith("00");
  if (!international && digits.length <= MAX_EXTENSION_DIGITS) return { ok: false, why: "extension" };

  const country = region ? (region.toUpperCase() as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(text, country);
  if (parsed?.isValid()) return { ok: true, e164: parsed.number };
  if (!text.startsWith("+") && digits.startsWith("00")) {
    const viaPlus = parsePhoneNumberFromString(`+${digits.slice(2)}`);
    if (viaPlus?.isValid()) return { ok: true, e164: viaPlus.number };
  }
  if (!international && !country) return { ok: false, why: "needs_region" };
  return { ok: false, why: "not_a_number" };
}

/** A reason a sync agent can act on, without echoing the number into logs or other records. */
export function describeUnreadable(why: Unreadable, field: string, region: string | undefined): string {
  switch (why) {
    case "withheld":
    case "not_a_number":
      return `${field} is not a valid phone number${region ? ` (national numbers are read for region ${region})` : ""}`;
    case "extension":
      return `${field} looks like an internal extension, not a phone number: send the full number`;
    case "needs_region":
      return `${field} is a national number, but the organisation's default region is not known yet: send it in international form (+…)`;
  }
}
