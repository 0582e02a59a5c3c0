import { Code, RpcError, type Caller, type HandlerContext } from "@switchboard/rpc";

/** The verified caller; the auth hook guarantees one for every method of this service. */
export function callerOf(context: HandlerContext): Caller {
  if (!context.caller) throw new RpcError(Code.Unauthenticated, "sign in: this call needs an access token");
  return context.caller;
}

/** The client's address as the gateway forwarded it, for the audit trail. */
export function clientAddressOf(context: HandlerContext): string | undefined {
  const forwarded = context.metadata.get("x-client-address")[0];
  return typeof forwarded === "string" ? forwarded : undefined;
}
