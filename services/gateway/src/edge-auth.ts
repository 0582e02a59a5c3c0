import type { DescMethod } from "@bufbuild/protobuf";
import { createContextKey } from "@connectrpc/connect";
import { verifyBearer, type TokenVerifier } from "@switchboard/authz";
import { methodPath } from "@switchboard/rpc";

/** Checks the caller's token at the edge, before anything is forwarded. */
export type EdgeAuthenticator = (method: DescMethod, authorization: string | null) => Promise<void>;

/**
 * Methods anyone may call without a token: how a client gets one. Everything
 * else with an Authorization header has its token verified here, so forged
 * or expired tokens stop at the edge; the internal service still enforces
 * the method's permission (and refuses calls without a token).
 */
export const publicMethods: ReadonlySet<string> = new Set([
  "/switchboard.identity.v1.AuthService/Login",
  "/switchboard.identity.v1.AuthService/VerifyMfa",
  "/switchboard.identity.v1.AuthService/RefreshToken",
  "/switchboard.identity.v1.AuthService/GetJwks",
  "/switchboard.identity.v1.ServiceAccountService/IssueServiceToken",
]);

export function verifyAtEdge(verifier: TokenVerifier): EdgeAuthenticator {
  return async (method, authorization) => {
    if (publicMethods.has(methodPath(method))) return;
    await verifyBearer(verifier, authorization ?? undefined);
  };
}

/** The client's socket address, captured per request; sent upstream as `x-client-address` (sign-in throttling). */
export const clientAddressKey = createContextKey<string | undefined>(undefined, { description: "client socket address" });
