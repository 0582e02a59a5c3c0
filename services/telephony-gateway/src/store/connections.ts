import type { Keyring } from "@switchboard/crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import type { ConnectionStatusName, TelephonyDatabase, VendorName } from "./schema.js";

export const CONNECTIONS_CHANGED = "telephony_connections_changed";

export interface ConnectionRow {
  id: string;
  tenant_id: string;
  name: string;
  vendor: VendorName;
  host: string;
  port: number;
  settings: Record<string, string>;
  status: ConnectionStatusName;
  last_error: string;
  status_time: Date;
  created_at: Date;
}

export interface Credentials {
  username: string;
  secret: string;
}

type Trx = Transaction<TelephonyDatabase>;

const publicColumns = ["id", "tenant_id", "name", "vendor", "host", "port", "settings", "status", "last_error", "status_time", "created_at"] as const;
const scopeOf = (id: string) => `connection:${id}`;
const aadOf = (id: string) => `pbx_connection.credentials:${id}`;

/** Wakes every replica's supervisor (delivered on commit). */
export async function notifyConnectionsChanged(trx: Trx, connectionId: string): Promise<void> {
  await sql`select pg_notify(${CONNECTIONS_CHANGED}, ${connectionId})`.execute(trx);
}

export async function insertConnection(
  trx: Trx,
  keyring: Keyring,
  input: { id: string; tenantId: string; name: string; vendor: VendorName; host: string; port: number; settings: Record<string, string>; credentials: Credentials },
): Promise<ConnectionRow> {
  // Each connection has its own data key: deleting the connection shreds it.
  const credentials = await keyring.encrypt(trx, input.tenantId, scopeOf(input.id), JSON.stringify(input.credentials), aadOf(input.id));
  const row = await trx
    .insertInto("pbx_connection")
    .values({ id: input.id, tenant_id: input.tenantId, name: input.name, vendor: input.vendor, host: input.host, port: input.port, settings: JSON.stringify(input.settings), credentials })
    .returning(publicColumns)
    .executeTakeFirstOrThrow();
  await trx.insertInto("connection_directory").values({ connection_id: input.id, tenant_id: input.tenantId }).execute();
  await notifyConnectionsChanged(trx, input.id);
  return row;
}

export function listConnections(trx: Trx, limit: number, offset: number): Promise<ConnectionRow[]> {
  return trx.selectFrom("pbx_connection").select(publicColumns).orderBy("created_at").orderBy("id").limit(limit).offset(offset).execute();
}

export function findConnection(trx: Trx, id: string): Promise<ConnectionRow | undefined> {
  return trx.selectFrom("pbx_connection").select(publicColumns).where("id", "=", id).executeTakeFirst();
}

export async function readCredentials(trx: Trx, keyring: Keyring, tenantId: string, id: string): Promise<Credentials | undefined> {
  const row = await trx.selectFrom("pbx_connection").select("credentials").where("id", "=", id).executeTakeFirst();
  if (!row) return undefined;
  return JSON.parse(await keyring.decrypt(trx, tenantId, scopeOf(id), row.credentials, aadOf(id))) as Credentials;
}

/** Deletes the connection (its extensions cascade) and shreds its credentials' key. */
export async function deleteConnection(trx: Trx, keyring: Keyring, tenantId: string, id: string): Promise<boolean> {
  const deleted = await trx.deleteFrom("pbx_connection").where("id", "=", id).executeTakeFirst();
  if (deleted.numDeletedRows === 0n) return false;
  await trx.deleteFrom("connection_directory").where("connection_id", "=", id).where("tenant_id", "=", tenantId).execute();
  await keyring.shred(trx, tenantId, scopeOf(id));
  await notifyConnectionsChanged(trx, id);
  return true;
}

export async function setStatus(trx: Trx, id: string, status: ConnectionStatusName, lastError: string | undefined): Promise<void> {
  await trx
    .updateTable("pbx_connection")
    .set({ status, status_time: new Date(), ...(lastError === undefined ? {} : { last_error: lastError.slice(0, 500) }) })
    .where("id", "=", id)
    .execute();
}

/** Every connection of every tenant, ids only: what the supervisors share out. */
export function listDirectory(db: Kysely<TelephonyDatabase>): Promise<{ connection_id: string; tenant_id: string }[]> {
  return db.selectFrom("connection_directory").select(["connection_id", "tenant_id"]).execute();
}
