import type { ChainEntry } from "./chain.js";

type ExportedEntry = ChainEntry & { hash: string; recordedAt: string };

export const csvHeader =
  "sequence,recorded_at,occurred_at,action,actor_type,actor_id,actor_tenant_id,actor_roles,actor_client_address,resource_type,resource_id,personal_data_categories,outcome,trace_id,details,hash\n";

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One CSV line (RFC 4180 quoting); lists joined with ';', details as sorted key=value pairs. */
export function csvLine(entry: ExportedEntry): string {
  const details = Object.keys(entry.details)
    .sort()
    .map((key) => `${key}=${entry.details[key]}`)
    .join(";");
  return (
    [
      String(entry.sequence),
      entry.recordedAt,
      entry.occurredAt,
      entry.action,
      entry.actorType,
      entry.actorId,
      entry.actorTenantId,
      entry.actorRoles.join(";"),
      entry.actorClientAddress,
      entry.resourceType,
      entry.resourceId,
      entry.personalDataCategories.join(";"),
      entry.outcome,
      entry.traceId,
      details,
      entry.hash,
    ]
      .map(csvField)
      .join(",") + "\n"
  );
}

/** One JSON object per line: every field the hash covers, so an export can be verified on its own. */
export function jsonLine(entry: ExportedEntry): string {
  return `${JSON.stringify(entry)}\n`;
}
