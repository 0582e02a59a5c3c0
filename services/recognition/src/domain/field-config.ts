import type { FieldViolation } from "@switchboard/rpc";

const fieldName = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
export const MAX_FIELDS = 50;

/** Problems with a list of display or script field names. */
export function fieldListViolations(fields: readonly string[], field: string, options: { atLeastOne: boolean }): FieldViolation[] {
  const problems: FieldViolation[] = [];
  if (options.atLeastOne && fields.length === 0) problems.push({ field, description: "must name at least one field" });
  if (fields.length > MAX_FIELDS) problems.push({ field, description: `must name at most ${MAX_FIELDS} fields (got ${fields.length})` });
  fields.forEach((name, i) => {
    if (!fieldName.test(name)) problems.push({ field: `${field}[${i}]`, description: "must be 1-64 letters, digits, '_', '-' or '.', starting with a letter" });
  });
  const duplicate = fields.find((name, i) => fields.indexOf(name) !== i);
  if (duplicate) problems.push({ field, description: `names "${duplicate}" twice` });
  return problems;
}

/** The fields a source lets leave the customer's systems, split as the call notification and the scripts get them. */
export interface FieldConfig {
  displayFields: readonly string[];
  scriptFields: readonly string[];
}

export function allowedFields(config: FieldConfig): Set<string> {
  return new Set([...config.displayFields, ...config.scriptFields]);
}

/** A record's stored fields as a match shows them: only what the source's configuration allows now. */
export function splitFields(fields: Readonly<Record<string, string>>, config: FieldConfig) {
  const pick = (names: readonly string[]) => Object.fromEntries(names.filter((name) => Object.hasOwn(fields, name)).map((name) => [name, fields[name]!]));
  return { displayFields: pick(config.displayFields), scriptParams: pick(config.scriptFields) };
}
