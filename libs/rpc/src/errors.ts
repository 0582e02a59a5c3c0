import { randomUUID } from "node:crypto";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import type { Caller } from "./types.js";

/** gRPC status codes, named as callers know them (`Code.NotFound`). */
export enum Code {
  Ok = status.OK,
  Cancelled = status.CANCELLED,
  Unknown = status.UNKNOWN,
  InvalidArgument = status.INVALID_ARGUMENT,
  DeadlineExceeded = status.DEADLINE_EXCEEDED,
  NotFound = status.NOT_FOUND,
  AlreadyExists = status.ALREADY_EXISTS,
  PermissionDenied = status.PERMISSION_DENIED,
  ResourceExhausted = status.RESOURCE_EXHAUSTED,
  FailedPrecondition = status.FAILED_PRECONDITION,
  Aborted = status.ABORTED,
  OutOfRange = status.OUT_OF_RANGE,
  Unimplemented = status.UNIMPLEMENTED,
  Internal = status.INTERNAL,
  Unavailable = status.UNAVAILABLE,
  DataLoss = status.DATA_LOSS,
  Unauthenticated = status.UNAUTHENTICATED,
}

/** One offending request field and what is wrong with it. */
export interface FieldViolation {
  /** Field path as the caller wrote it, e.g. `upserts[3].phone_numbers`. */
  field: string;
  /** What the caller must change, e.g. `must not be empty`. */
  description: string;
}

/**
 * The one error type services throw: a gRPC code and a message the caller can
 * act on. Anything else thrown by a handler is treated as a bug and reaches the
 * caller as INTERNAL with a correlation id (see toStatus).
 */
export class RpcError extends Error {
  override readonly name = "RpcError";

  constructor(
    readonly code: Code,
    message: string,
    readonly fieldViolations: readonly FieldViolation[] = [],
    readonly metadata?: Metadata,
  ) {
    super(message);
  }

  static invalidArgument(violations: readonly FieldViolation[]): RpcError {
    const summary = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
    return new RpcError(Code.InvalidArgument, `invalid request: ${summary}`, violations);
  }
}

/**
 * PERMISSION_DENIED for a caller whose token was valid: the auth hook knows
 * who was refused, so the refusal is logged in that caller's scope (a
 * support debug session records "you may not do this", the most common
 * reason a user calls support).
 */
export class CallerRefusedError extends RpcError {
  constructor(
    readonly caller: Caller,
    message: string,
  ) {
    super(Code.PermissionDenied, message);
  }
}

/** What a handler failure becomes on the wire, plus what to log about it. */
export interface MappedError {
  status: { code: Code; details: string; metadata: Metadata };
  /** Set when the failure was unexpected: log it with the stack under this id. */
  correlationId?: string;
}

/** Maps anything a handler threw to a status that never leaks internals. */
export function toStatus(error: unknown): MappedError {
  if (error instanceof RpcError) {
    const metadata = error.metadata ?? new Metadata();
    return { status: { code: error.code, details: error.message, metadata } };
  }
  const correlationId = randomUUID();
  return {
    correlationId,
    status: {
      code: Code.Internal,
      details: `internal error; it has been logged with correlation id ${correlationId}: quote it when reporting the problem`,
      metadata: new Metadata(),
    },
  };
}

function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === "number" &&
    (error as Partial<ServiceError>).metadata instanceof Metadata
  );
}

/**
 * Turns a grpc-js client failure into an RpcError carrying the server's code
 * and message, so a service that calls another can re-throw it unchanged.
 */
export function fromServiceError(error: unknown): unknown {
  if (!isServiceError(error)) return error;
  return new RpcError(error.code as number as Code, error.details || error.message, [], error.metadata);
}
