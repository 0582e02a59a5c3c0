import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ActorType, AuditOutcome, type AuditEvent } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import { sql, type Selectable, type Transaction } from "kysely";
import { chainHash, genesisHash, type ChainEntry } from "../domain/chain.js";
import type { AuditDatabase, AuditEntryTable } from "./schema.js";

type Trx = Transaction<AuditDatabase>;
export type AuditEntryRow = Selectable<AuditEntryTable>;

const actorTypes: Record<number, string> = { [ActorType.USER]: "user", [ActorType.SERVICE_ACCOUNT]: "service_account", [ActorType.SYSTEM]: "system" };
const outcomes: Record<number, string> = { [AuditOutcome.SUCCESS]: "success", [AuditOutcome.FAILURE]: "failure" };

/**
 * Text as Postgres can hold it: a lone UTF-16 surrogate or a NUL (which text
 * and jsonb refuse) becomes U+FFFD. Applied before hashing, so the chain
 * covers exactly what is stored, and one odd value can never make an event
 * impossible to store (and so be given up on and lost).
 */
const unstorable = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\0/g;
const storable = (text: string) => text.replace(unstorable, "\ufffd");

/** The event as the chain stores it (the sequence is assigned on append). */
export function chainFields(event: AuditEvent): Omit<ChainEntry, "sequence"> {
  const details: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.details)) details[storable(key)] = storable(value);
  return {
    tenantId: event.tenantId,
    eventId: event.eventId,
    action: storable(event.action),
    actorType: actorTypes[event.actor?.type ?? 0] ?? "unspecified",
    actorId: storable(event.actor?.id ?? ""),
    actorRoles: (event.actor?.roles ?? []).map(storable),
    actorClientAddress: storable(event.actor?.clientAddress ?? ""),
    actorTenantId: storable(event.actor?.tenantId ?? ""),
    resourceType: storable(event.resource?.type ?? ""),
    resourceId: storable(event.resource?.id ?? ""),
    personalDataCategories: event.personalDataCategories.map(storable),
    outcome: outcomes[event.outcome] ?? "unspecified",
    occurredAt: event.time ? timestampDate(event.time).toISOString() : "",
    traceId: storable(event.traceId),
    details,
  };
}

export function toChainEntry(row: AuditEntryRow): ChainEntry & { hash: string } {
  return {
    tenantId: row.tenant_id,
    sequence: Number(row.sequence),
    eventId: row.event_id,
    action: row.action,
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorRoles: row.actor_roles,
    actorClientAddress: row.actor_client_address,
    actorTenantId: row.actor_tenant_id,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    personalDataCategories: row.personal_data_categories,
    outcome: row.outcome,
    occurredAt: row.occurred_at,
    traceId: row.trace_id,
    details: row.details,
    hash: row.hash.trim(),
  };
}

/**
 * Appends the event to its tenant's chain; returns false when it is already
 * there (a redelivery).
 */
export async function appendEntry(trx: Trx, event: AuditEvent): Promise<boolean> {
  return (await appendEntries(trx, event.tenantId, [event])) === 1;
}

/**
 * Appends one tenant's events to its chain in the order given, in one
 * statement; returns how many were new. Events already stored (redeliveries,
 * replayed outboxes) and repeats within the batch are skipped. The tenant's
 * chain head is locked for the transaction, so concurrent appends for one
 * tenant queue up and the chain stays gap-free; different tenants do not
 * wait for each other.
 */
export async function appendEntries(trx: Trx, tenantId: string, events: readonly AuditEvent[]): Promise<number> {
  const foreign = events.find((event) => event.tenantId !== tenantId);
  if (foreign) throw new TypeError(`event ${foreign.eventId} belongs to tenant ${foreign.tenantId}, not ${tenantId}`);
  if (events.length === 0) return 0;
  await trx.insertInto("chain_head").values({ tenant_id: tenantId, sequence: 0, hash: genesisHash }).onConflict((oc) => oc.column("tenant_id").doNothing()).execute();
  const head = await trx.selectFrom("chain_head").selectAll().where("tenant_id", "=", tenantId).forUpdate().executeTakeFirstOrThrow();
  // Looked up under the lock: a concurrent delivery of the same event may have won.
  const stored = await trx
    .selectFrom("audit_entry")
    .select("event_id")
    .where("event_id", "in", events.map((event) => event.eventId))
    .execute();
  const seen = new Set(stored.map((row) => row.event_id));
  let sequence = Number(head.sequence);
  let hash = head.hash.trim();
  const rows = [];
  for (const event of events) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    const entry: ChainEntry = { ...chainFields(event), sequence: ++sequence };
    hash = chainHash(hash, entry);
    rows.push(toRow(entry, hash));
  }
  if (rows.length === 0) return 0;
  await insertRows(trx, rows);
  await trx.updateTable("chain_head").set({ sequence, hash }).where("tenant_id", "=", tenantId).execute();
  return rows.length;
}

