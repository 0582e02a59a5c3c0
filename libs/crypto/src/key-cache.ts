/**
 * A bounded, expiring, least-recently-used map. The keyring keeps unwrapped
 * keys here because unwrapping (a KMS round trip, later) per field would be
 * slow; `onEvict` lets it zero-fill key buffers it lets go of.
 */
export interface KeyCache<V> {
  get(id: string): V | undefined;
  set(id: string, value: V): void;
  delete(id: string): void;
  /** Evicts every entry for which `matches` is true. */
  evictWhere(matches: (value: V) => boolean): void;
  clear(): void;
  readonly size: number;
}

export interface KeyCacheOptions<V> {
  ttlMs: number;
  maxEntries: number;
  onEvict?: (value: V) => void;
  now?: () => number;
}

export function createKeyCache<V>(options: KeyCacheOptions<V>): KeyCache<V> {
  const { ttlMs, maxEntries } = options;
  if (!(ttlMs >= 0) || !Number.isInteger(maxEntries) || maxEntries < 0) {
    throw new RangeError(`key cache needs ttlMs >= 0 and an integer maxEntries >= 0 (got ${ttlMs}, ${maxEntries})`);
  }
  const now = options.now ?? Date.now;
  const onEvict = options.onEvict ?? (() => {});
  // Map iteration follows insertion order; re-inserting on read makes the first entry the least recently used.
  const entries = new Map<string, { value: V; expiresAt: number }>();

  const remove = (id: string) => {
    const entry = entries.get(id);
    if (!entry) return;
    entries.delete(id);
    onEvict(entry.value);
  };

  return {
    get(id) {
      const entry = entries.get(id);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        remove(id);
        return undefined;
      }
      entries.delete(id);
      entries.set(id, entry);
      return entry.value;
    },
    set(id, value) {
      if (entries.get(id)?.value !== value) remove(id);
      else entries.delete(id);
      if (maxEntries === 0 || ttlMs === 0) {
        onEvict(value);
        return;
      }
      entries.set(id, { value, expiresAt: now() + ttlMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value as string;
        remove(oldest);
      }
    },
    delete: remove,
    evictWhere(matches) {
      for (const [id, entry] of [...entries]) {
        if (matches(entry.value)) remove(id);
      }
    },
    clear() {
      for (const id of [...entries.keys()]) remove(id);
    },
    get size() {
      return entries.size;
    },
  };
}
