/**
 * Each organisation's default region, kept in memory for a minute: a cache
 * hit must not cost a Postgres query to read "035-6990230" as Dutch. A region
 * change reaches other replicas within the TTL.
 */
export function createRegionCache(ttlMs = 60_000, maxEntries = 10_000) {
  const entries = new Map<string, { region: string | undefined; until: number }>();
  return {
    get(tenantId: string): { region: string | undefined } | undefined {
      const entry = entries.get(tenantId);
      if (!entry) return undefined;
      if (entry.until < Date.now()) {
        entries.delete(tenantId);
        return undefined;
      }
      return { region: entry.region };
    },
    set(tenantId: string, region: string | undefined) {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(tenantId, { region, until: Date.now() + ttlMs });
    },
    forget(tenantId: string) {
      entries.delete(tenantId);
    },
  };
}

export type RegionCache = ReturnType<typeof createRegionCache>;
