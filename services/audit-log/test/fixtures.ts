import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createAuthHook, createTokenVerifier } from "@switchboard/authz";
import { openDatabase } from "@switchboard/db";
import { defineEvent, ensureStream, type EventType, type StreamOptions } from "@switchboard/events";
import type { JetStreamManager } from "@nats-io/jetstream";
import { createTestDatabase, type TestDatabase } from "@switchboard/db/testing";
import { ActorType, AuditEventSchema, AuditOutcome, type AuditEvent } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import { openChannel, serve, type Channel, type RunningServer } from "@switchboard/rpc";
import type { Kysely } from "kysely";
import { createCheckpointSigner, trustedKeys, type CheckpointSigner } from "../src/domain/checkpoint.js";
import { auditService } from "../src/rpc/audit-service.js";
import { auditPolicies } from "../src/rpc/policies.js";
import { grantRuntimePrivileges } from "../src/store/runtime-role.js";
import type { AuditDatabase } from "../src/store/schema.js";

export const migrationsFolder = fileURLToPath(new URL("../migrations/", import.meta.url));

/**
 * An audit stream of the test's own (`T_<random>`, subject
 * `switchboard.t<random>.audit.recorded`): the shared SWITCHBOARD_AUDIT holds
 * every earlier run's events, and a new durable would read them all first.
 */
export async function createAuditTestStream(jsm: JetStreamManager): Promise<{ source: { stream: StreamOptions; event: EventType<typeof AuditEventSchema> }; delete(): Promise<void> }> {
  const tag = randomBytes(5).toString("hex");
  const stream = { name: `T_${tag}`, subjects: [`switchboard.t${tag}.>`], maxAgeMs: 10 * 60_000, duplicateWindowMs: 2 * 60_000 };
  await ensureStream(jsm, stream);
  return {
    source: { stream, event: defineEvent(`switchboard.t${tag}.audit.recorded`, AuditEventSchema) },
    delete: async () => {
      await jsm.streams.delete(stream.name).catch(() => {});
    },
  };
}

export function auditEvent(tenantId: string, options: { action?: string; resourceId?: string; categories?: string[] } = {}): AuditEvent {
  return create(AuditEventSchema, {
    eventId: randomUUID(),
    tenantId,
    actor: { type: ActorType.USER, id: "admin-1", roles: ["tenant-admin"], clientAddress: "192.0.2.1", tenantId },
    action: options.action ?? "identity.user.created",
    resource: { type: "user", id: options.resourceId ?? randomUUID() },
    personalDataCategories: options.categories ?? ["contact"],
    outcome: AuditOutcome.SUCCESS,
    time: timestampNow(),
    details: { roles: "agent", note: 'comma, "quote"' },
  });
}

export interface Claims {
  tid: string;
  roles: string[];
  amr?: string[];
}

/** The audit-log as it runs: migrated by its owner, serving as the runtime role, tokens checked. */
export interface AuditLogUnderTest {
  database: TestDatabase<AuditDatabase>;
  /** Connected as the runtime role (INSERT and SELECT on the trail), like the service. */
  runtime: Kysely<AuditDatabase>;
  signer: CheckpointSigner;
  channel: Channel;
  server: RunningServer;
  callAs(claims: Claims): Promise<{ metadata: { authorization: string } }>;
  close(): Promise<void>;
}

export async function startAuditLog(name: string): Promise<AuditLogUnderTest> {
  const database = await createTestDatabase<AuditDatabase>({ migrationsFolder, name, runtimeRole: true });
  await grantRuntimePrivileges(database.db);
  const runtime = openDatabase<AuditDatabase>(database.runtimeUrl!, { maxConnections: 10 });
  const signer = createCheckpointSigner(randomBytes(32).toString("base64"));
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA" };
  const server = await serve({
    host: "127.0.0.1",
    port: 0,
    services: [auditService(runtime, { trusted: trustedKeys([signer.publicKey]) })],
    authenticate: createAuthHook({ verifier: createTokenVerifier({ fetchJwks: async () => [jwk] }), policies: auditPolicies }),
  });
  const channel = openChannel(`127.0.0.1:${server.port}`);
  const callAs = async (claims: Claims) => {
    const token = await new SignJWT({ tid: claims.tid, roles: claims.roles, amr: claims.amr ?? ["pwd"], typ: "user" })
      .setProtectedHeader({ alg: "EdDSA", kid })
      .setIssuer("switchboard-identity")
      .setAudience("switchboard")
      .setSubject(randomUUID())
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    return { metadata: { authorization: `Bearer ${token}` } };
  };
  return {
    database,
    runtime,
    signer,
    channel,
    server,
    callAs,
    async close() {
      channel.close();
      await server.close(500);
      await runtime.destroy();
      await database.destroy();
    },
  };
}
