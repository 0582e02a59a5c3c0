import { sql, type Selectable, type Transaction } from "kysely";
import type { DataSourceTable, RecognitionDatabase } from "./schema.js";

type Trx = Transaction<RecognitionDatabase>;
export type DataSourceRow = Selectable<DataSourceTable> & { record_count: string };

export interface DataSourceInit {
  id: string;
  tenantId: string;
  name: string;
  displayFields: string[];
  scriptFields: string[];
  priority: number;
}

const withCount = (trx: Trx) =>
  trx
    .selectFrom("data_source")
    .selectAll("data_source")
    .select(sql<string>`(select count(*) from recognition_record r where r.tenant_id = data_source.tenant_id and r.source_id = data_source.id)`.as("record_count"));

/** Inserts the source; undefined when the organisation has one of that name already. */
export async function insertDataSource(trx: Trx, init: DataSourceInit): Promise<DataSourceRow | undefined> {
  const row = await trx
    .insertInto("data_source")
    .values({ id: init.id, tenant_id: init.tenantId, name: init.name, display_fields: init.displayFields, script_fields: init.scriptFields, priority: init.priority, last_sync_at: null })
    .onConflict((oc) => oc.constraint("data_source_name_unique").doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && { ...row, record_count: "0" };
}

export function findDataSource(trx: Trx, id: string): Promise<DataSourceRow | undefined> {
  return withCount(trx).where("id", "=", id).executeTakeFirst();
}

/** Sources ordered by name, after `afterName`. */
export function listDataSources(trx: Trx, limit: number, afterName?: string): Promise<DataSourceRow[]> {
  let query = withCount(trx).orderBy("name").limit(limit);
  if (afterName !== undefined) query = query.where("name", ">", afterName);
  return query.execute();
}

export type DataSourceChanges = Partial<Pick<DataSourceInit, "name" | "displayFields" | "scriptFields" | "priority">>;

/** Applies the changes; "conflict" when the new name is taken, undefined when the source does not exist. */
export async function updateDataSource(trx: Trx, id: string, changes: DataSourceChanges): Promise<DataSourceRow | "conflict" | undefined> {
  const result = await trx
    .updateTable("data_source")
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.displayFields !== undefined ? { display_fields: changes.displayFields } : {}),
      ...(changes.scriptFields !== undefined ? { script_fields: changes.scriptFields } : {}),
      ...(changes.priority !== undefined ? { priority: changes.priority } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", id)
    .returning("id")
    .executeTakeFirst()
    .catch((error: { code?: string }) => {
      if (error.code === "23505") return "conflict" as const;
      throw error;
    });
  if (result === "conflict") return result;
  return result && findDataSource(trx, id);
}

export async function touchLastSync(trx: Trx, id: string): Promise<void> {
  await trx.updateTable("data_source").set({ last_sync_at: sql<Date>`now()` }).where("id", "=", id).execute();
}

/** Locks the source row against concurrent deletion for the rest of the transaction. */
export function lockDataSource(trx: Trx, id: string) {
  return trx.selectFrom("data_source").selectAll().where("id", "=", id).forShare().executeTakeFirst();
}

export async function deleteDataSourceRow(trx: Trx, id: string): Promise<boolean> {
  const result = await trx.deleteFrom("data_source").where("id", "=", id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
