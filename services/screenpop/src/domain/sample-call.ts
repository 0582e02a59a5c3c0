import { isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js";
import type { FieldViolation } from "@switchboard/rpc";
import type { CallFacts } from "./call-values.js";

/** PreviewScript's sample call, read like a ringing call's number would be. */
export function readSampleCall(call: { number: string; extension: string; direction: string; region: string } | undefined): { call: CallFacts } | { problem: FieldViolation } {
  if (!call) return { problem: { field: "call", description: "must describe the sample call" } };
  const region = (call.region || "NL").toUpperCase();
  if (!isSupportedCountry(region)) return { problem: { field: "call.region", description: `"${call.region}" is not an ISO 3166 region code such as NL or DE` } };
  const number = parsePhoneNumberFromString(call.number.trim(), { defaultCountry: region, extract: false });
  if (!number?.isValid()) return { problem: { field: "call.number", description: `"${call.number}" is not a phone number (in ${region})` } };
  const direction = call.direction || "inbound";
  if (direction !== "inbound" && direction !== "outbound") return { problem: { field: "call.direction", description: 'must be "inbound" or "outbound"' } };
  return { call: { e164: number.number, raw: call.number, extension: call.extension, direction } };
}
