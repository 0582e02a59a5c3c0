import type { FieldViolation } from "./errors.js";

/**
 * Small checks for request validators. Each returns a violation or nothing, so
 * a validator reads as a list: `violations(required(r.text, "text"), ...)`.
 */
export function violations(...checks: Array<FieldViolation | FieldViolation[] | undefined>): FieldViolation[] {
  return checks.flat().filter((check): check is FieldViolation => check !== undefined);
}

export function required(value: string | undefined, field: string): FieldViolation | undefined {
  return value === undefined || value.trim() === "" ? { field, description: "must not be empty" } : undefined;
}

export function maxLength(value: string, max: number, field: string): FieldViolation | undefined {
  return value.length > max ? { field, description: `must be at most ${max} characters (got ${value.length})` } : undefined;
}

export function inRange(value: number, min: number, max: number, field: string): FieldViolation | undefined {
  return value < min || value > max ? { field, description: `must be between ${min} and ${max} (got ${value})` } : undefined;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuid(value: string, field: string): FieldViolation | undefined {
  return uuidPattern.test(value) ? undefined : { field, description: "must be a UUID" };
}

export function oneOf<T>(value: T, allowed: readonly T[], field: string): FieldViolation | undefined {
  return allowed.includes(value) ? undefined : { field, description: `must be one of ${allowed.join(", ")}` };
}
