import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ScriptSchema, ScriptTrigger, type Script } from "@switchboard/proto/switchboard/screenpop/v1/scripts_pb";
import type { Trigger } from "../domain/script-choice.js";
import type { ScriptRow } from "../store/scripts.js";

const toWire = { recognized: ScriptTrigger.RECOGNIZED, unrecognized: ScriptTrigger.UNRECOGNIZED, always: ScriptTrigger.ALWAYS } as const;

export function triggerOf(trigger: ScriptTrigger): Trigger | undefined {
  if (trigger === ScriptTrigger.RECOGNIZED) return "recognized";
  if (trigger === ScriptTrigger.UNRECOGNIZED) return "unrecognized";
  if (trigger === ScriptTrigger.ALWAYS) return "always";
  return undefined;
}

export function toScript(row: ScriptRow): Script {
  return create(ScriptSchema, {
    id: row.id,
    name: row.name,
    trigger: toWire[row.trigger],
    urlTemplate: row.url_template,
    dataSourceId: row.data_source_id ?? "",
    autoOpen: row.auto_open,
    position: row.position,
    createTime: timestampFromDate(row.created_at),
    updateTime: timestampFromDate(row.updated_at),
  });
}
