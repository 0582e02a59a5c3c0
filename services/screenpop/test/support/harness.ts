// screenpop in-process on its own database, beside a real recognition (its
// own database, a random Redis prefix), both trusting one test signing key;
// call events come from a stream of the test's own, like telephony-gateway's.
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { toBinary, create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createAuthHook, createRevocationList, createTokenVerifier } from "@switchboard/authz";
import { createKeyring, localKeyWrapper } from "@switchboard/crypto";
import { withTenant } from "@switchboard/db";
import { createTestDatabase, type TestDatabase } from "@switchboard/db/testing";
import { connectEvents, ensureStream, type EventConsumer, type EventsConnection } from "@switchboard/events";
import { DataSourceService } from "@switchboard/proto/switchboard/recognition/v1/data_sources_pb";
import { SyncService } from "@switchboard/proto/switchboard/recognition/v1/sync_pb";
import { ScreenPopService } from "@switchboard/proto/switchboard/screenpop/v1/screen_pops_pb";
import { ScriptService } from "@switchboard/proto/switchboard/screenpop/v1/scripts_pb";
import { CallDirection, CallEventSchema, CallState } from "@switchboard/proto/switchboard/telephony/v1/events_pb";
import { createClient, openChannel, serve, silentLogger, type Channel, type RunningServer } from "@switchboard/rpc";
import { createLookupCache } from "../../../recognition/src/cache/lookup-cache.js";
import { openCacheRedis } from "../../../recognition/src/cache/redis-connection.js";
import { openMatchReader } from "../../../recognition/src/store/match-reader.js";
import { createRegionCache } from "../../../recognition/src/lookup/region-cache.js";
import { dataSourceService } from "../../../recognition/src/rpc/data-source-service.js";
import { recognitionPolicies } from "../../../recognition/src/rpc/policies.js";
import { recognitionService } from "../../../recognition/src/rpc/recognition-service.js";
import { syncService } from "../../../recognition/src/rpc/sync-service.js";
import { saveDefaultRegion } from "../../../recognition/src/store/tenant-settings.js";
import type { ScreenPopDeps } from "../../src/deps.js";
import { createPopBuilder } from "../../src/delivery/pop-builder.js";
import { ensureRingStream, type RingStream } from "../../src/delivery/ring-stream.js";
import { startRingRelay } from "../../src/events/ring-relay.js";
import { recognitionClient } from "../../src/recognition/recognition-client.js";
import { screenPopPolicies } from "../../src/rpc/policies.js";
import { screenPopService } from "../../src/rpc/screen-pop-service.js";
import { scriptService } from "../../src/rpc/script-service.js";
import type { ScreenPopDatabase } from "../../src/store/schema.js";

const migrationsFolder = fileURLToPath(new URL("../../migrations/", import.meta.url));
const recognitionMigrations = fileURLToPath(new URL("../../../recognition/migrations/", import.meta.url));

export type As = { metadata: Record<string, string> };

