import { expect } from "vitest";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createAuthHook, createTokenVerifier } from "@switchboard/authz";
import { createKeyring, localKeyWrapper, type Keyring } from "@switchboard/crypto";
import { withTenant } from "@switchboard/db";
import { createTestDatabase, type TestDatabase } from "@switchboard/db/testing";
import { connectEvents, ensureStream, type EventsConnection } from "@switchboard/events";
import { CallDirection, CallEventSchema, CallState, type CallEvent } from "@switchboard/proto/switchboard/telephony/v1/events_pb";
import { PbxVendor } from "@switchboard/proto/switchboard/telephony/v1/resources_pb";
import { PbxConnectionService } from "@switchboard/proto/switchboard/telephony/v1/pbx_connections_pb";
import { TelephonyService } from "@switchboard/proto/switchboard/telephony/v1/telephony_pb";
import { createClient, openChannel, serve, silentLogger, type Channel, type RunningServer } from "@switchboard/rpc";
import { callEventTypes, createCallEventPublisher, type CallEventPublisher, type CallEventTypes } from "../../src/events/call-events.js";
import { pbxConnectionService } from "../../src/rpc/pbx-connection-service.js";
import { telephonyPolicies } from "../../src/rpc/policies.js";
import { telephonyService } from "../../src/rpc/telephony-service.js";
import { webhookPath } from "../../src/adapters/webhook/webhook-server.js";
import type { TelephonyDatabase } from "../../src/store/schema.js";
import type { UserDirectory } from "../../src/users/user-directory.js";
import { saveRegion } from "../../src/store/tenant-regions.js";
import { openLeases } from "../../src/supervision/leases.js";
import { startSupervisor, type Supervisor } from "../../src/supervision/supervisor.js";

/**
 * identity does not run in these tests: every user id is taken to exist. The
 * real check (identity's GetUser with the caller's token) is tested through
 * the gateway in services/gateway/test/telephony-through-gateway.test.ts.
 */
const everyUserExists: UserDirectory = { assertUserExists: async () => {} };

const migrationsFolder = fileURLToPath(new URL("../../migrations/", import.meta.url));

export interface Replica {
  owner: string;
  supervisor: Supervisor;
  stop(): Promise<void>;
}

/**
 * Everything one test file needs, isolated from other files running at the
 * same time: its own database, its own call-event stream and subjects, its
 * own lease bucket and originate subjects, its own tenants.
 */
export class Harness {
  readonly tenantId: string = randomUUID();
  readonly routePrefix = `t${randomBytes(5).toString("hex")}.telephony`;
  readonly bucket = `tl_${randomBytes(5).toString("hex")}`;
  readonly replicas: Replica[] = [];
  types!: CallEventTypes;
  stream!: { name: string; subjects: string[] };
  database!: TestDatabase<TelephonyDatabase>;
  events!: EventsConnection;
  keyring!: Keyring;
  publisher!: CallEventPublisher;
  server!: RunningServer;
  channel!: Channel;
  private sign!: (claims: { tid: string; sub: string; roles: string[] }) => Promise<string>;

  static async start(name: string): Promise<Harness> {
    const harness = new Harness();
    await harness.init(name);
    return harness;
  }

  private async init(name: string): Promise<void> {
    const tag = randomBytes(5).toString("hex");
    this.stream = { name: `T_${tag}`, subjects: [`switchboard.t${tag}.>`] };
    this.types = callEventTypes(`switchboard.t${tag}`);
    this.database = await createTestDatabase<TelephonyDatabase>({ migrationsFolder, name });
    this.events = await connectEvents({ url: process.env.NATS_URL!, name: `telephony-test-${name}` });
    await ensureStream(this.events.jsm, { ...this.stream, maxAgeMs: 10 * 60_000, duplicateWindowMs: 2 * 60_000 });
    this.keyring = createKeyring({ wrapper: localKeyWrapper(randomBytes(32).toString("base64")) });
    this.publisher = createCallEventPublisher({ js: this.events.js, types: this.types, log: silentLogger });

    const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const kid = randomUUID();
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA" };
    this.sign = (claims) =>
      new SignJWT({ tid: claims.tid, roles: claims.roles, amr: ["pwd"], typ: "user" })
        .setProtectedHeader({ alg: "EdDSA", kid })
        .setIssuer("switchboard-identity")
        .setAudience("switchboard")
        .setSubject(claims.sub)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
    this.server = await serve({
      host: "127.0.0.1",
      port: 0,
      services: [
        telephonyService({ db: this.database.db, keyring: this.keyring, nc: this.events.nc, routePrefix: this.routePrefix, originateTimeoutMs: 3_000 }),
        pbxConnectionService({ db: this.database.db, keyring: this.keyring, webhookPath, users: everyUserExists }),
      ],
      authenticate: createAuthHook({ verifier: createTokenVerifier({ fetchJwks: async () => [jwk] }), policies: telephonyPolicies }),
    });
    this.channel = openChannel(`127.0.0.1:${this.server.port}`);
  }

