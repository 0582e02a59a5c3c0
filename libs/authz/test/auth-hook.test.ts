import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { AuthService } from "@switchboard/proto/switchboard/identity/v1/auth_pb";
import { Code, RpcError, createClient, openChannel, registerService, serve, type Channel, type RunningServer, type ServiceImpl } from "@switchboard/rpc";
import {
  assertEveryMethodDeclared,
  authenticated,
  createAuthHook,
  createTokenVerifier,
  declarePolicies,
  jwksFromIdentity,
  publicMethod,
  requires,
  verifyBearer,
} from "../src/index.js";
import { newKey, sign, type TestKey } from "./keys.js";

let key: TestKey;
let identityServer: RunningServer;
let server: RunningServer;
let channel: Channel;
let identityChannel: Channel;

const echo: ServiceImpl<typeof EchoService> = {
  echo: (request, context) => ({ text: request.text, caller: `${context.caller?.subject ?? ""}@${context.caller?.tenantId ?? ""}` }),
  async *echoStream(request) {
    yield { text: request.text, index: 0 };
  },
};

beforeAll(async () => {
  key = await newKey();
  // A real GetJwks over gRPC, as identity serves it.
  identityServer = await serve({
    host: "127.0.0.1",
    port: 0,
    services: [
      registerService(AuthService, {
        getJwks: () => ({ keys: [key.publicJwk as never] }),
        login: () => ({}),
        verifyMfa: () => ({}),
        refreshToken: () => ({}),
        logout: () => ({}),
        changePassword: () => ({}),
        enrollTotp: () => ({}),
        confirmTotp: () => ({}),
      }),
    ],
  });
  identityChannel = openChannel(`127.0.0.1:${identityServer.port}`);
  const verifier = createTokenVerifier({ fetchJwks: jwksFromIdentity(identityChannel) });
  server = await serve({
    host: "127.0.0.1",
    port: 0,
    services: [registerService(EchoService, echo)],
    authenticate: createAuthHook({
      verifier,
      policies: declarePolicies(EchoService, { echo: requires("identity.organizations.manage"), echoStream: authenticated() }),
    }),
  });
  channel = openChannel(`127.0.0.1:${server.port}`);
});

afterAll(async () => {
  channel?.close();
  identityChannel?.close();
  await server?.close(500);
  await identityServer?.close(500);
});

async function refusal(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

const withToken = (token: string, extra: Record<string, string> = {}) => ({ metadata: { authorization: `Bearer ${token}`, ...extra } });

describe("the auth hook in a real gRPC server", () => {
  it("refuses a call without a token", async () => {
    const client = createClient(EchoService, channel);
    const error = await refusal(client.echo({ text: "x" }));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.message).toContain("needs an access token");
  });

  it("refuses a role without the method's permission, naming it", async () => {
    const client = createClient(EchoService, channel);
    const error = await refusal(client.echo({ text: "x" }, withToken(await sign(key, { roles: ["agent"] }))));
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.message).toContain("identity.organizations.manage");
  });

  it("refuses a staff permission without a second factor, and allows it with one", async () => {
    const client = createClient(EchoService, channel);
    const withoutOtp = await refusal(client.echo({ text: "x" }, withToken(await sign(key, { roles: ["staff-admin"], amr: ["pwd"] }))));
    expect(withoutOtp.code).toBe(Code.PermissionDenied);
    expect(withoutOtp.message).toContain("second factor");
    const ok = await client.echo({ text: "x" }, withToken(await sign(key, { roles: ["staff-admin"], amr: ["pwd", "otp"], sub: "staff-1" })));
    expect(ok.caller).toBe("staff-1@00000000-0000-4000-8000-00000000000a");
  });

  it("takes the tenant from the token, whatever the request's metadata claims", async () => {
    const client = createClient(EchoService, channel);
    const token = await sign(key, { roles: ["staff-admin"], amr: ["pwd", "otp"], tid: "00000000-0000-4000-8000-0000000000aa" });
    const response = await client.echo({ text: "x" }, withToken(token, { "x-tenant-id": "00000000-0000-4000-8000-0000000000bb" }));
    expect(response.caller).toBe("user-1@00000000-0000-4000-8000-0000000000aa");
  });

  it("lets set-up tokens through only where a method allows them", async () => {
    const client = createClient(EchoService, channel);
    const setup = await sign(key, { typ: "setup", roles: [] });
    const stream = async () => {
      for await (const _ of client.echoStream({ text: "s", repeat: 1 }, withToken(setup))) void _;
    };
    expect((await refusal(stream())).code).toBe(Code.PermissionDenied);
  });

  it("refuses a method nobody declared a policy for, and start-up checks catch it", async () => {
    const undeclared = await serve({
      host: "127.0.0.1",
      port: 0,
      services: [registerService(EchoService, echo)],
      authenticate: createAuthHook({ verifier: createTokenVerifier({ fetchJwks: async () => [key.publicJwk] }), policies: {} }),
    });
    const undeclaredChannel = openChannel(`127.0.0.1:${undeclared.port}`);
    const error = await refusal(createClient(EchoService, undeclaredChannel).echo({ text: "x" }, withToken(await sign(key))));
    expect(error.code).toBe(Code.PermissionDenied);
    undeclaredChannel.close();
    await undeclared.close(500);
    expect(() => assertEveryMethodDeclared([EchoService], declarePolicies(EchoService, { echo: publicMethod() } as never))).toThrow(/EchoStream/);
  });

  it("verifies a bearer header at the edge", async () => {
    const verifier = createTokenVerifier({ fetchJwks: async () => [key.publicJwk] });
    expect(await verifyBearer(verifier, undefined)).toBeUndefined();
    expect((await verifyBearer(verifier, `Bearer ${await sign(key)}`))?.subject).toBe("user-1");
    expect((await refusal(verifyBearer(verifier, "Basic abc"))).code).toBe(Code.Unauthenticated);
  });
});
