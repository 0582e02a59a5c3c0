import { withTenant } from "@switchboard/db";
import { sql, type Kysely } from "kysely";
import { describeWrappingContext, type KeyReference } from "./key-reference.js";
import type { TenantKeysDatabase } from "./key-table.js";
import type { KeyWrapper } from "./key-wrapper.js";

export interface RewrapProgress {
  /** Keys re-wrapped so far. */
  rewrapped: number;
  /** Keys that were wrapped by `from` when the run started. */
  total: number;
  tenantsDone: number;
  tenantsTotal: number;
}

export interface RewrapOptions {
  /** Called after each batch; a long run can report how far it got. */
  onProgress?: (progress: RewrapProgress) => void;
  /** Keys re-wrapped per transaction (default 500). */
  batchSize?: number;
}

/**
 * KEK rotation: re-wraps every live key wrapped by `from` under `to`. The
 * data keys themselves do not change, so no field is re-encrypted and
 * running keyrings keep their caches. Each batch commits on its own: an
 * interrupted run is resumed by running it again.
 *
 * Run it while the services already have `to` as their wrapper and `from`
 * among their previous wrappers; afterwards `from` can be retired.
 */
export async function rewrapKeys(
  db: Kysely<any>,
  from: KeyWrapper,
  to: KeyWrapper,
  options: RewrapOptions = {},
): Promise<{ rewrapped: number; tenants: number }> {
  if (from.id === to.id) {
    throw new Error(`rewrapKeys needs two different key-encryption keys (both are "${from.id}")`);
  }
  const batchSize = options.batchSize ?? 500;
  const keys = db as Kysely<TenantKeysDatabase>;
  const waiting = await countKeysToRewrap(keys, to.id);

  const strangers = new Map<string, number>();
  for (const row of waiting) {
    if (row.wrapper_id !== from.id) strangers.set(row.wrapper_id, (strangers.get(row.wrapper_id) ?? 0) + row.count);
  }
  if (strangers.size > 0) {
    const described = [...strangers].map(([id, count]) => `${count} by "${id}"`).join(", ");
    throw new Error(
      `some keys are wrapped by neither "${from.id}" nor "${to.id}" (${described}): ` +
        "re-wrap them first with that KEK as `from`; nothing was changed",
    );
  }

  const tenants = waiting.map((row) => row.tenant_id);
  const total = waiting.reduce((sum, row) => sum + row.count, 0);
  let rewrapped = 0;
  let tenantsDone = 0;
  for (const tenantId of tenants) {
    for (;;) {
      const done = await withTenant(keys, tenantId, async (trx) => {
        const batch = await trx
          .selectFrom("tenant_key")
          .select(["scope", "purpose", "version", "wrapped"])
          .where("tenant_id", "=", tenantId)
          .where("wrapper_id", "=", from.id)
          .where("wrapped", "is not", null)
          .limit(batchSize)
          .forUpdate()
          .execute();
        for (const row of batch) {
          const ref: KeyReference = { tenantId, scope: row.scope, purpose: row.purpose, version: row.version };
          const context = describeWrappingContext(ref);
          const key = await from.unwrap(row.wrapped as Buffer, context);
          const wrapped = await to.wrap(key, context);
          key.fill(0);
          await trx
            .updateTable("tenant_key")
            .set({ wrapper_id: to.id, wrapped })
            .where("tenant_id", "=", tenantId)
            .where("scope", "=", row.scope)
            .where("purpose", "=", row.purpose)
            .where("version", "=", row.version)
            .execute();
        }
        return batch.length;
      });
      rewrapped += done;
      if (done < batchSize) tenantsDone++;
      options.onProgress?.({ rewrapped, total, tenantsDone, tenantsTotal: tenants.length });
      if (done < batchSize) break;
    }
  }
  return { rewrapped, tenants: tenants.length };
}

/** Per tenant and wrapper, the live keys not yet wrapped by `toId`; reads across tenants through the listing policy. */
async function countKeysToRewrap(
  db: Kysely<TenantKeysDatabase>,
  toId: string,
): Promise<Array<{ tenant_id: string; wrapper_id: string; count: number }>> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('app.key_rewrap', 'on', true)`.execute(trx);
    const rows = await trx
      .selectFrom("tenant_key")
      .select(["tenant_id", "wrapper_id", (eb) => eb.fn.countAll<string>().as("count")])
      .where("wrapped", "is not", null)
      .where("wrapper_id", "<>", toId)
      .groupBy(["tenant_id", "wrapper_id"])
      .orderBy("tenant_id")
      .execute();
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  });
}