  get connections() {
    return createClient(PbxConnectionService, this.channel);
  }

  get telephony() {
    return createClient(TelephonyService, this.channel);
  }

  async as(roles: string[], options: { tenantId?: string; userId?: string } = {}) {
    const token = await this.sign({ tid: options.tenantId ?? this.tenantId, sub: options.userId ?? randomUUID(), roles });
    return { metadata: { authorization: `Bearer ${token}` } };
  }

  admin(tenantId: string = this.tenantId) {
    return this.as(["tenant-admin"], { tenantId });
  }

  agent(userId: string, tenantId: string = this.tenantId) {
    return this.as(["agent"], { tenantId, userId });
  }

  /** An Asterisk connection to a fake AMI peer on `port` (its default credentials), created by the tenant's admin. */
  async createAmiConnection(port: number, options: { secret?: string; tenantId?: string; name?: string } = {}) {
    const { connection } = await this.connections.createPbxConnection(
      { name: options.name ?? "Head office", vendor: PbxVendor.ASTERISK_AMI, host: "127.0.0.1", port, username: "switchboard", secret: options.secret ?? "amp111" },
      await this.admin(options.tenantId),
    );
    return connection!;
  }

  setRegion(region: string, tenantId: string = this.tenantId): Promise<void> {
    return withTenant(this.database.db, tenantId, (trx) => saveRegion(trx, tenantId, region));
  }

  /** A replica: its own lease owner, sharing the bucket, the database and the originate subjects. */
  async startReplica(owner = `replica-${randomBytes(3).toString("hex")}`, overrides: { leaseTtlMs?: number; reconcileMs?: number; maxFramesPerSecond?: number } = {}): Promise<Replica> {
    const ttlMs = overrides.leaseTtlMs ?? 3_000;
    const leases = await openLeases(this.events.js, { bucket: this.bucket, ttlMs, owner });
    const supervisor = startSupervisor({
      db: this.database.db,
      databaseUrl: this.database.url,
      keyring: this.keyring,
      nc: this.events.nc,
      leases,
      publisher: this.publisher,
      routePrefix: this.routePrefix,
      reconcileMs: overrides.reconcileMs ?? 200,
      takeoverMs: ttlMs,
      limits: { maxFrameBytes: 16_384, maxFramesPerSecond: overrides.maxFramesPerSecond ?? 5_000 },
      timeouts: { connectMs: 1_000, replyMs: 1_000, keepaliveMs: 500 },
      backoff: { baseMs: 100, maxMs: 400 },
      log: silentLogger,
    });
    const replica: Replica = {
      owner,
      supervisor,
      stop: async () => {
        this.replicas.splice(this.replicas.indexOf(replica), 1);
        await supervisor.stop();
      },
    };
    this.replicas.push(replica);
    return replica;
  }

  /** Waits until a call's RINGING, ANSWERED and ENDED (or any three events) are on the stream. */
  wholeCall(callId: string): Promise<CallEvent[]> {
    return eventually("three events", async () => {
      const found = await this.callEvents((e) => e.callId === callId);
      return found.length >= 3 && found;
    });
  }

  /** A call dialled from the handset at `extension` is, in every state, that extension's OUTBOUND call to `callee` for `userId`. */
  async expectOutboundHandsetCall(callId: string, extension: string, userId: string, callee: { raw: string; e164: string }): Promise<void> {
    const events = await this.wholeCall(callId);
    expect(events.map((e) => e.state)).toEqual([CallState.RINGING, CallState.ANSWERED, CallState.ENDED]);
    for (const event of events) {
      expect(event).toMatchObject({ direction: CallDirection.OUTBOUND, extension, userIds: [userId] });
      expect(event.callee).toMatchObject(callee);
    }
  }

  /** Every call event in this file's stream, in stream order. */
  async callEvents(filter: (event: CallEvent) => boolean = () => true): Promise<CallEvent[]> {
    const info = await this.events.jsm.streams.info(this.stream.name);
    const events: CallEvent[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const message = await this.events.jsm.streams.getMessage(this.stream.name, { seq }).catch(() => null);
      if (message) events.push(fromBinary(CallEventSchema, message.data));
    }
    return events.filter(filter);
  }

  async close(): Promise<void> {
    for (const replica of [...this.replicas]) await replica.stop();
    await this.publisher?.flush();
    this.channel?.close();
    await this.server?.close(500);
    await this.events?.jsm.streams.delete(this.stream.name).catch(() => {});
    await this.events?.jsm.streams.delete(`KV_${this.bucket}`).catch(() => {});
    await this.events?.close();
    this.keyring?.clear();
    await this.database?.destroy();
  }
}

/** Polls until `check` passes (returns truthy); the error names what was awaited. Generous: CI machines run every suite at once. */
export async function eventually<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000): Promise<Exclude<T, false | null | undefined | 0 | "">> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Exclude<T, false | null | undefined | 0 | "">;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
