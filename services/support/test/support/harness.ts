import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { authenticated, createAuthHook, declarePolicies } from "@switchboard/authz";
import { createTestDatabase } from "@switchboard/db/testing";
import { ensureDebugLogStream, startDebugLogging, type DebugSessionNames } from "@switchboard/debug-sessions";
import { connectEvents } from "@switchboard/events";
import { AuditEventSchema, type AuditEvent } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import { EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { DebugSessionService } from "@switchboard/proto/switchboard/support/v1/debug_sessions_pb";
import { createClient, openChannel, registerService, serve, silentLogger } from "@switchboard/rpc";
import { contextLogger } from "@switchboard/telemetry";
import { createSessionBucket } from "../../src/events/session-bucket.js";
import { debugSessionService } from "../../src/rpc/debug-session-service.js";
import { supportPolicies } from "../../src/rpc/policies.js";
import type { SupportDeps } from "../../src/sessions/dependencies.js";
import type { SupportDatabase } from "../../src/store/schema.js";
import { createTokenIssuer } from "./tokens.js";

const migrationsFolder = fileURLToPath(new URL("../../migrations/", import.meta.url));

/** A clock tests move forward; every part of the harness reads it. */
export function testClock() {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms: number) => void (offset += ms) };
}

/**
 * The support service as main.ts wires it (own database, own bucket, stream
 * and subjects), plus a second, unrelated service built with libs/rpc — the
 * diagnostics EchoService — whose handler logs through contextLogger, as
 * domain code in any service would.
 */
export async function startSupport() {
  const natsUrl = process.env.NATS_URL;
  if (!natsUrl) throw new Error("NATS_URL is not set: start the local infrastructure with `make infra`");
  const database = await createTestDatabase<SupportDatabase>({ migrationsFolder, name: "support" });
  const events = await connectEvents({ url: natsUrl, name: "support-test" });
  const tag = randomBytes(5).toString("hex");
  const names: DebugSessionNames = { bucket: `t_${tag}_sessions`, stream: `T_${tag}_DEBUG_LOGS`, subjectPrefix: `t${tag}-debuglog` };
  await ensureDebugLogStream(events.jsm, names);
  const clock = testClock();
  const issuer = await createTokenIssuer();

  const deps: SupportDeps = {
    db: database.db,
    js: events.js,
    jsm: events.jsm,
    bucket: await createSessionBucket(events.nc, names.bucket),
    names,
    graceMs: 0,
    log: silentLogger,
    now: clock.now,
  };
  const supportDebug = await startDebugLogging({ nc: events.nc, service: "support", names, now: clock.now });
  const support = await serve({
    host: "127.0.0.1",
    port: 0,
    services: [debugSessionService(deps)],
    authenticate: createAuthHook({ verifier: issuer.verifier(), policies: supportPolicies }),
    callScope: supportDebug.callScope,
  });

  const echoDebug = await startDebugLogging({ nc: events.nc, service: "echo", names, now: clock.now });
  const echoLog = contextLogger(silentLogger);
  const echo = await serve({
    host: "127.0.0.1",
    port: 0,
    services: [
      registerService(EchoService, {
        async echo(request, context) {
          echoLog.trace({ event: "echo.trace", text: request.text, password: "Harbour-Lights-2031!", totpCode: "492039" }, `trace with Bearer ${secretToken}`);
          echoLog.debug({ event: "echo.handled", text: request.text, caller: context.caller?.subject, accessToken: secretToken }, "echoed for %s", request.text);
          return { text: request.text, caller: context.caller?.subject ?? "" };
        },
        async *echoStream() {},
      }, { validate: { echo: (r) => (r.text.length > 200 ? [{ field: "text", description: "must be at most 200 characters" }] : []) } }),
    ],
    authenticate: createAuthHook({ verifier: issuer.verifier(), policies: declarePolicies(EchoService, { echo: authenticated(), echoStream: authenticated() }) }),
    callScope: echoDebug.callScope,
  });

  const supportChannel = openChannel(`127.0.0.1:${support.port}`);
  const echoChannel = openChannel(`127.0.0.1:${echo.port}`);
  return {
    deps,
    names,
    clock,
    issuer,
    events,
    registries: { support: supportDebug.registry, echo: echoDebug.registry },
    clients: {
      sessions: createClient(DebugSessionService, supportChannel, { timeoutMs: 10_000 }),
      echo: createClient(EchoService, echoChannel, { timeoutMs: 10_000 }),
    },
    /** Every audit event the support service recorded so far (its outbox; no relay runs in tests). */
    async auditEvents(): Promise<AuditEvent[]> {
      const rows = await database.db.selectFrom("event_outbox").select(["payload"]).orderBy("id").execute();
      return rows.map((row) => fromBinary(AuditEventSchema, row.payload));
    },
    async stop() {
      supportChannel.close();
      echoChannel.close();
      await support.close(1_000);
      await echo.close(1_000);
      await supportDebug.stop();
      await echoDebug.stop();
      await events.jsm.streams.delete(names.stream).catch(() => {});
      await events.jsm.streams.delete(`KV_${names.bucket}`).catch(() => {});
      await events.close();
      await database.destroy();
    },
  };
}

export type Support = Awaited<ReturnType<typeof startSupport>>;

/** A secret no debug line may ever contain. */
export const secretToken = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJlLW5ldmVyLWxvZ2dlZA";

export const ids = {
  acme: randomUUID(),
  beta: randomUUID(),
  staffOrg: randomUUID(),
  userA: randomUUID(),
  userB: randomUUID(),
  userC: randomUUID(),
  acmeAdmin: randomUUID(),
  betaAdmin: randomUUID(),
  agent: randomUUID(),
  engineer: randomUUID(),
};

/** Polls until `check` holds. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
