import { recordAudit } from "@switchboard/audit";
import type { Keyring } from "@switchboard/crypto";
import type { Transaction } from "kysely";
import { notifyConnectionsChanged } from "../store/connections.js";
import { deleteExtensionOfUser } from "../store/extensions.js";
import type { TelephonyDatabase } from "../store/schema.js";

/**
 * The organisation's contract ended: deletes its PBX connections, extensions
 * and region in the caller's tenant-scoped transaction and crypto-shreds every
 * key of the tenant first, so the PBX credentials in backups stay unreadable.
 * Each connection's supervisor is woken on commit and closes its link.
 */
export async function purgeTenant(trx: Transaction<TelephonyDatabase>, keyring: Keyring, tenantId: string): Promise<{ connections: number; extensions: number }> {
  const connections = await trx.selectFrom("pbx_connection").select("id").where("tenant_id", "=", tenantId).execute();
  const extensions = await trx.deleteFrom("extension").where("tenant_id", "=", tenantId).executeTakeFirst();
  await keyring.shred(trx, tenantId);
  await trx.deleteFrom("pbx_connection").where("tenant_id", "=", tenantId).execute();
  await trx.deleteFrom("connection_directory").where("tenant_id", "=", tenantId).execute();
  await trx.deleteFrom("tenant_region").where("tenant_id", "=", tenantId).execute();
  await trx.deleteFrom("tenant_key").where("tenant_id", "=", tenantId).execute();
  for (const { id } of connections) await notifyConnectionsChanged(trx, id);
  const counted = { connections: connections.length, extensions: Number(extensions.numDeletedRows) };
  await recordAudit(trx, {
    tenantId,
    actor: { system: "telephony-gateway" },
    action: "telephony.tenant.purged",
    resource: { type: "organization", id: tenantId },
    personalData: ["credentials", "telephony_settings"],
    details: counted,
  });
  return counted;
}

/** The user was erased in identity: their extension mapping goes too. */
export async function eraseUser(trx: Transaction<TelephonyDatabase>, tenantId: string, userId: string): Promise<boolean> {
  const connectionId = await deleteExtensionOfUser(trx, tenantId, userId);
  if (!connectionId) return false;
  await recordAudit(trx, {
    tenantId,
    actor: { system: "telephony-gateway" },
    action: "telephony.extension.erased",
    resource: { type: "user", id: userId },
    personalData: ["telephony_settings"],
    details: { connection_id: connectionId },
  });
  return true;
}
