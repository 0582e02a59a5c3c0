import { sql, type Transaction } from "kysely";
import { indexAt, packIndexes, packValues } from "./packed.js";
import type { RecognitionDatabase } from "./schema.js";

type Trx = Transaction<RecognitionDatabase>;

/** A record ready to be written: keys and hashes are blind indexes, the payload is ciphertext. */
export interface SealedRecord {
  recordKey: Buffer;
  contentHash: Buffer;
  inputHash: Buffer;
  payload: Buffer;
  numberIndexes: Buffer[];
}

/** What the source holds of a record: the hashes that tell whether an upsert changes it. */
export interface StoredHashes {
  contentHash: Buffer;
  inputHash: Buffer | null;
}

/** The hashes of the records among `keys` that the source holds, aligned with `keys` (undefined: not held). */
export async function storedHashes(trx: Trx, tenantId: string, sourceId: string, keys: Buffer[]): Promise<(StoredHashes | undefined)[]> {
  const found: (StoredHashes | undefined)[] = new Array(keys.length).fill(undefined);
  if (keys.length === 0) return found;
  // One primary-key probe per key, whatever the statistics say: with
  // "record_key = any(…)" a planner that still thinks the source is small
  // (a sync filling a new source outruns autoanalyze) scans the whole source
  // per batch, and a 100,000-record sync turns quadratic.
  const { rows } = await sql<{ i: number; content_hash: Buffer; input_hash: Buffer | null }>`
    with p as materialized (select ${packIndexes(keys)}::bytea as keys)
    select k.i, r.content_hash, r.input_hash from p cross join generate_series(1, ${keys.length}::int4) as k(i)
    cross join lateral (
      select content_hash, input_hash from recognition_record
      where tenant_id = ${tenantId} and source_id = ${sourceId} and record_key = ${indexAt(sql`p.keys`, sql`k.i`)} limit 1) as r`.execute(trx);
  for (const row of rows) found[row.i - 1] = { contentHash: row.content_hash, inputHash: row.input_hash };
  return found;
}

/**
 * Writes new and changed records and their numbers in one statement,
 * whatever the count. A changed record's old numbers must be gone first
 * (`deleteRecordNumbers`).
 */
export async function writeRecords(trx: Trx, tenantId: string, sourceId: string, records: SealedRecord[]): Promise<void> {
  if (records.length === 0) return;
  const payloads = packValues(records.map((r) => r.payload));
  // Each number row names its record by position in the batch.
  const owners = records.flatMap((r, i) => r.numberIndexes.map(() => i + 1));
  await sql`
    with p as materialized (
      select ${packIndexes(records.map((r) => r.recordKey))}::bytea as keys, ${packIndexes(records.map((r) => r.contentHash))}::bytea as hashes,
        ${packIndexes(records.map((r) => r.inputHash))}::bytea as inputs, ${payloads.packed}::bytea as payloads,
        ${packIndexes(records.flatMap((r) => r.numberIndexes))}::bytea as numbers),
    written as (
      insert into recognition_record (tenant_id, source_id, record_key, content_hash, input_hash, payload)
      select ${tenantId}::uuid, ${sourceId}::uuid, ${indexAt(sql`p.keys`, sql`t.i`)}, ${indexAt(sql`p.hashes`, sql`t.i`)}, ${indexAt(sql`p.inputs`, sql`t.i`)},
        substring(p.payloads from t.start for t.length)
      from p cross join lateral (
        select start, length, i::int4 from unnest(${payloads.starts}::int4[], ${payloads.lengths}::int4[]) with ordinality as u(start, length, i)) as t
      on conflict (tenant_id, source_id, record_key)
      do update set content_hash = excluded.content_hash, input_hash = excluded.input_hash, payload = excluded.payload, updated_at = now())
    insert into record_number (tenant_id, source_id, record_key, number_index)
    select ${tenantId}::uuid, ${sourceId}::uuid, ${indexAt(sql`p.keys`, sql`o.owner`)}, ${indexAt(sql`p.numbers`, sql`o.i`)}
    from p cross join lateral (select owner, i::int4 from unnest(${owners}::int4[]) with ordinality as u(owner, i)) as o`.execute(trx);
}

/** Up to `limit` records of the source after `after` in record-key order, locked FOR UPDATE (a sync batch writing one waits). */
export function lockRecordsAfter(trx: Trx, sourceId: string, after: Buffer | undefined, limit: number) {
  let query = trx.selectFrom("recognition_record").select(["record_key", "payload"]).where("source_id", "=", sourceId);
  if (after) query = query.where("record_key", ">", after);
  return query.orderBy("record_key").limit(limit).forUpdate().execute();
}

/** Stores new payloads and content hashes of records the source holds, in one statement; their input hashes are cleared. */
export async function rewritePayloads(trx: Trx, tenantId: string, sourceId: string, rewrites: { recordKey: Buffer; contentHash: Buffer; payload: Buffer }[]): Promise<void> {
  if (rewrites.length === 0) return;
  const payloads = packValues(rewrites.map((r) => r.payload));
  await sql`
    with p as materialized (
      select ${packIndexes(rewrites.map((r) => r.recordKey))}::bytea as keys, ${packIndexes(rewrites.map((r) => r.contentHash))}::bytea as hashes, ${payloads.packed}::bytea as payloads)
    update recognition_record r
    set content_hash = ${indexAt(sql`p.hashes`, sql`t.i`)}, payload = substring(p.payloads from t.start for t.length), input_hash = null, updated_at = now()
    from p cross join lateral (
      select start, length, i::int4 from unnest(${payloads.starts}::int4[], ${payloads.lengths}::int4[]) with ordinality as u(start, length, i)) as t
    where r.tenant_id = ${tenantId}::uuid and r.source_id = ${sourceId}::uuid and r.record_key = ${indexAt(sql`p.keys`, sql`t.i`)}`.execute(trx);
}

