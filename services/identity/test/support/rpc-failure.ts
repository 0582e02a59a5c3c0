import { expect } from "vitest";
import { RpcError } from "@switchboard/rpc";

/** The RpcError a call failed with; fails the test when it succeeded or threw something else. */
export async function failure(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}
