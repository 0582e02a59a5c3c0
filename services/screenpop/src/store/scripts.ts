import type { Kysely, Selectable, Transaction } from "kysely";
import type { ScriptDefinition, Trigger } from "../domain/script-choice.js";
import type { ScreenPopDatabase, ScriptTable } from "./schema.js";

type Trx = Transaction<ScreenPopDatabase>;
export type ScriptRow = Selectable<ScriptTable>;

/** An organisation keeps at most this many scripts: every ringing call evaluates all of them. */
export const maxScriptsPerTenant = 200;

export interface ScriptInit {
  name: string;
  trigger: Trigger;
  urlTemplate: string;
  dataSourceId: string;
  autoOpen: boolean;
  position: number;
}

const columns = (init: ScriptInit) => ({
  name: init.name,
  trigger: init.trigger,
  url_template: init.urlTemplate,
  data_source_id: init.dataSourceId || null,
  auto_open: init.autoOpen,
  position: init.position,
});

/** Inserts the script; "conflict" when the organisation has one of that name already. */
export async function insertScript(trx: Trx, id: string, tenantId: string, init: ScriptInit): Promise<ScriptRow | "conflict"> {
  const row = await trx
    .insertInto("script")
    .values({ id, tenant_id: tenantId, ...columns(init) })
    .onConflict((oc) => oc.constraint("script_name_unique").doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ?? "conflict";
}

export async function countScripts(trx: Trx): Promise<number> {
  const { n } = await trx.selectFrom("script").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
  return Number(n);
}

/** Every script of the transaction's tenant (RLS), in evaluation order. */
export function listScripts(trx: Trx | Kysely<ScreenPopDatabase>): Promise<ScriptRow[]> {
  return trx.selectFrom("script").selectAll().orderBy("position").orderBy("name").execute();
}

export function findScript(trx: Trx, id: string): Promise<ScriptRow | undefined> {
  return trx.selectFrom("script").selectAll().where("id", "=", id).executeTakeFirst();
}

/** undefined when no such script (of this tenant); "conflict" on a taken name. */
export async function updateScript(trx: Trx, id: string, init: ScriptInit): Promise<ScriptRow | "conflict" | undefined> {
  const taken = await trx.selectFrom("script").select("id").where("name", "=", init.name).where("id", "!=", id).executeTakeFirst();
  if (taken) return "conflict";
  return trx
    .updateTable("script")
    .set({ ...columns(init), updated_at: new Date() })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteScript(trx: Trx, id: string): Promise<ScriptRow | undefined> {
  return trx.deleteFrom("script").where("id", "=", id).returningAll().executeTakeFirst();
}

export function toDefinition(row: ScriptRow): ScriptDefinition {
  return {
    id: row.id,
    name: row.name,
    trigger: row.trigger,
    urlTemplate: row.url_template,
    dataSourceId: row.data_source_id ?? "",
    autoOpen: row.auto_open,
    position: row.position,
  };
}