/** Deletes the numbers of these records (before they are rewritten); returns their indexes, which the cache must forget. */
export async function deleteRecordNumbers(trx: Trx, tenantId: string, sourceId: string, keys: Buffer[]): Promise<Buffer[]> {
  return keys.length === 0 ? [] : deleteNumbers(trx, tenantId, sourceId, keys);
}

async function deleteNumbers(trx: Trx, tenantId: string, sourceId: string, keys: Buffer[]): Promise<Buffer[]> {
  // Found by one primary-key probe per key (see storedHashes), deleted by
  // row address: record_number rows are only ever inserted and deleted, never
  // updated, so an address found here cannot move under a concurrent writer.
  const { rows } = await sql<{ number_index: Buffer }>`
    with p as materialized (select ${packIndexes(keys)}::bytea as keys)
    delete from record_number where ctid = any(array(
      select n.ctid from p cross join generate_series(1, ${keys.length}::int4) as k(i)
      cross join lateral (select ctid from record_number where tenant_id = ${tenantId} and source_id = ${sourceId} and record_key = ${indexAt(sql`p.keys`, sql`k.i`)}) as n))
    returning number_index`.execute(trx);
  return rows.map((row) => row.number_index);
}

/** Deletes the records; returns how many existed and the number indexes they had. */
export async function deleteRecords(trx: Trx, tenantId: string, sourceId: string, keys: Buffer[]): Promise<{ deleted: number; numberIndexes: Buffer[] }> {
  if (keys.length === 0) return { deleted: 0, numberIndexes: [] };
  const numberIndexes = await deleteNumbers(trx, tenantId, sourceId, keys);
  const result = await sql`
    delete from recognition_record where tenant_id = ${tenantId} and source_id = ${sourceId} and record_key = any(${keys}::bytea[])`.execute(trx);
  return { deleted: Number(result.numAffectedRows ?? 0n), numberIndexes };
}

/** At the commit of a full sync: deletes every record of the source the sync did not push. */
export async function deleteRecordsNotSeen(trx: Trx, tenantId: string, sourceId: string, syncId: string): Promise<{ deleted: number; numberIndexes: Buffer[] }> {
  // The keys every batch of the sync pushed; hashed once, then anti-joined.
  const seen = sql`seen as materialized (
    select distinct k as record_key from sync_batch b cross join lateral unnest(b.seen) as k
    where b.tenant_id = ${tenantId} and b.sync_id = ${syncId})`;
  const { rows } = await sql<{ number_index: Buffer }>`
    with ${seen}
    delete from record_number n where n.tenant_id = ${tenantId} and n.source_id = ${sourceId}
      and not exists (select 1 from seen s where s.record_key = n.record_key)
    returning n.number_index`.execute(trx);
  const result = await sql`
    with ${seen}
    delete from recognition_record r where r.tenant_id = ${tenantId} and r.source_id = ${sourceId}
      and not exists (select 1 from seen s where s.record_key = r.record_key)`.execute(trx);
  return { deleted: Number(result.numAffectedRows ?? 0n), numberIndexes: rows.map((row) => row.number_index) };
}

/** Deletes every record of a source (DeleteDataSource); returns how many and their number indexes. */
export async function deleteSourceRecords(trx: Trx, tenantId: string, sourceId: string): Promise<{ deleted: number; numberIndexes: Buffer[] }> {
  const { rows } = await sql<{ number_index: Buffer }>`
    delete from record_number where tenant_id = ${tenantId} and source_id = ${sourceId} returning number_index`.execute(trx);
  const result = await sql`delete from recognition_record where tenant_id = ${tenantId} and source_id = ${sourceId}`.execute(trx);
  return { deleted: Number(result.numAffectedRows ?? 0n), numberIndexes: rows.map((row) => row.number_index) };
}

/** The number indexes of every record of a source (their cache entries change with the source's configuration). */
export async function sourceNumberIndexes(trx: Trx, tenantId: string, sourceId: string): Promise<Buffer[]> {
  const { rows } = await sql<{ number_index: Buffer }>`
    select distinct number_index from record_number where tenant_id = ${tenantId} and source_id = ${sourceId}`.execute(trx);
  return rows.map((row) => row.number_index);
}

/**
 * The server's digest of a source's records: SHA-256 over their content
 * hashes in record-key order. The content hashes are keyed (blind indexes),
 * so the digest reveals nothing, and it changes whenever any record does.
 */
export async function sourceDigest(trx: Trx, tenantId: string, sourceId: string): Promise<{ digest: string; count: number }> {
  const { rows } = await sql<{ digest: string; count: string }>`
    select encode(sha256(coalesce(string_agg(content_hash, ''::bytea order by record_key), ''::bytea)), 'hex') as digest, count(*) as count
    from recognition_record where tenant_id = ${tenantId} and source_id = ${sourceId}`.execute(trx);
  return { digest: rows[0]!.digest, count: Number(rows[0]!.count) };
}
