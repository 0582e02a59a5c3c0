import { declarePolicies, requires } from "@switchboard/authz";
import { PbxConnectionService } from "@switchboard/proto/switchboard/telephony/v1/pbx_connections_pb";
import { TelephonyService } from "@switchboard/proto/switchboard/telephony/v1/telephony_pb";

/** Agents (and admins) dial; tenant admins manage connections and extensions. */
export const telephonyPolicies = {
  ...declarePolicies(TelephonyService, {
    dial: requires("telephony.dial"),
  }),
  ...declarePolicies(PbxConnectionService, {
    createPbxConnection: requires("telephony.connections.manage"),
    listPbxConnections: requires("telephony.connections.manage"),
    deletePbxConnection: requires("telephony.connections.manage"),
    assignExtension: requires("telephony.connections.manage"),
  }),
};
