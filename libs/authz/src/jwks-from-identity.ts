import type { JWK } from "jose";
import { AuthService } from "@switchboard/proto/switchboard/identity/v1/auth_pb";
import { createClient, type Channel } from "@switchboard/rpc";

/** A `fetchJwks` that asks identity's AuthService.GetJwks over the mesh. */
export function jwksFromIdentity(channel: Channel, timeoutMs = 2_000): () => Promise<JWK[]> {
  const auth = createClient(AuthService, channel, { timeoutMs });
  return async () => {
    const { keys } = await auth.getJwks({});
    return keys.map(({ kty, crv, x, kid, alg, use }) => ({ kty, crv, x, kid, alg, use }));
  };
}
