import type { Metadata } from "@grpc/grpc-js";
import { CallerRefusedError, Code, RpcError, methodPath, silentLogger, type AuthHook, type Caller, type Logger } from "@switchboard/rpc";
import { toCaller } from "./claims.js";
import { permissionsOf, staffOnlyPermissions } from "./permissions.js";
import type { PolicyTable } from "./policies.js";
import type { TokenVerifier } from "./token-verifier.js";

export interface AuthHookOptions {
  verifier: TokenVerifier;
  policies: PolicyTable;
  log?: Logger;
}

/** The bearer token of `authorization` metadata or an HTTP header value; undefined when absent. */
export function bearerToken(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  if (!match) throw new RpcError(Code.Unauthenticated, "the Authorization header must be `Bearer <access token>`");
  return match[1];
}

function tokenOf(metadata: Metadata): string | undefined {
  const value = metadata.get("authorization")[0];
  return bearerToken(typeof value === "string" ? value : value?.toString());
}

/** Verifies a bearer header at the edge (the gateway), before forwarding. */
export async function verifyBearer(verifier: TokenVerifier, authorization: string | undefined): Promise<Caller | undefined> {
  const token = bearerToken(authorization);
  return token === undefined ? undefined : toCaller(await verifier.verify(token));
}

/**
 * The auth-context hook for libs/rpc's serve(): establishes the caller from a
 * verified token (the tenant comes from its `tid`, never from the request)
 * and enforces the method's declared policy before the handler runs.
 */
export function createAuthHook(options: AuthHookOptions): AuthHook {
  const log = options.log ?? silentLogger;
  return async ({ method, metadata }) => {
    const path = methodPath(method);
    const policy = options.policies[path];
    if (!policy) {
      log.error({ event: "authz.undeclared_method", method: path }, "method has no authorization policy: refused");
      throw new RpcError(Code.PermissionDenied, `${method.name} is not available`);
    }
    if (policy.kind === "public") {
      // A stale or malformed token must not stand in the way of signing in again.
      try {
        const token = tokenOf(metadata);
        return token === undefined ? undefined : toCaller(await options.verifier.verify(token));
      } catch {
        return undefined;
      }
    }
    const token = tokenOf(metadata);
    if (token === undefined) throw new RpcError(Code.Unauthenticated, "sign in: this call needs an access token");
    const caller = toCaller(await options.verifier.verify(token));

    if (caller.kind === "setup") {
      if (policy.kind === "authenticated" && policy.allowSetupToken) return caller;
      throw new CallerRefusedError(caller, "finish setting up your account first (change the initial password, enrol TOTP), then sign in again");
    }
    if (policy.kind === "authenticated") return caller;

    if (!permissionsOf(caller.roles).has(policy.permission)) {
      throw new CallerRefusedError(caller, `${method.name} needs the permission ${policy.permission}, which your roles do not grant`);
    }
    if (staffOnlyPermissions.has(policy.permission) && !caller.amr.includes("otp")) {
      throw new CallerRefusedError(caller, `${method.name} requires a second factor: sign in again with your authenticator code`);
    }
    return caller;
  };
}
