import { randomUUID } from "node:crypto";
import type { DescMethod } from "@bufbuild/protobuf";
import { Code as ConnectCode, ConnectError } from "@connectrpc/connect";
import { Code, RpcError, type Logger } from "@switchboard/rpc";

/**
 * What a failed forwarded call becomes for the gateway's caller.
 *
 * - The call's own signal was aborted by connect (the client's deadline
 *   passed, or the gateway is shutting down): connect's reason, as is.
 * - An RpcError (what the upstream answered): the same code — Connect's Code
 *   numbers are gRPC's — and the upstream's message, which libs/rpc already
 *   keeps free of internals. Except UNAVAILABLE: grpc-js writes that one
 *   itself when it cannot reach the upstream, quoting internal addresses.
 * - Anything else is a bug in the gateway: INTERNAL with a correlation id,
 *   details only in the log.
 */
export function toConnectError(error: unknown, method: DescMethod, signal: AbortSignal, log: Logger): ConnectError {
  if (signal.aborted && signal.reason instanceof ConnectError) return signal.reason;
  const rpc = `${method.parent.typeName}/${method.name}`;
  if (error instanceof RpcError) {
    if (error.code === Code.Unavailable) {
      log.warn({ event: "gateway.upstream_unavailable", rpc, detail: error.message });
      return new ConnectError(`${method.parent.name} is unavailable right now: try again shortly`, ConnectCode.Unavailable);
    }
    return new ConnectError(error.message, connectCodeOf(error.code));
  }
  const correlationId = randomUUID();
  log.error({ event: "gateway.forward_failed", rpc, correlationId, err: error }, "unexpected error while forwarding");
  return new ConnectError(
    `internal error; it has been logged with correlation id ${correlationId}: quote it when reporting the problem`,
    ConnectCode.Internal,
  );
}

function connectCodeOf(code: Code): ConnectCode {
  return code >= ConnectCode.Canceled && code <= ConnectCode.Unauthenticated ? (code as number as ConnectCode) : ConnectCode.Unknown;
}
