// PushRecords requests for the sync figures, encoded before the clock starts.
//
// protobuf-es takes ~10 ms to encode 1,000 records. With one batch in flight the
// load generator would add that to every batch it times, and for an unchanged
// re-sync it is a third of the round trip: the figure would measure the load
// generator's encoder as much as the server's ingest. So the records are
// encoded up front, as ghz sends a fixed body, and each call writes bytes.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Metadata } from "@grpc/grpc-js";
import { PushRecordsRequestSchema, PushRecordsResponseSchema, SyncService, type PushRecordsResponse } from "@switchboard/proto/switchboard/recognition/v1/sync_pb";
import { fromServiceError, methodPath, type Channel } from "@switchboard/rpc";

export const BATCH_SIZE = 1_000;

/** Records for a sync batch: `round` makes them new (or, repeated, unchanged). */
function syncBatch(round: number, size = BATCH_SIZE) {
  return Array.from({ length: size }, (_, i) => {
    const n = round * size + i;
    return { externalId: `bench-${n}`, phoneNumbers: [`+3120${String(1_000_000 + n).padStart(7, "0")}`], fields: { name: `Contact ${n}`, company: "Acme", crmId: `bench-${n}` } };
  });
}

const encodeUpserts = (round: number) => toBinary(PushRecordsRequestSchema, create(PushRecordsRequestSchema, { upserts: syncBatch(round) }));

export interface EncodedPushes {
  /** Sends `round`'s records as batch `batchId` of `syncId`. */
  push(syncId: string, batchId: string, round: number): Promise<PushRecordsResponse>;
  /** Rounds whose records were not in the pool and were encoded while timed. */
  encodedLate(): number;
}

/**
 * Rounds `first` … `first + pooled - 1` are encoded now; a later round is
 * encoded when asked for (so a faster server is measured conservatively, never
 * sent stale records).
 */
export function encodedPushes(channel: Channel, token: string, pool: { first: number; pooled: number }): EncodedPushes {
  const upserts = new Map<number, Uint8Array>();
  for (let round = pool.first; round < pool.first + pool.pooled; round++) upserts.set(round, encodeUpserts(round));
  let late = 0;
  const path = methodPath(SyncService.method.pushRecords);
  const deserialize = (bytes: Buffer) => fromBinary(PushRecordsResponseSchema, bytes);
  return {
    push(syncId, batchId, round) {
      let records = upserts.get(round);
      if (!records) {
        late += 1;
        records = encodeUpserts(round);
      }
      // Two encoded messages of one type, concatenated, decode as their merge
      // (protobuf's wire format: repeated fields append), so the sync and batch
      // ids go in front of the pre-encoded records.
      const head = toBinary(PushRecordsRequestSchema, create(PushRecordsRequestSchema, { syncId, batchId }));
      const request = Buffer.concat([head, records]);
      const metadata = new Metadata();
      metadata.set("authorization", `Bearer ${token}`);
      return new Promise((resolve, reject) => {
        channel.makeUnaryRequest(path, (bytes: Buffer) => bytes, deserialize, request, metadata, { deadline: Date.now() + 30_000 }, (error, response) =>
          error ? reject(fromServiceError(error)) : resolve(response!),
        );
      });
    },
    encodedLate: () => late,
  };
}
