import { UserService } from "@switchboard/proto/switchboard/identity/v1/users_pb";
import { Code, RpcError, createClient, type Channel, type HandlerContext } from "@switchboard/rpc";

/** Whether a user exists in the caller's organisation, before an extension points at them. */
export interface UserDirectory {
  assertUserExists(userId: string, context: HandlerContext): Promise<void>;
}

/**
 * Asks identity with the caller's own access token: identity answers for the
 * caller's organisation only, so a user of another tenant is "not found" just
 * like a user that never existed, and the check needs no service credential.
 * The user's details in the answer are dropped at once.
 */
export function identityUserDirectory(identity: Channel, timeoutMs = 2_000): UserDirectory {
  const users = createClient(UserService, identity, { timeoutMs });
  return {
    async assertUserExists(userId, context) {
      const authorization = context.metadata.get("authorization")[0];
      try {
        await users.getUser({ id: userId }, { metadata: { authorization: String(authorization ?? "") } });
      } catch (err) {
        const code = err instanceof RpcError ? err.code : Code.Unknown;
        if (code === Code.NotFound) throw new RpcError(Code.NotFound, `no user ${userId} in this organisation: list users with UserService.ListUsers`);
        if (code === Code.PermissionDenied) throw new RpcError(Code.PermissionDenied, "assigning an extension needs the identity.users.read permission too (tenant admins have it)");
        throw new RpcError(Code.Unavailable, "identity did not answer whether the user exists: retry in a moment");
      }
    },
  };
}
