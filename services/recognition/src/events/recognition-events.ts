import { defineEvent } from "@switchboard/events";
import {
  DataSourceCreatedSchema,
  DataSourceDeletedSchema,
  DataSourceUpdatedSchema,
  SyncCommittedSchema,
  TenantPurgedSchema,
} from "@switchboard/proto/switchboard/recognition/v1/events_pb";

/** Everything recognition publishes, on stream SWITCHBOARD_RECOGNITION (`switchboard.recognition.>`), through its outbox. */
export const recognitionEvents = {
  dataSourceCreated: defineEvent("switchboard.recognition.data_source.created", DataSourceCreatedSchema),
  dataSourceUpdated: defineEvent("switchboard.recognition.data_source.updated", DataSourceUpdatedSchema),
  dataSourceDeleted: defineEvent("switchboard.recognition.data_source.deleted", DataSourceDeletedSchema),
  syncCommitted: defineEvent("switchboard.recognition.sync.committed", SyncCommittedSchema),
  tenantPurged: defineEvent("switchboard.recognition.tenant.purged", TenantPurgedSchema),
};

export const recognitionStream = { name: "SWITCHBOARD_RECOGNITION", subjects: ["switchboard.recognition.>"] };
