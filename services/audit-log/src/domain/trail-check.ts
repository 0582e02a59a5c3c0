import type { KeyObject } from "node:crypto";
import { genesisHash, type ChainCheck } from "./chain.js";
import { checkpointProblem, type SignedCheckpoint } from "./checkpoint.js";

// The checks beyond the chain itself (chain.ts): where a range may start
// after retention, whether entries match the checkpoints signed for them,
// and whether the newest entries are still there. Pure; the store feeds them.

export type Broken = Omit<ChainCheck, "ok"> & { ok: false };

const broken = (firstBrokenSequence: number, problem: string, checked = 0): Broken => ({ ok: false, checked, firstBrokenSequence, problem });

/**
 * The hash a range starting at `from` chains to: genesis for 1, else the
 * stored entry before it, else the retention checkpoint signed for the
 * entry before it (the entries up to it were removed by retention).
 */
export function startHash(
  from: number,
  previousEntryHash: string | undefined,
  retentionBefore: SignedCheckpoint | undefined,
  trusted: Map<string, KeyObject>,
): { hash: string; checkpointsChecked: number } | Broken {
  if (from === 1) return { hash: genesisHash, checkpointsChecked: 0 };
  if (previousEntryHash !== undefined) return { hash: previousEntryHash, checkpointsChecked: 0 };
  if (retentionBefore?.sequence === from - 1) {
    const problem = checkpointProblem(retentionBefore, trusted);
    return problem ? broken(from - 1, problem) : { hash: retentionBefore.hash, checkpointsChecked: 1 };
  }
  return broken(from - 1, `missing entry: sequence ${from - 1} is not in the trail and no signed retention checkpoint covers its removal`);
}

/** Each checkpoint must be genuine and name the hash its entry has. */
export function checkEntriesAgainstCheckpoints(hashes: ReadonlyMap<number, string>, checkpoints: readonly SignedCheckpoint[], trusted: Map<string, KeyObject>): Broken | number {
  let checkedCount = 0;
  for (const checkpoint of checkpoints) {
    const stored = hashes.get(checkpoint.sequence);
    if (stored === undefined) continue;
    const problem = checkpointProblem(checkpoint, trusted);
    if (problem) return broken(checkpoint.sequence, problem);
    if (stored !== checkpoint.hash) {
      return broken(checkpoint.sequence, `hash mismatch: entry ${checkpoint.sequence} differs from the ${checkpoint.kind} checkpoint signed at ${checkpoint.signedAt}`);
    }
    checkedCount += 1;
  }
  return checkedCount;
}

/**
 * After the last entry of a full walk: the chain must reach as far as its
 * head says and as far as the newest genuine checkpoint says. Removing the
 * newest entries (and even resetting the head) leaves a checkpoint signed
 * for a sequence no longer there.
 */
export function truncationProblem(
  lastPresent: number,
  headSequence: number,
  newest: SignedCheckpoint | undefined,
  trusted: Map<string, KeyObject>,
): Broken | undefined {
  if (newest) {
    const problem = checkpointProblem(newest, trusted);
    if (problem) return broken(newest.sequence, problem);
  }
  const signedEnd = newest?.sequence ?? 0;
  if (lastPresent < signedEnd) {
    return broken(lastPresent + 1, `missing entries: the trail ends at ${lastPresent}, but a ${newest!.kind} checkpoint signed at ${newest!.signedAt} covers sequence ${signedEnd} (truncated)`);
  }
  if (lastPresent < headSequence) {
    return broken(lastPresent + 1, `missing entries: the trail ends at ${lastPresent}, but its chain head records sequence ${headSequence} (truncated)`);
  }
  return undefined;
}
