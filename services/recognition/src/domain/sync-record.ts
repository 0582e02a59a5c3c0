import { allowedFields, type FieldConfig } from "./field-config.js";
import { describeUnreadable, normalizeNumber } from "./phone-number.js";

export const MAX_EXTERNAL_ID = 256;
export const MAX_NUMBERS = 20;
export const MAX_FIELD_VALUE = 2_000;

/** An upsert as the agent sent it. */
export interface IncomingRecord {
  externalId: string;
  phoneNumbers: readonly string[];
  fields: Readonly<Record<string, string>>;
}

/** An upsert that passed every check: what is stored (encrypted) and indexed. */
export interface CheckedRecord {
  externalId: string;
  /** E.164, distinct, sorted. */
  numbers: string[];
  fields: Record<string, string>;
  /** The canonical form: equal for equal content however the agent formatted it. */
  canonical: string;
}

export type RecordCheck = { ok: true; record: CheckedRecord } | { ok: false; reason: string };

export function checkExternalId(externalId: string): string | undefined {
  if (externalId.trim() === "") return "external_id must not be empty";
  if (externalId.length > MAX_EXTERNAL_ID) return `external_id must be at most ${MAX_EXTERNAL_ID} characters`;
  return undefined;
}

/**
 * Checks one upsert against the source's field whitelist and reads its
 * numbers. A field the source does not configure rejects the whole record,
 * so nothing the tenant did not choose to show is ever stored.
 */
export function checkRecord(incoming: IncomingRecord, config: FieldConfig, region: string | undefined): RecordCheck {
  const idProblem = checkExternalId(incoming.externalId);
  if (idProblem) return { ok: false, reason: idProblem };
  const allowed = allowedFields(config);
  const names = Object.keys(incoming.fields).sort();
  for (const name of names) {
    if (!allowed.has(name)) return { ok: false, reason: `field "${name}" is not a display or script field of this data source: remove it from the export or add it to the source` };
    if (incoming.fields[name]!.length > MAX_FIELD_VALUE) return { ok: false, reason: `field "${name}" is longer than ${MAX_FIELD_VALUE} characters` };
  }
  if (incoming.phoneNumbers.length === 0) return { ok: false, reason: "phone_numbers is empty: a record needs at least one number to be recognised" };
  if (incoming.phoneNumbers.length > MAX_NUMBERS) return { ok: false, reason: `phone_numbers has more than ${MAX_NUMBERS} numbers` };
  const numbers = new Set<string>();
  for (const [i, raw] of incoming.phoneNumbers.entries()) {
    const read = normalizeNumber(raw, region);
    if (!read.ok) return { ok: false, reason: describeUnreadable(read.why, `phone_numbers[${i}]`, region) };
    numbers.add(read.e164);
  }
  const sortedNumbers = [...numbers].sort();
  const fields = Object.fromEntries(names.map((name) => [name, incoming.fields[name]!]));
  const canonical = JSON.stringify([incoming.externalId, sortedNumbers, names.map((name) => [name, fields[name]])]);
  return { ok: true, record: { externalId: incoming.externalId, numbers: sortedNumbers, fields, canonical } };
}

/** What the encrypted payload of a stored record holds. */
export interface RecordPayload {
  externalId: string;
  numbers: string[];
  fields: Record<string, string>;
}

export function encodePayload(record: CheckedRecord): string {
  return JSON.stringify({ e: record.externalId, n: record.numbers, f: record.fields });
}

export function decodePayload(json: string): RecordPayload {
  const value = JSON.parse(json) as { e: string; n: string[]; f: Record<string, string> };
  return { externalId: value.e, numbers: value.n, fields: value.f };
}
