import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from "libphonenumber-js";

/** A region libphonenumber knows ("NL"), or undefined. */
export function asRegion(region: string | undefined): CountryCode | undefined {
  const upper = region?.toUpperCase();
  return upper && isSupportedCountry(upper) ? upper : undefined;
}

function parse(raw: string, region: string | undefined): PhoneNumber | undefined {
  const text = raw.trim();
  // Only digits, spaces and the usual punctuation: "anonymous", "sip:..." or
  // an extension name are not numbers, however leniently one reads them.
  if (!/^[+()\d\s./-]{3,40}$/.test(text)) return undefined;
  const number = parsePhoneNumberFromString(text, { defaultCountry: asRegion(region), extract: false });
  return number?.isValid() ? number : undefined;
}

/** E.164 of a number as a PBX or a user wrote it, read with the tenant's default region; undefined when it is not one. */
export function toE164(raw: string, region: string | undefined): string | undefined {
  return parse(raw, region)?.number;
}

/**
 * How a number is handed to the PBX:
 * - `national`: digits as dialled inside the tenant's country ("0356990230"),
 *   international numbers with that country's exit prefix ("0044...");
 * - `e164`: "+31356990230", for PBXs whose dial plan takes it as is;
 * - `digits`: E.164 without the "+" ("31356990230").
 */
export type DialFormat = "national" | "e164" | "digits";

export function isDialFormat(value: string): value is DialFormat {
  return value === "national" || value === "e164" || value === "digits";
}

/** The string the PBX dials for an E.164 number. */
export function dialString(e164: string, region: string | undefined, format: DialFormat): string {
  if (format === "e164") return e164;
  if (format === "digits") return e164.slice(1);
  const number = parsePhoneNumberFromString(e164);
  const home = asRegion(region);
  if (!number || !home) return e164;
  const dialled = number.country === home ? number.format("NATIONAL") : number.format("IDD", { fromCountry: home });
  // Spaces and punctuation are for people; dial plans match digits.
  return (dialled ?? e164).replace(/[^\d+*#]/g, "");
}
