import type { AuditActor } from "@switchboard/audit";
import { Code, RpcError, type Caller, type HandlerContext } from "@switchboard/rpc";

/** The verified caller: the tenant comes from the token, never from the request. */
export function callerOf(context: HandlerContext): Caller {
  if (!context.caller) throw new RpcError(Code.Unauthenticated, "sign in: this call needs an access token");
  return context.caller;
}

/** The caller as the audit trail names them, with the client's address the gateway passed on. */
export function auditActor(context: HandlerContext): AuditActor {
  const forwarded = context.metadata.get("x-client-address")[0];
  return { caller: callerOf(context), clientAddress: typeof forwarded === "string" && forwarded ? forwarded : context.peer.replace(/:\d+$/, "") };
}
