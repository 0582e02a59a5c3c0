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

/** An upsert whose id and fields passed; its numbers are not read yet. */
export interface ShapedRecord {
  externalId: string;
  phoneNumbers: readonly string[];
  /** Field names, sorted. */
  names: string[];
  fields: Readonly<Record<string, string>>;
  /** The record exactly as sent (numbers unread, fields in name order): equal input, equal string. */
  input: string;
}

export type Check<T> = { ok: true; record: T } | { ok: false; reason: string };

export function checkExternalId(externalId: string): string | undefined {
  if (externalId.trim() === "") return "external_id must not be empty";
  if (externalId.length > MAX_EXTERNAL_ID) return `external_id must be at most ${MAX_EXTERNAL_ID} characters`;
  return undefined;
}

/**
 * Checks one upsert's id and fields against the source's whitelist
 * (`allowedFields(config)`, built once per batch). A field the source does
 * not configure rejects the whole record, so nothing the tenant did not
 * choose to show is ever stored.
 */
export function checkShape(incoming: IncomingRecord, allowed: ReadonlySet<string>): Check<ShapedRecord> {
  const idProblem = checkExternalId(incoming.externalId);
  if (idProblem) return { ok: false, reason: idProblem };
  const names = Object.keys(incoming.fields).sort();
  for (const name of names) {
    if (!allowed.has(name)) return { ok: false, reason: `field "${name}" is not a display or script field of this data source: remove it from the export or add it to the source` };
    if (incoming.fields[name]!.length > MAX_FIELD_VALUE) return { ok: false, reason: `field "${name}" is longer than ${MAX_FIELD_VALUE} characters` };
  }
  if (incoming.phoneNumbers.length === 0) return { ok: false, reason: "phone_numbers is empty: a record needs at least one number to be recognised" };
  if (incoming.phoneNumbers.length > MAX_NUMBERS) return { ok: false, reason: `phone_numbers has more than ${MAX_NUMBERS} numbers` };
  const input = JSON.stringify([incoming.externalId, incoming.phoneNumbers, names.map((name) => [name, incoming.fields[name]])]);
  return { ok: true, record: { externalId: incoming.externalId, phoneNumbers: incoming.phoneNumbers, names, fields: incoming.fields, input } };
}

/** Reads a shaped record's numbers as E.164; the first unreadable one rejects the record. */
export function readNumbers(shaped: ShapedRecord, region: string | undefined): Check<CheckedRecord> {
  const numbers = new Set<string>();
  for (const [i, raw] of shaped.phoneNumbers.entries()) {
    const read = normalizeNumber(raw, region);
    if (!read.ok) return { ok: false, reason: describeUnreadable(read.why, `phone_numbers[${i}]`, region) };
    numbers.add(read.e164);
  }
  const sortedNumbers = [...numbers].sort();
  const fields = Object.fromEntries(shaped.names.map((name) => [name, shaped.fields[name]!]));
  return { ok: true, record: { externalId: shaped.externalId, numbers: sortedNumbers, fields, canonical: canonicalForm(shaped.externalId, sortedNumbers, shaped.names, fields) } };
}

/**
 * A record's content in one form, whatever format the agent sent it in:
 * numbers as sorted E.164, fields in name order. Its blind index is the
 * record's content hash, which the source's digest is made of.
 */
export function canonicalForm(externalId: string, sortedNumbers: readonly string[], sortedNames: readonly string[], fields: Readonly<Record<string, string>>): string {
  return JSON.stringify([externalId, sortedNumbers, sortedNames.map((name) => [name, fields[name]])]);
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
