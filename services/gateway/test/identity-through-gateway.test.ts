// End to end: the real identity service (its built output, as `make up` runs
// it) behind the gateway's production route table, on real Postgres, Redis
// and NATS, seeded like the local demo. Needs identity built (make test
// builds every package before the suites run).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromBinary } from "@bufbuild/protobuf";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { TOTP, Secret } from "otpauth";
import { AuditEventSchema } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import { startBuiltIdentity, type BuiltService } from "./fixtures/built-services.js";
import { demo, startEdge, type Edge } from "./fixtures/edge.js";

let identity: BuiltService;
let edge: Edge;

beforeAll(async () => {
  identity = await startBuiltIdentity(demo);
  edge = await startEdge({ identity: identity.target });
}, 60_000);

afterAll(async () => {
  await edge?.close();
  await identity?.stop();
});

const call = (method: string, body: object, token?: string) => edge.call(`identity.v1.${method}`, body, token);

describe("identity through the gateway, with the demo organisation", () => {
  it("signs the demo admin in and lists the organisation's users with the token", async () => {
    const login = await call("AuthService/Login", { organization: "demo", username: "admin", password: demo.admin.password });
    expect(login.status).toBe(200);
    const users = await call("UserService/ListUsers", {}, login.json.tokens.accessToken);
    expect(users.json.users.map((u: { username: string }) => u.username)).toEqual(["admin", "agent"]);
  });

  it("answers a wrong password with Connect unauthenticated, and an agent's admin call with permission_denied", async () => {
    const wrong = await call("AuthService/Login", { organization: "demo", username: "admin", password: "Wrong-Password-1!" });
    expect(wrong).toMatchObject({ status: 401, json: { code: "unauthenticated" } });
    const agent = await call("AuthService/Login", { organization: "demo", username: "agent", password: demo.agent.password });
    const denied = await call("UserService/ListUsers", {}, agent.json.tokens.accessToken);
    expect(denied).toMatchObject({ status: 403, json: { code: "permission_denied" } });
  });

  it("takes staff through the second factor before their staff-only calls work", async () => {
    const login = await call("AuthService/Login", { organization: "staff", username: "support", password: demo.staff.password });
    expect(Object.keys(login.json)).toEqual(["mfaChallenge"]);
    const code = new TOTP({ secret: Secret.fromBase32(demo.staff.totpSecret) }).generate();
    const verified = await call("AuthService/VerifyMfa", { challengeId: login.json.mfaChallenge.challengeId, code });
    const organizations = await call("OrganizationService/ListOrganizations", {}, verified.json.tokens.accessToken);
    expect(organizations.json.organizations.map((o: { name: string }) => o.name).sort()).toEqual(["demo", "staff"]);
  });

  it("publishes the sign-ins' audit events through identity's outbox into the audit stream", async () => {
    const nc = await connect({ servers: process.env.NATS_URL });
    try {
      const jsm = await jetstreamManager(nc);
      const messages = async () => (await jsm.streams.info("SWITCHBOARD_AUDIT")).state.messages;
      const before = await messages();
      await call("AuthService/Login", { organization: "demo", username: "agent", password: demo.agent.password });
      await expect.poll(messages, { timeout: 10_000 }).toBeGreaterThan(before);
      const last = await jsm.streams.getMessage("SWITCHBOARD_AUDIT", { last_by_subj: "switchboard.audit.event.recorded" });
      const event = fromBinary(AuditEventSchema, last!.data);
      expect(event.action).toBe("identity.session.created");
    } finally {
      await nc.close();
    }
  });

  it("stops a forged token at the edge", async () => {
    const forged = await call("UserService/ListUsers", {}, "eyJhbGciOiJFZERTQSIsImtpZCI6Im5vcGUifQ.eyJzdWIiOiJ4In0.c2ln");
    expect(forged).toMatchObject({ status: 401, json: { code: "unauthenticated" } });
  });
});
