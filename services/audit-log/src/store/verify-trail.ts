import type { KeyObject } from "node:crypto";
import type { Transaction } from "kysely";
import { verifyEntries, type ChainCheck } from "../domain/chain.js";
import { checkEntriesAgainstCheckpoints, startHash, truncationProblem } from "../domain/trail-check.js";
import { checkpointsInRange, newestCheckpoint } from "./checkpoints.js";
import { toChainEntry } from "./entries.js";
import type { AuditDatabase } from "./schema.js";

type Trx = Transaction<AuditDatabase>;

export interface TrailCheck extends ChainCheck {
  checkpointsChecked: number;
}

const PAGE = 5_000;

/**
 * Verifies the tenant's trail over [from, to] page by page: each entry
 * chained to its predecessor, each signed checkpoint in the range matching
 * its entry, and — when the range runs to the end — nothing missing after
 * the last entry. A range starting before the oldest retained entry starts
 * at it, chained to the retention checkpoint that covers what was removed.
 */
export async function verifyTrail(trx: Trx, requestedFrom: number | undefined, to: number | undefined, trusted: Map<string, KeyObject>): Promise<TrailCheck> {
  // Read in this order so the head is never behind the newest checkpoint; a
  // walk "to the end" stops at this head, so appends arriving meanwhile are
  // neither checked nor mistaken for anything.
  const newest = await newestCheckpoint(trx);
  const head = Number((await trx.selectFrom("chain_head").select("sequence").executeTakeFirst())?.sequence ?? 0);
  const end = to ?? head;
  const bounds = await trx
    .selectFrom("audit_entry")
    .select((eb) => [eb.fn.min<string>("sequence").as("first"), eb.fn.max<string>("sequence").as("last")])
    .executeTakeFirstOrThrow();
  const newestRetention = await newestCheckpoint(trx, "retention");
  const firstPresent = bounds.first !== null ? Number(bounds.first) : (newestRetention?.sequence ?? 0) + 1;
  const from = Math.max(requestedFrom ?? 1, firstPresent);

  const previous = from > 1 ? await trx.selectFrom("audit_entry").select("hash").where("sequence", "=", String(from - 1) as never).executeTakeFirst() : undefined;
  const retentionBefore = from > 1 ? (await checkpointsInRange(trx, from - 1, from - 1)).find((c) => c.kind === "retention") : undefined;
  const start = startHash(from, previous?.hash.trim(), retentionBefore, trusted);
  if ("ok" in start) return { ...start, checkpointsChecked: 0 };

  let hash = start.hash;
  let next = from;
  let checked = 0;
  let checkpointsChecked = start.checkpointsChecked;
  for (;;) {
    const page = (
      await trx.selectFrom("audit_entry").selectAll().where("sequence", ">=", String(next) as never).where("sequence", "<=", String(end) as never).orderBy("sequence").limit(PAGE).execute()
    ).map(toChainEntry);
    if (page.length === 0) break;
    const chain = verifyEntries(page, hash, next);
    if (!chain.ok) return { ...chain, checked: checked + chain.checked, checkpointsChecked };
    const last = page.at(-1)!;
    const matched = checkEntriesAgainstCheckpoints(new Map(page.map((e) => [e.sequence, e.hash])), await checkpointsInRange(trx, page[0]!.sequence, last.sequence), trusted);
    if (typeof matched !== "number") return { ...matched, checked: checked + chain.checked, checkpointsChecked };
    checked += chain.checked;
    checkpointsChecked += matched;
    hash = last.hash;
    next = last.sequence + 1;
    if (page.length < PAGE) break;
  }

  if (to === undefined) {
    const truncated = truncationProblem(next - 1, head, newest, trusted);
    if (truncated) return { ...truncated, checked, checkpointsChecked };
  }
  return { ok: true, checked, firstBrokenSequence: 0, problem: "", checkpointsChecked };
}
