import { randomUUID } from "node:crypto";
import { recordAudit } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import { ScriptService, type CreateScriptRequest, type UpdateScriptRequest } from "@switchboard/proto/switchboard/screenpop/v1/scripts_pb";
import { Code, RpcError, inRange, maxLength, registerService, required, uuid, violations, type FieldViolation, type ServiceImpl } from "@switchboard/rpc";
import { placeholderValues } from "../domain/call-values.js";
import { parseTemplate, renderParsed } from "../domain/url-template.js";
import { forbiddenSchemes } from "../domain/url-template.js";
import { readSampleCall } from "../domain/sample-call.js";
import type { ScreenPopDeps } from "../deps.js";
import { allowedSchemes, saveAllowedSchemes } from "../store/script-settings.js";
import { countScripts, deleteScript, findScript, insertScript, listScripts, maxScriptsPerTenant, updateScript, type ScriptInit } from "../store/scripts.js";
import { auditActor, authorizationOf, callerOf } from "./caller.js";
import { toScript, triggerOf } from "./script-mapping.js";
import { checkScriptTemplate } from "./template-check.js";

const schemePattern = /^[a-z][a-z0-9+.-]{0,31}$/;

function scriptViolations(r: CreateScriptRequest | UpdateScriptRequest): FieldViolation[] {
  return violations(
    required(r.name, "name") ?? maxLength(r.name.trim(), 100, "name"),
    triggerOf(r.trigger) ? undefined : { field: "trigger", description: "must be SCRIPT_TRIGGER_RECOGNIZED, SCRIPT_TRIGGER_UNRECOGNIZED or SCRIPT_TRIGGER_ALWAYS" },
    required(r.urlTemplate, "url_template"),
    r.dataSourceId === "" ? undefined : uuid(r.dataSourceId, "data_source_id"),
    r.dataSourceId !== "" && triggerOf(r.trigger) === "unrecognized" ? { field: "data_source_id", description: "an unrecognised call has no match: a source filter needs trigger RECOGNIZED or ALWAYS" } : undefined,
    inRange(r.position, 0, 1_000, "position"),
  );
}

function initOf(r: CreateScriptRequest | UpdateScriptRequest): ScriptInit {
  return { name: r.name.trim(), trigger: triggerOf(r.trigger)!, urlTemplate: r.urlTemplate, dataSourceId: r.dataSourceId, autoOpen: r.autoOpen, position: r.position };
}

const auditDetails = (init: ScriptInit) => ({ trigger: init.trigger, autoOpen: init.autoOpen, position: init.position, dataSourceId: init.dataSourceId });