/**
 * One statement with one parameter: the batch as a JSON array of rows. A
 * multi-row VALUES list of 500 entries is 8,500 bind parameters to compile,
 * send and parse, which cost ingestion more than the insert itself.
 */
async function insertRows(trx: Trx, rows: ReturnType<typeof toRow>[]): Promise<void> {
  await sql`
    insert into audit_entry (tenant_id, sequence, event_id, action, actor_type, actor_id, actor_roles, actor_client_address,
      actor_tenant_id, resource_type, resource_id, personal_data_categories, outcome, occurred_at, trace_id, details, hash)
    select tenant_id, sequence, event_id, action, actor_type, actor_id, actor_roles, actor_client_address,
      actor_tenant_id, resource_type, resource_id, personal_data_categories, outcome, occurred_at, trace_id, details, hash
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(tenant_id uuid, sequence bigint, event_id uuid, action text,
      actor_type text, actor_id text, actor_roles text[], actor_client_address text, actor_tenant_id text, resource_type text,
      resource_id text, personal_data_categories text[], outcome text, occurred_at text, trace_id text, details jsonb, hash text)
    order by sequence`.execute(trx);
}

function toRow(entry: ChainEntry, hash: string) {
  return {
    tenant_id: entry.tenantId,
    sequence: entry.sequence,
    event_id: entry.eventId,
    action: entry.action,
    actor_type: entry.actorType,
    actor_id: entry.actorId,
    actor_roles: [...entry.actorRoles],
    actor_client_address: entry.actorClientAddress,
    actor_tenant_id: entry.actorTenantId,
    resource_type: entry.resourceType,
    resource_id: entry.resourceId,
    personal_data_categories: [...entry.personalDataCategories],
    outcome: entry.outcome,
    occurred_at: entry.occurredAt,
    trace_id: entry.traceId,
    details: entry.details,
    hash,
  };
}

export interface EntryFilter {
  from?: Date;
  to?: Date;
  actorId?: string;
  action?: string;
  resourceId?: string;
}

/** Entries of the tenant in scope matching the filter, newest first, before `beforeSequence`. */
export function queryEntries(trx: Trx, filter: EntryFilter, limit: number, beforeSequence?: number): Promise<AuditEntryRow[]> {
  let query = trx.selectFrom("audit_entry").selectAll().orderBy("sequence", "desc").limit(limit);
  if (filter.from) query = query.where("recorded_at", ">=", filter.from);
  if (filter.to) query = query.where("recorded_at", "<", filter.to);
  if (filter.actorId) query = query.where("actor_id", "=", filter.actorId);
  if (filter.action) query = query.where("action", "=", filter.action);
  if (filter.resourceId) query = query.where("resource_id", "=", filter.resourceId);
  if (beforeSequence !== undefined) query = query.where("sequence", "<", String(beforeSequence) as never);
  return query.execute();
}

/** Entries in sequence order within [from, to], for verification and export. */
export function entriesInRange(trx: Trx, fromSequence: number, toSequence: number | undefined): Promise<AuditEntryRow[]> {
  let query = trx.selectFrom("audit_entry").selectAll().orderBy("sequence").where("sequence", ">=", String(fromSequence) as never);
  if (toSequence !== undefined) query = query.where("sequence", "<=", String(toSequence) as never);
  return query.execute();
}

export async function hashBefore(trx: Trx, sequence: number): Promise<string | undefined> {
  if (sequence <= 1) return genesisHash;
  const row = await trx.selectFrom("audit_entry").select("hash").where("sequence", "=", String(sequence - 1) as never).executeTakeFirst();
  return row?.hash.trim();
}
