import { randomUUID } from "node:crypto";
import type { NatsConnection } from "@nats-io/transport-node";
import { recordAudit } from "@switchboard/audit";
import type { Keyring } from "@switchboard/crypto";
import { withTenant } from "@switchboard/db";
import { TelephonyService } from "@switchboard/proto/switchboard/telephony/v1/telephony_pb";
import { Code, RpcError, maxLength, registerService, required, violations, type Caller, type ServiceImpl } from "@switchboard/rpc";
import type { Kysely } from "kysely";
import { PbxRefusedError } from "../adapters/adapter.js";
import { dialFormatOf, vendors } from "../adapters/vendors.js";
import { dialString, toE164 } from "../domain/phone-numbers.js";
import { findConnection } from "../store/connections.js";
import { extensionOfUser } from "../store/extensions.js";
import type { TelephonyDatabase } from "../store/schema.js";
import { regionOf } from "../store/tenant-regions.js";
import { requestOriginate } from "../supervision/originate-route.js";
import { callerOf, clientAddressOf } from "./caller.js";

export interface TelephonyServiceDeps {
  db: Kysely<TelephonyDatabase>;
  keyring: Keyring;
  nc: NatsConnection;
  routePrefix: string;
  originateTimeoutMs: number;
}

export function telephonyHandlers(deps: TelephonyServiceDeps): ServiceImpl<typeof TelephonyService> {
  const { db, keyring } = deps;

  const audit = (caller: Caller, clientAddress: string | undefined, call: { callId: string; connectionId: string; e164: string; outcome: "success" | "failure"; reason?: string }) =>
    withTenant(db, caller.tenantId, async (trx) =>
      recordAudit(trx, {
        tenantId: caller.tenantId,
        actor: { caller, clientAddress },
        action: "telephony.call.dialled",
        resource: { type: "call", id: call.callId },
        personalData: ["phone_number"],
        outcome: call.outcome,
        // The number is personal data: only its blind index (HMAC under the
        // tenant's index key) goes into the trail, enough to answer "who
        // called this number" and gone when the tenant's keys are shredded.
        details: {
          connection_id: call.connectionId,
          number_index: (await keyring.blindIndex(trx, caller.tenantId, call.e164)).toString("hex"),
          ...(call.reason ? { reason: call.reason } : {}),
        },
      }),
    );

  return {
    async dial(request, context) {
      const caller = callerOf(context);
      const found = await withTenant(db, caller.tenantId, async (trx) => {
        const region = await regionOf(trx);
        const extension = await extensionOfUser(trx, caller.subject);
        const connection = extension && (await findConnection(trx, extension.connection_id));
        return { region, extension, connection };
      });
      const e164 = toE164(request.number, found.region);
      if (!e164) {
        throw RpcError.invalidArgument([
          {
            field: "number",
            description: found.region
              ? `is not a phone number: write it as +31 35 699 0230 or in your organisation's national format (${found.region})`
              : "is not a phone number in international format (+31 35 699 0230); your organisation's default region is not known yet",
          },
        ]);
      }
      const vendor = found.connection && vendors[found.connection.vendor];
      if (!found.extension || !found.connection || !vendor) {
        throw new RpcError(Code.FailedPrecondition, "you have no extension: ask a tenant admin to assign one with AssignExtension");
      }
      const callId = randomUUID();
      const connectionId = found.connection.id;
      const dial = dialString(e164, found.region, dialFormatOf(vendor, found.connection.settings));
      const clientAddress = clientAddressOf(context);
      try {
        await requestOriginate(deps.nc, deps.routePrefix, connectionId, { callId, extension: found.extension.extension, dial, e164 }, deps.originateTimeoutMs);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await audit(caller, clientAddress, { callId, connectionId, e164, outcome: "failure", reason: err instanceof PbxRefusedError ? "refused" : "unavailable" });
        if (err instanceof PbxRefusedError) throw new RpcError(Code.FailedPrecondition, `${message}: check the connection's settings and the extension`);
        throw new RpcError(Code.Unavailable, `your phone system cannot be reached: ${message}`);
      }
      await audit(caller, clientAddress, { callId, connectionId, e164, outcome: "success" });
      return { callId, normalizedNumber: e164, connectionId };
    },
  };
}

export function telephonyService(deps: TelephonyServiceDeps) {
  return registerService(TelephonyService, telephonyHandlers(deps), {
    validate: {
      dial: (r) => violations(required(r.number, "number"), maxLength(r.number, 40, "number")),
    },
  });
}
