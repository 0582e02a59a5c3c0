import { declarePolicies, requires } from "@switchboard/authz";
import { DataSourceService } from "@switchboard/proto/switchboard/recognition/v1/data_sources_pb";
import { RecognitionService } from "@switchboard/proto/switchboard/recognition/v1/recognition_pb";
import { SyncService } from "@switchboard/proto/switchboard/recognition/v1/sync_pb";

/**
 * Agents (and admins) look up; tenant admins configure sources; admins and
 * the sync agent's service account sync. Staff roles hold none of these
 * permissions: they never see recognition data. The role table is in libs/authz.
 */
export const recognitionPolicies = {
  ...declarePolicies(RecognitionService, {
    lookup: requires("recognition.lookup"),
  }),
  ...declarePolicies(DataSourceService, {
    createDataSource: requires("recognition.sources.manage"),
    getDataSource: requires("recognition.sources.manage"),
    listDataSources: requires("recognition.sources.manage"),
    updateDataSource: requires("recognition.sources.manage"),
    deleteDataSource: requires("recognition.sources.manage"),
  }),
  ...declarePolicies(SyncService, {
    beginSync: requires("recognition.sync"),
    pushRecords: requires("recognition.sync"),
    commitSync: requires("recognition.sync"),
    getSyncState: requires("recognition.sync"),
  }),
};
