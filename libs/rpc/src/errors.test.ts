import { describe, expect, it } from "vitest";
import { Metadata, status } from "@grpc/grpc-js";
import { Code, RpcError, fromServiceError, toStatus } from "./errors.js";

describe("toStatus", () => {
  it("keeps an RpcError's code and message", () => {
    const { status: mapped, correlationId } = toStatus(new RpcError(Code.FailedPrecondition, "user has no extension: assign one with AssignExtension"));
    expect(mapped.code).toBe(Code.FailedPrecondition);
    expect(mapped.details).toBe("user has no extension: assign one with AssignExtension");
    expect(correlationId).toBeUndefined();
  });

  it("hides anything else behind INTERNAL and a fresh correlation id", () => {
    const first = toStatus(new TypeError("relation \"users\" does not exist"));
    const second = toStatus("a string thrown by a library");
    expect(first.status.code).toBe(Code.Internal);
    expect(first.status.details).not.toMatch(/users|does not exist/);
    expect(first.status.details).toContain(first.correlationId!);
    expect(second.correlationId).not.toBe(first.correlationId);
  });

  it("names every violated field in an INVALID_ARGUMENT message", () => {
    const error = RpcError.invalidArgument([
      { field: "name", description: "must not be empty" },
      { field: "port", description: "must be between 1 and 65535 (got 0)" },
    ]);
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toBe("invalid request: name: must not be empty; port: must be between 1 and 65535 (got 0)");
  });
});

describe("fromServiceError", () => {
  it("turns a grpc-js client error into an RpcError with the server's code and text", () => {
    const serviceError = Object.assign(new Error("5 NOT_FOUND: no such data source"), {
      code: status.NOT_FOUND,
      details: "no such data source",
      metadata: new Metadata(),
    });
    const error = fromServiceError(serviceError) as RpcError;
    expect(error).toBeInstanceOf(RpcError);
    expect(error.code).toBe(Code.NotFound);
    expect(error.message).toBe("no such data source");
  });

  it("leaves other errors alone", () => {
    const plain = new Error("socket hang up");
    expect(fromServiceError(plain)).toBe(plain);
  });
});
