import { Code, RpcError, type FieldViolation } from "@switchboard/rpc";
import { builtinPlaceholders, checkTemplate, parseTemplate, TemplateError, type ParsedTemplate } from "../domain/url-template.js";
import type { ScreenPopDeps } from "../deps.js";

const builtins: ReadonlySet<string> = new Set(builtinPlaceholders);

/**
 * Checks a template (and optional source filter) for saving: structure and
 * scheme here; placeholders beyond the built-ins, and the filter, against the
 * organisation's data sources, asked of recognition with the admin's own
 * token. Recognition is asked only when the template needs it.
 */
export async function checkScriptTemplate(
  deps: ScreenPopDeps,
  authorization: string,
  input: { urlTemplate: string; dataSourceId: string; allowedSchemes: readonly string[]; field?: string },
): Promise<ParsedTemplate> {
  const field = input.field ?? "url_template";
  let parsed: ParsedTemplate;
  try {
    parsed = parseTemplate(input.urlTemplate);
  } catch (error) {
    if (error instanceof TemplateError) throw RpcError.invalidArgument([{ field, description: error.message }]);
    throw error;
  }
  const needsSources = input.dataSourceId !== "" || parsed.placeholders.some((name) => !builtins.has(name));
  let known = builtins;
  const problems: FieldViolation[] = [];
  if (needsSources) {
    const catalogue = await deps.recognition.catalogue(authorization, deps.catalogueTimeoutMs).catch((error: RpcError) => {
      if (error.code === Code.PermissionDenied || error.code === Code.Unauthenticated) throw error;
      deps.log.warn({ event: "script.catalogue_unavailable", code: error.code });
      throw new RpcError(Code.Unavailable, "cannot check the template's fields against your data sources right now (recognition is unavailable): try again shortly");
    });
    known = new Set([...builtins, ...catalogue.scriptFields]);
    if (input.dataSourceId !== "" && !catalogue.ids.has(input.dataSourceId)) {
      problems.push({ field: "data_source_id", description: `no data source with id ${input.dataSourceId} in your organisation` });
    }
  }
  const problem = checkTemplate(parsed, { allowedSchemes: input.allowedSchemes, knownPlaceholders: known });
  if (problem) problems.unshift({ field, description: problem });
  if (problems.length > 0) throw RpcError.invalidArgument(problems);
  return parsed;
}