export async function startHarness(name: string, options: { heartbeatMs?: number; windowMs?: number } = {}) {
  const tag = randomBytes(4).toString("hex");
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA" };
  const verifier = () => createTokenVerifier({ fetchJwks: async () => [jwk] });
  const as = async (claims: { tid: string; roles: string[]; sub?: string; amr?: string[]; ttl?: string; sid?: string }): Promise<As> => {
    const token = await new SignJWT({ tid: claims.tid, roles: claims.roles, amr: claims.amr ?? ["pwd"], typ: "user", sid: claims.sid ?? randomUUID() })
      .setProtectedHeader({ alg: "EdDSA", kid })
      .setIssuer("switchboard-identity")
      .setAudience("switchboard")
      .setSubject(claims.sub ?? randomUUID())
      .setIssuedAt()
      .setExpirationTime(claims.ttl ?? "5m")
      .sign(privateKey);
    return { metadata: { authorization: `Bearer ${token}` } };
  };

  // Recognition, real, in-process.
  const recognitionDb = await createTestDatabase<any>({ migrationsFolder: recognitionMigrations, name: `${name}_recognition` });
  const redis = openCacheRedis(process.env.REDIS_URL!);
  redis.on("error", () => {});
  const prefix = `sptest:${tag}:`;
  const recognitionDeps = {
    db: recognitionDb.db,
    matchReader: openMatchReader(recognitionDb.url),
    keyring: createKeyring({ wrapper: localKeyWrapper(randomBytes(32).toString("base64")) }),
    cache: createLookupCache({ redis, prefix, ttlMs: 60_000, negativeTtlMs: 1_000 }),
    regions: createRegionCache(),
    log: silentLogger,
    lookupDeadlineMs: 500,
    cacheTimeoutMs: 50,
  };
  let recognitionServer: RunningServer | undefined = await serve({
    host: "127.0.0.1",
    port: 0,
    services: [recognitionService(recognitionDeps), dataSourceService(recognitionDeps), syncService(recognitionDeps)],
    authenticate: createAuthHook({ verifier: verifier(), policies: recognitionPolicies }),
  });
  const recognitionChannel = openChannel(`127.0.0.1:${recognitionServer.port}`);

  // Screenpop. Tests end sessions through its revocation list, as identity's events would.
  const revocations = createRevocationList();
  const screenPopVerifier = createTokenVerifier({ fetchJwks: async () => [jwk], revocations });
  const database = await createTestDatabase<ScreenPopDatabase>({ migrationsFolder, name });
  const events: EventsConnection = await connectEvents({ url: process.env.NATS_URL!, name: `screenpop-test-${tag}` });
  const calls = { name: `SPTEST_CALLS_${tag}`, prefix: `switchboard.sptest${tag}` };
  await ensureStream(events.jsm, { name: calls.name, subjects: [`${calls.prefix}.>`], maxAgeMs: 60_000, duplicateWindowMs: 60_000 });
  const ring: RingStream = { name: `SPTEST_RINGS_${tag}`, prefix: `sptest-${tag}.rings`, windowMs: options.windowMs ?? 30_000 };
  await ensureRingStream(events.jsm, ring);
  const deps: ScreenPopDeps = { db: database.db, recognition: recognitionClient(recognitionChannel), log: silentLogger, lookupTimeoutMs: 300, catalogueTimeoutMs: 2_000 };
  const relay: EventConsumer = await startRingRelay({ js: events.js, jsm: events.jsm, ring, durable: `sptest-${tag}`, startAt: "all", callsPrefix: calls.prefix, callsStreamName: calls.name, log: silentLogger });
  const server = await serve({
    host: "127.0.0.1",
    port: 0,
    services: [
      scriptService(deps),
      screenPopService({ nc: events.nc, js: events.js, jsm: events.jsm, ring, builder: createPopBuilder(deps, { memoMs: ring.windowMs }), heartbeatMs: options.heartbeatMs ?? 15_000, recheckToken: (token) => screenPopVerifier.verify(token) }),
    ],
    authenticate: createAuthHook({ verifier: screenPopVerifier, policies: screenPopPolicies }),
  });
  const channel: Channel = openChannel(`127.0.0.1:${server.port}`);

  let sequence = 0;
  return {
    database,
    as,
    revocations,
    scripts: createClient(ScriptService, channel),
    pops: createClient(ScreenPopService, channel),
    sources: createClient(DataSourceService, recognitionChannel),
    sync: createClient(SyncService, recognitionChannel),
    /** A tenant with its admin and agent, a CRM source (script field customerId) and region NL. */
    async seedTenant() {
      const tenantId = randomUUID();
      const agentId = randomUUID();
      await withTenant(recognitionDb.db, tenantId, (trx) => saveDefaultRegion(trx as never, tenantId, "NL"));
      const admin = await as({ tid: tenantId, roles: ["tenant-admin"] });
      const agent = await as({ tid: tenantId, roles: ["agent"], sub: agentId });
      const source = await this.sources.createDataSource({ name: "CRM", displayFields: ["name", "company"], scriptFields: ["customerId"] }, admin);
      return { tenantId, agentId, admin, agent, sourceId: source.dataSource!.id };
    },
    /** Syncs one contact into the tenant's CRM source. */
    async addContact(seeded: { tenantId: string; sourceId: string }, number: string, fields: Record<string, string>) {
      const syncAgent = await as({ tid: seeded.tenantId, roles: ["sync-agent"] });
      const begun = await this.sync.beginSync({ dataSourceId: seeded.sourceId, full: false }, syncAgent);
      await this.sync.pushRecords({ syncId: begun.syncId, batchId: "1", upserts: [{ externalId: randomUUID(), phoneNumbers: [number], fields }] }, syncAgent);
      await this.sync.commitSync({ syncId: begun.syncId }, syncAgent);
    },
    /** Publishes a call event as telephony-gateway does. */
    async publishCall(init: { tenantId: string; userIds: string[]; callId: string; state: CallState; caller?: string; extension?: string }) {
      const event = create(CallEventSchema, {
        eventId: randomUUID(),
        tenantId: init.tenantId,
        connectionId: "00000000-0000-4000-8000-000000000001",
        callId: init.callId,
        direction: CallDirection.INBOUND,
        state: init.state,
        caller: { raw: init.caller ?? "0356990230", e164: init.caller ?? "+31356990230" },
        callee: { raw: "1001", e164: "" },
        extension: init.extension ?? "1001",
        userIds: init.userIds,
        time: timestampNow(),
        startTime: timestampNow(),
      });
      const state = { [CallState.RINGING]: "ringing", [CallState.ANSWERED]: "answered", [CallState.ENDED]: "ended" }[init.state as 1 | 2 | 3];
      await events.js.publish(`${calls.prefix}.call.${state}`, toBinary(CallEventSchema, event), { msgID: event.eventId });
      sequence += 1;
      return event;
    },
    /** Audit events this service wrote to its outbox. */
    async auditActions() {
      const { AuditEventSchema } = await import("@switchboard/proto/switchboard/audit/v1/audit_event_pb");
      const { fromBinary } = await import("@bufbuild/protobuf");
      const rows = await database.db.selectFrom("event_outbox").select(["subject", "payload"]).orderBy("id").execute();
      return rows.filter((r) => r.subject === "switchboard.audit.event.recorded").map((r) => fromBinary(AuditEventSchema, r.payload));
    },
    async stopRecognition() {
      await recognitionServer?.close(100);
      recognitionServer = undefined;
    },
    async close() {
      channel.close();
      await server.close(500);
      await relay.stop();
      recognitionChannel.close();
      await recognitionServer?.close(500);
      await events.jsm.streams.delete(calls.name).catch(() => {});
      await events.jsm.streams.delete(ring.name).catch(() => {});
      await events.close();
      const keys = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
      if (keys.length > 0) await redis.unlink(...keys).catch(() => {});
      redis.disconnect();
      recognitionDeps.keyring.clear();
      await recognitionDeps.matchReader.close();
      await recognitionDb.destroy();
      await database.destroy();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
