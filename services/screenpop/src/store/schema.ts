import type { EventTables } from "@switchboard/events";
import type { Generated } from "kysely";
import type { Trigger } from "../domain/script-choice.js";

export interface ScriptTable {
  id: string;
  tenant_id: string;
  name: string;
  trigger: Trigger;
  url_template: string;
  data_source_id: string | null;
  auto_open: boolean;
  position: number;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ScriptSettingsTable {
  tenant_id: string;
  allowed_schemes: string[];
  updated_at: Generated<Date>;
}

export interface ScreenPopDatabase extends EventTables {
  script: ScriptTable;
  script_settings: ScriptSettingsTable;
}
