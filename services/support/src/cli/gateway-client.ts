import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AuthService } from "@switchboard/proto/switchboard/identity/v1/auth_pb";
import { OrganizationService } from "@switchboard/proto/switchboard/identity/v1/organizations_pb";
import { DebugSessionService } from "@switchboard/proto/switchboard/support/v1/debug_sessions_pb";

/**
 * The CLI talks to the platform the way every client does: through the
 * gateway, with the Connect protocol and a bearer token. It never reaches
 * an internal service directly.
 */
export function gatewayClients(baseUrl: string) {
  const transport = createConnectTransport({ baseUrl, httpVersion: "1.1" });
  return {
    auth: createClient(AuthService, transport),
    organizations: createClient(OrganizationService, transport),
    sessions: createClient(DebugSessionService, transport),
  };
}

export type GatewayClients = {
  auth: Client<typeof AuthService>;
  organizations: Client<typeof OrganizationService>;
  sessions: Client<typeof DebugSessionService>;
};

export const withToken = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