export function scriptHandlers(deps: ScreenPopDeps): ServiceImpl<typeof ScriptService> {
  const schemesOf = (tenantId: string) => withTenant(deps.db, tenantId, (trx) => allowedSchemes(trx));
  return {
    async createScript(request, context) {
      const actor = auditActor(context);
      const { tenantId } = callerOf(context);
      const init = initOf(request);
      await checkScriptTemplate(deps, authorizationOf(context), { ...init, allowedSchemes: await schemesOf(tenantId) });
      const row = await withTenant(deps.db, tenantId, async (trx) => {
        if ((await countScripts(trx)) >= maxScriptsPerTenant) {
          throw new RpcError(Code.ResourceExhausted, `your organisation has ${maxScriptsPerTenant} scripts, the most it may have: delete one first`);
        }
        const inserted = await insertScript(trx, randomUUID(), tenantId, init);
        if (inserted === "conflict") throw new RpcError(Code.AlreadyExists, `a script named "${init.name}" exists already: choose another name`);
        await recordAudit(trx, { tenantId, actor, action: "screenpop.script.created", resource: { type: "script", id: inserted.id }, details: auditDetails(init) });
        return inserted;
      });
      return { script: toScript(row) };
    },

    async listScripts(_request, context) {
      const { tenantId } = callerOf(context);
      const rows = await withTenant(deps.db, tenantId, (trx) => listScripts(trx));
      return { scripts: rows.map(toScript) };
    },

    async updateScript(request, context) {
      const actor = auditActor(context);
      const { tenantId } = callerOf(context);
      const init = initOf(request);
      await checkScriptTemplate(deps, authorizationOf(context), { ...init, allowedSchemes: await schemesOf(tenantId) });
      const row = await withTenant(deps.db, tenantId, async (trx) => {
        const updated = await updateScript(trx, request.id, init);
        if (updated === "conflict") throw new RpcError(Code.AlreadyExists, `a script named "${init.name}" exists already: choose another name`);
        if (!updated) throw new RpcError(Code.NotFound, `no script with id ${request.id}`);
        await recordAudit(trx, { tenantId, actor, action: "screenpop.script.updated", resource: { type: "script", id: updated.id }, details: auditDetails(init) });
        return updated;
      });
      return { script: toScript(row) };
    },

    async deleteScript(request, context) {
      const actor = auditActor(context);
      const { tenantId } = callerOf(context);
      await withTenant(deps.db, tenantId, async (trx) => {
        const deleted = await deleteScript(trx, request.id);
        if (!deleted) throw new RpcError(Code.NotFound, `no script with id ${request.id}`);
        await recordAudit(trx, { tenantId, actor, action: "screenpop.script.deleted", resource: { type: "script", id: deleted.id } });
      });
      return {};
    },

    async previewScript(request, context) {
      const { tenantId } = callerOf(context);
      let template: string;
      if (request.subject.case === "scriptId") {
        const id = request.subject.value;
        const row = await withTenant(deps.db, tenantId, (trx) => findScript(trx, id));
        if (!row) throw new RpcError(Code.NotFound, `no script with id ${id}`);
        template = row.url_template;
      } else {
        template = request.subject.value ?? "";
        await checkScriptTemplate(deps, authorizationOf(context), { urlTemplate: template, dataSourceId: "", allowedSchemes: await schemesOf(tenantId) });
      }
      const sample = readSampleCall(request.call);
      if ("problem" in sample) throw RpcError.invalidArgument([sample.problem]);
      const rendered = renderParsed(parseTemplate(template), placeholderValues(sample.call, request.call?.scriptParams ?? {}));
      if (!rendered.ok) throw RpcError.invalidArgument([{ field: "call", description: `the template ${rendered.problem}: add it to the sample call's script_params` }]);
      return { url: rendered.url };
    },

    async getScriptSettings(_request, context) {
      const { tenantId } = callerOf(context);
      return { settings: { allowedSchemes: await schemesOf(tenantId) } };
    },

    async updateScriptSettings(request, context) {
      const actor = auditActor(context);
      const { tenantId } = callerOf(context);
      const schemes = [...new Set((request.settings?.allowedSchemes ?? []).map((s) => s.trim().toLowerCase().replace(/:$/, "")))].filter((s) => s !== "https").sort();
      await withTenant(deps.db, tenantId, async (trx) => {
        const stranded = (await listScripts(trx)).filter((row) => {
          const scheme = parseTemplate(row.url_template).scheme;
          return scheme !== "https" && !schemes.includes(scheme);
        });
        if (stranded.length > 0) {
          throw new RpcError(Code.FailedPrecondition, `the script${stranded.length > 1 ? "s" : ""} ${stranded.map((r) => `"${r.name}"`).join(", ")} use${stranded.length > 1 ? "" : "s"} a scheme you are removing: change or delete ${stranded.length > 1 ? "them" : "it"} first`);
        }
        await saveAllowedSchemes(trx, tenantId, schemes);
        await recordAudit(trx, { tenantId, actor, action: "screenpop.settings.updated", resource: { type: "script_settings", id: tenantId }, details: { allowedSchemes: schemes.join(",") } });
      });
      return { settings: { allowedSchemes: schemes } };
    },
  };
}

export function scriptService(deps: ScreenPopDeps) {
  return registerService(ScriptService, scriptHandlers(deps), {
    validate: {
      createScript: scriptViolations,
      updateScript: (r) => violations(uuid(r.id, "id"), scriptViolations(r)),
      deleteScript: (r) => violations(uuid(r.id, "id")),
      previewScript: (r) =>
        violations(
          r.subject.case === "scriptId" ? uuid(r.subject.value, "script_id") : r.subject.case === "urlTemplate" ? required(r.subject.value, "url_template") : { field: "subject", description: "set script_id or url_template" },
          r.call ? required(r.call.number, "call.number") : { field: "call", description: "must describe the sample call (at least its number)" },
        ),
      updateScriptSettings: (r) =>
        violations(
          (r.settings?.allowedSchemes ?? []).map((raw, index): FieldViolation | undefined => {
            const scheme = raw.trim().toLowerCase().replace(/:$/, "");
            if (!schemePattern.test(scheme)) return { field: `settings.allowed_schemes[${index}]`, description: `"${raw}" is not a URL scheme (letters, digits, '+', '-', '.', starting with a letter)` };
            if (forbiddenSchemes.has(scheme)) return { field: `settings.allowed_schemes[${index}]`, description: `"${scheme}" can never be allowed: it can run code, read local files or send data unencrypted` };
            return undefined;
          }).filter((v): v is FieldViolation => v !== undefined),
          (r.settings?.allowedSchemes.length ?? 0) > 20 ? { field: "settings.allowed_schemes", description: "must list at most 20 schemes" } : undefined,
        ),
    },
  });
}
