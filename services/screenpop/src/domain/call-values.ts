import { parsePhoneNumberFromString } from "libphonenumber-js";

/** What a template can know about a call, before recognition. */
export interface CallFacts {
  /** E.164 when the caller id is a number; empty when withheld or not a number. */
  e164: string;
  /** As the PBX sent it. */
  raw: string;
  extension: string;
  direction: "inbound" | "outbound";
}

/** "+31356990230" → "0356990230": the number as dialled inside its own country, digits only. */
export function nationalDigits(e164: string): string {
  if (!e164) return "";
  const number = parsePhoneNumberFromString(e164);
  return number ? number.format("NATIONAL").replace(/[^\d]/g, "") : "";
}

/**
 * The placeholder values for one call and (when recognised) one match's
 * script fields. Built-in names win over a script field of the same name: a
 * CRM export cannot redefine {number}.
 */
export function placeholderValues(call: CallFacts, scriptParams: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    ...scriptParams,
    number: call.e164,
    number_national: nationalDigits(call.e164),
    extension: call.extension,
    direction: call.direction,
  };
}
