import { Code, RpcError } from "@switchboard/rpc";
import type { SyncRow } from "../store/syncs.js";

/** The sync, if it may still take batches or a commit; a clear error otherwise. */
export function assertOpen(sync: SyncRow | undefined, syncId: string): SyncRow {
  if (!sync) throw new RpcError(Code.NotFound, `no sync with id ${syncId}: begin one with BeginSync`);
  if (sync.state === "superseded") throw new RpcError(Code.FailedPrecondition, "a newer BeginSync of this data source replaced this sync: push to the sync it returned");
  if (sync.state === "committed") throw new RpcError(Code.FailedPrecondition, "this sync is committed: begin a new one with BeginSync");
  if (sync.state === "expired") throw syncExpired();
  return sync;
}

/** Pushes and a commit to an expired sync: a commit of it would delete, at a full sync's end, every record its lost batches listed. */
export function syncExpired(): RpcError {
  return new RpcError(Code.FailedPrecondition, "this sync stayed open longer than the server keeps one (SYNC_MAX_OPEN) and expired, its batches discarded: begin a new one with BeginSync and send everything again");
}
