import { DataSourceService } from "@switchboard/proto/switchboard/recognition/v1/data_sources_pb";
import { RecognitionService } from "@switchboard/proto/switchboard/recognition/v1/recognition_pb";
import { createClient, type Channel } from "@switchboard/rpc";
import type { MatchFacts } from "../domain/script-choice.js";

/** Recognition's answer, reduced to what a pop shows and scripts use. */
export interface LookupAnswer {
  recognized: boolean;
  matches: (MatchFacts & { displayFields: Record<string, string> })[];
}

/** What the organisation's data sources offer scripts. */
export interface SourceCatalogue {
  ids: ReadonlySet<string>;
  scriptFields: ReadonlySet<string>;
}

/**
 * Screenpop calls recognition *as the user it works for*: the agent's own
 * access token (from their WatchScreenPops stream) for a lookup, the admin's
 * token (from their CreateScript call) for the data sources. Recognition's
 * own policies decide (recognition.lookup, recognition.sources.manage), so
 * screenpop holds no credential of its own that could read any tenant's
 * contacts. See README "Calling recognition".
 */
export interface RecognitionClient {
  lookup(authorization: string, number: string, timeoutMs: number): Promise<LookupAnswer>;
  catalogue(authorization: string, timeoutMs: number): Promise<SourceCatalogue>;
}

export function recognitionClient(channel: Channel): RecognitionClient {
  const lookups = createClient(RecognitionService, channel);
  const sources = createClient(DataSourceService, channel);
  return {
    async lookup(authorization, number, timeoutMs) {
      const answer = await lookups.lookup({ number }, { timeoutMs, metadata: { authorization } });
      return {
        recognized: answer.recognized,
        matches: answer.matches.map((m) => ({ dataSourceId: m.dataSourceId, displayFields: { ...m.displayFields }, scriptParams: { ...m.scriptParams } })),
      };
    },
    async catalogue(authorization, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const ids = new Set<string>();
      const scriptFields = new Set<string>();
      let pageToken = "";
      do {
        const page = await sources.listDataSources({ pageSize: 500, pageToken }, { deadline, metadata: { authorization } });
        for (const source of page.dataSources) {
          ids.add(source.id);
          for (const field of source.scriptFields) scriptFields.add(field);
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
      return { ids, scriptFields };
    },
  };
}
