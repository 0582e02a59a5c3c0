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

/** The caller's own Authorization header (already verified by the auth hook), to call recognition as them. */
export function authorizationOf(context: HandlerContext): string {
  const value = context.metadata.get("authorization")[0];
  if (typeof value !== "string" || value === "") throw new RpcError(Code.Unauthenticated, "sign in: this call needs an access token");
  return value;
}

/** The expiry (epoch ms) of the caller's verified JWT access token. */
export function tokenExpiryOf(authorization: string): number {
  const payload = authorization.replace(/^Bearer\s+/i, "").split(".")[1] ?? "";
  try {
    const exp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : Date.now();
  } catch {
    return Date.now();
  }
}
