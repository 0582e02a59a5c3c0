import type { AuditActor } from "@switchboard/audit";
import { Code, RpcError, type HandlerContext } from "@switchboard/rpc";

/**
 * The address sign-in throttling counts against: the gateway passes the
 * client's socket address in `x-client-address` (it overwrites any value a
 * client sent); a direct in-mesh caller is counted by its peer address.
 */
export function clientAddress(context: HandlerContext): string {
  const forwarded = context.metadata.get("x-client-address")[0];
  return typeof forwarded === "string" && forwarded.length > 0 ? forwarded : context.peer.replace(/:\d+$/, "");
}

/** The signed-in caller as the audit trail names them. */
export function auditActor(context: HandlerContext): AuditActor & { caller: NonNullable<HandlerContext["caller"]> } {
  if (!context.caller) throw new RpcError(Code.Unauthenticated, "sign in: this call needs an access token");
  return { caller: context.caller, clientAddress: clientAddress(context) };
}
