import { parseTemplate, renderParsed, type ParsedTemplate } from "./url-template.js";
import { placeholderValues, type CallFacts } from "./call-values.js";

export type Trigger = "recognized" | "unrecognized" | "always";

/** A stored script as evaluation needs it. */
export interface ScriptDefinition {
  id: string;
  name: string;
  trigger: Trigger;
  urlTemplate: string;
  /** Empty: any source. */
  dataSourceId: string;
  autoOpen: boolean;
  position: number;
}

/** One match of recognition's answer, as far as scripts care. */
export interface MatchFacts {
  dataSourceId: string;
  scriptParams: Readonly<Record<string, string>>;
}

export interface RenderedAction {
  scriptId: string;
  name: string;
  url: string;
  autoOpen: boolean;
}

export interface SkippedScript {
  scriptId: string;
  problem: string;
}

/**
 * Which scripts run for a call, and their URLs. Recognised: RECOGNIZED and
 * ALWAYS scripts, with the script fields of the first match (or of the first
 * match of the script's data source; a script whose source did not match does
 * not run). Not recognised: UNRECOGNIZED and ALWAYS scripts without a source
 * filter. A script that cannot render (a field the match lacks, an unsafe
 * value) is skipped and reported, never rendered half.
 */
export function chooseAndRender(scripts: readonly ScriptDefinition[], call: CallFacts, matches: readonly MatchFacts[], parse: (template: string) => ParsedTemplate = parseTemplate) {
  const recognized = matches.length > 0;
  const actions: RenderedAction[] = [];
  const skipped: SkippedScript[] = [];
  const ordered = [...scripts].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
  for (const script of ordered) {
    if (script.trigger === "recognized" && !recognized) continue;
    if (script.trigger === "unrecognized" && recognized) continue;
    let match: MatchFacts | undefined = matches[0];
    if (script.dataSourceId) {
      match = matches.find((m) => m.dataSourceId === script.dataSourceId);
      if (!match) continue;
    }
    try {
      const rendered = renderParsed(parse(script.urlTemplate), placeholderValues(call, match?.scriptParams));
      if (rendered.ok) actions.push({ scriptId: script.id, name: script.name, url: rendered.url, autoOpen: script.autoOpen });
      else skipped.push({ scriptId: script.id, problem: rendered.problem });
    } catch (error) {
      skipped.push({ scriptId: script.id, problem: (error as Error).message });
    }
  }
  return { actions, skipped };
}
