import { expect } from "vitest";
import { RpcError } from "@switchboard/rpc";

export async function failure(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}
