import { randomUUID } from "node:crypto";
import { recordAudit } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import { enqueueEvent } from "@switchboard/events";
import { DataSourceService } from "@switchboard/proto/switchboard/recognition/v1/data_sources_pb";
import { Code, RpcError, inRange, maxLength, registerService, required, uuid, violations, type FieldViolation, type ServiceImpl } from "@switchboard/rpc";
import type { RecognitionDeps } from "../deps.js";
import { deleteDataSource } from "../deletion/delete-source.js";
import { fieldListViolations } from "../domain/field-config.js";
import { recognitionEvents } from "../events/recognition-events.js";
import { findDataSource, insertDataSource, listDataSources, updateDataSource, type DataSourceChanges } from "../store/data-sources.js";
import { sourceNumberIndexes } from "../store/records.js";
import { sourceScope } from "../store/record-crypto.js";
import { auditActor, callerOf } from "./caller.js";
import { pageSize, pageToken, toDataSource } from "./mapping.js";

const updatable = ["name", "display_fields", "script_fields", "priority"] as const;
type Updatable = (typeof updatable)[number];

function nameViolation(name: string): FieldViolation | undefined {
  return required(name, "name") ?? maxLength(name, 100, "name");
}

function priorityViolation(priority: number): FieldViolation | undefined {
  return inRange(priority, 0, 1_000_000, "priority");
}

export function dataSourceHandlers(deps: RecognitionDeps): ServiceImpl<typeof DataSourceService> {
  return {
    async createDataSource(request, context) {
      const actor = auditActor(context);
      const { tenantId } = callerOf(context);
      const row = await withTenant(deps.db, tenantId, async (trx) => {
        const inserted = await insertDataSource(trx, { id: randomUUID(), tenantId, name: request.name.trim(), displayFields: request.displayFields, scriptFields: request.scriptFields, priority: request.priority });
        if (!inserted) throw new RpcError(Code.AlreadyExists, `a data source named "${request.name.trim()}" exists already: choose another name`);
        // The source's data key and the tenant's index key exist before the
        // first sync: a key created inside a sync's own transaction cannot be
        // cached until it commits, and every record would look it up again.
        await deps.keyring.rotateDataKey(trx, tenantId, sourceScope(inserted.id));
        await deps.keyring.blindIndex(trx, tenantId, "warm");
        await enqueueEvent(trx, recognitionEvents.dataSourceCreated, { organizationId: tenantId, dataSourceId: inserted.id });
        await recordAudit(trx, { tenantId, actor, action: "recognition.data_source.created", resource: { type: "data_source", id: inserted.id }, details: { displayFields: inserted.display_fields.join(","), scriptFields: inserted.script_fields.join(","), priority: inserted.priority } });
        return inserted;
      });
      return { dataSource: toDataSource(row) };
    },

    async getDataSource(request, context) {
      const { tenantId } = callerOf(context);
      const row = await withTenant(deps.db, tenantId, (trx) => findDataSource(trx, request.id));
      if (!row) throw new RpcError(Code.NotFound, `no data source with id ${request.id}`);
      return { dataSource: toDataSource(row) };
    },

    async listDataSources(request, context) {
      const { tenantId } = callerOf(context);
      const limit = pageSize(request.pageSize);
      const rows = await withTenant(deps.db, tenantId, (trx) => listDataSources(trx, limit + 1, pageToken.decode(request.pageToken)));
      const page = rows.slice(0, limit);
      return { dataSources: page.map(toDataSource), nextPageToken: rows.length > limit ? pageToken.encode(page.at(-1)?.name) : "" };
    },

    async updateDataSource(request, context) {
      const actor = auditActor(context);
      const { tenantId } = callerOf(context);
      const paths = (request.updateMask?.paths.length ? request.updateMask.paths : updatable) as Updatable[];
      const changes: DataSourceChanges = {
        ...(paths.includes("name") ? { name: request.name.trim() } : {}),
        ...(paths.includes("display_fields") ? { displayFields: request.displayFields } : {}),
        ...(paths.includes("script_fields") ? { scriptFields: request.scriptFields } : {}),
        ...(paths.includes("priority") ? { priority: request.priority } : {}),
      };
      const { row, numberIndexes } = await withTenant(deps.db, tenantId, async (trx) => {
        const updated = await updateDataSource(trx, request.id, changes);
        if (updated === "conflict") throw new RpcError(Code.AlreadyExists, `a data source named "${changes.name}" exists already: choose another name`);
        if (!updated) throw new RpcError(Code.NotFound, `no data source with id ${request.id}`);
        await enqueueEvent(trx, recognitionEvents.dataSourceUpdated, { organizationId: tenantId, dataSourceId: updated.id, changed: paths });
        await recordAudit(trx, { tenantId, actor, action: "recognition.data_source.updated", resource: { type: "data_source", id: updated.id }, details: { changed: paths.join(","), displayFields: updated.display_fields.join(","), scriptFields: updated.script_fields.join(","), priority: updated.priority } });
        // Cached matches carry the source's fields and priority: every entry of its numbers must go.
        const affectsMatches = paths.some((path) => path !== "name");
        return { row: updated, numberIndexes: affectsMatches ? await sourceNumberIndexes(trx, tenantId, updated.id) : [] };
      });
      await deps.cache.invalidate(tenantId, numberIndexes).catch((error: Error) => {
        deps.log.error({ event: "data_source.cache_invalidation_failed", tenantId, dataSourceId: row.id, reason: error.message }, "could not invalidate a changed source's cache entries");
      });
      return { dataSource: toDataSource(row) };
    },

    async deleteDataSource(request, context) {
      const actor = auditActor(context);
      const { tenantId } = callerOf(context);
      const deleted = await deleteDataSource(deps, tenantId, actor, request.id);
      return { recordsDeleted: BigInt(deleted) };
    },
  };
}

export function dataSourceService(deps: RecognitionDeps) {
  return registerService(DataSourceService, dataSourceHandlers(deps), {
    validate: {
      createDataSource: (r) =>
        violations(
          nameViolation(r.name),
          fieldListViolations(r.displayFields, "display_fields", { atLeastOne: true }),
          fieldListViolations(r.scriptFields, "script_fields", { atLeastOne: false }),
          priorityViolation(r.priority),
        ),
      getDataSource: (r) => violations(uuid(r.id, "id")),
      listDataSources: (r) => violations(inRange(r.pageSize, 0, 500, "page_size")),
      updateDataSource: (r) => {
        const paths = r.updateMask?.paths.length ? r.updateMask.paths : updatable;
        const unknown = paths.filter((path) => !(updatable as readonly string[]).includes(path));
        return violations(
          uuid(r.id, "id"),
          unknown.length > 0 ? { field: "update_mask", description: `cannot change ${unknown.join(", ")}: only ${updatable.join(", ")}` } : undefined,
          paths.includes("name") ? nameViolation(r.name) : undefined,
          paths.includes("display_fields") ? fieldListViolations(r.displayFields, "display_fields", { atLeastOne: true }) : undefined,
          paths.includes("script_fields") ? fieldListViolations(r.scriptFields, "script_fields", { atLeastOne: false }) : undefined,
          paths.includes("priority") ? priorityViolation(r.priority) : undefined,
        );
      },
      deleteDataSource: (r) => violations(uuid(r.id, "id")),
    },
  });
}
