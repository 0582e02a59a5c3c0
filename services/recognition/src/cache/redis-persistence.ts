import type { Redis } from "ioredis";

/**
 * The hot cache must never reach a disk (architecture: "never persisted or
 * backed up"). Returns what is wrong with the server's configuration, or
 * undefined when it persists nothing. Managed Redis that refuses CONFIG is
 * reported as unknown, not as wrong.
 */
export async function persistenceProblem(redis: Redis): Promise<string | undefined> {
  let save: unknown;
  let appendonly: unknown;
  try {
    save = await redis.config("GET", "save");
    appendonly = await redis.config("GET", "appendonly");
  } catch {
    return undefined;
  }
  const value = (reply: unknown) => (Array.isArray(reply) ? String(reply[1] ?? "") : "");
  const problems = [];
  if (value(save).trim() !== "") problems.push(`save is "${value(save)}" (must be "")`);
  if (value(appendonly) !== "no") problems.push(`appendonly is "${value(appendonly)}" (must be no)`);
  return problems.length > 0 ? `the recognition cache's Redis persists data: ${problems.join(", ")}` : undefined;
}
