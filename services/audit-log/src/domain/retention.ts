/** How long entries are kept: a default, and per personal-data category where it differs. */
export interface RetentionPolicy {
  defaultDays: number;
  byCategory: ReadonlyMap<string, number>;
}

/** An entry is kept as long as the longest period among its categories (the default when it names none). */
export function retentionDays(categories: readonly string[], policy: RetentionPolicy): number {
  if (categories.length === 0) return policy.defaultDays;
  return Math.max(...categories.map((category) => policy.byCategory.get(category) ?? policy.defaultDays));
}

export function isExpired(entry: { recordedAt: Date; categories: readonly string[] }, policy: RetentionPolicy, now: Date): boolean {
  return entry.recordedAt.getTime() + retentionDays(entry.categories, policy) * 86_400_000 < now.getTime();
}

/**
 * How many entries from the start of a tenant's (remaining) chain may go:
 * the leading run of expired ones. Retention removes a prefix so the rest
 * still chains to a signed checkpoint; an entry younger than its period
 * keeps the ones after it too, until it expires.
 */
export function expiredPrefixLength(entries: readonly { recordedAt: Date; categories: readonly string[] }[], policy: RetentionPolicy, now: Date): number {
  const firstKept = entries.findIndex((entry) => !isExpired(entry, policy, now));
  return firstKept === -1 ? entries.length : firstKept;
}

/** Parses `contact=730,credentials=365` (days per category). */
export function parseCategoryRetention(text: string): Map<string, number> | string {
  const byCategory = new Map<string, number>();
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z][a-z0-9_-]*)=(\d+)$/.exec(part);
    if (!match) return `"${part}" is not category=days (e.g. contact=730)`;
    byCategory.set(match[1]!, Number(match[2]));
  }
  return byCategory;
}
