import { declarePolicies, requires } from "@switchboard/authz";
import { ScreenPopService } from "@switchboard/proto/switchboard/screenpop/v1/screen_pops_pb";
import { ScriptService } from "@switchboard/proto/switchboard/screenpop/v1/scripts_pb";

/**
 * Tenant admins manage scripts; agents (and admins) watch their own pops.
 * Staff roles hold neither: a pop carries a caller's contact data. The role
 * table is in libs/authz.
 */
export const screenPopPolicies = {
  ...declarePolicies(ScriptService, {
    createScript: requires("screenpop.scripts.manage"),
    listScripts: requires("screenpop.scripts.manage"),
    updateScript: requires("screenpop.scripts.manage"),
    deleteScript: requires("screenpop.scripts.manage"),
    previewScript: requires("screenpop.scripts.manage"),
    getScriptSettings: requires("screenpop.scripts.manage"),
    updateScriptSettings: requires("screenpop.scripts.manage"),
  }),
  ...declarePolicies(ScreenPopService, {
    watchScreenPops: requires("screenpop.watch"),
  }),
};
