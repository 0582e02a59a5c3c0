import { sql, type RawBuilder } from "kysely";

/**
 * Batch parameters in binary. node-postgres sends a Buffer parameter as
 * binary, but an array of Buffers as one hex text literal that this process
 * builds and Postgres parses back, element by element: for a 1,000-record
 * batch that doubled the cost of the insert. So a batch's values travel as
 * one Buffer each (all values concatenated) and SQL cuts them apart.
 */

/** Every blind index (HMAC-SHA256) is this long. */
export const INDEX_BYTES = 32;

/** Blind indexes concatenated; the i-th (1-based) is `indexAt(packed, i)` in SQL. */
export function packIndexes(values: readonly Buffer[]): Buffer {
  for (const value of values) {
    if (value.length !== INDEX_BYTES) throw new Error(`a blind index is ${INDEX_BYTES} bytes, not ${value.length}`);
  }
  return Buffer.concat(values, values.length * INDEX_BYTES);
}

/** SQL: the i-th (1-based, an int4 expression) blind index of a packed parameter or column. */
export const indexAt = (packed: RawBuilder<unknown>, i: RawBuilder<unknown>) => sql`substring(${packed} from (${i} - 1) * ${sql.lit(INDEX_BYTES)} + 1 for ${sql.lit(INDEX_BYTES)})`;

/** Values of any length concatenated, with where each starts (1-based) and how long it is. */
export function packValues(values: readonly Buffer[]): { packed: Buffer; starts: number[]; lengths: number[] } {
  const starts: number[] = [];
  const lengths: number[] = [];
  let at = 1;
  for (const value of values) {
    starts.push(at);
    lengths.push(value.length);
    at += value.length;
  }
  return { packed: Buffer.concat(values as Buffer[], at - 1), starts, lengths };
}
