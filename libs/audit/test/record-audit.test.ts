import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { context, trace } from "@opentelemetry/api";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { createTestDatabase } from "@switchboard/db/testing";
import { ActorType, AuditEventSchema, AuditOutcome } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import type { EventTables } from "@switchboard/events";
import { recordAudit } from "../src/index.js";

const migrationsFolder = fileURLToPath(new URL("./fixtures/migrations/", import.meta.url));
let database: Awaited<ReturnType<typeof createTestDatabase<EventTables>>>;
const tenantId = "00000000-0000-4000-8000-0000000000a1";
const caller = { subject: "00000000-0000-4000-8000-0000000000b2", tenantId, roles: ["tenant-admin"], amr: ["pwd"], kind: "user" as const };

beforeAll(async () => {
  database = await createTestDatabase<EventTables>({ migrationsFolder, name: "audit" });
});
afterAll(() => database?.destroy());

const outbox = () => database.db.selectFrom("event_outbox").selectAll().orderBy("id").execute();

describe("recordAudit", () => {
  it("writes one AuditEvent into the outbox of the caller's transaction, on the domain's audit subject", async () => {
    const id = await database.db.transaction().execute((trx) =>
      recordAudit(trx, {
        tenantId,
        actor: { caller, clientAddress: "198.51.100.7" },
        action: "identity.user.roles_changed",
        resource: { type: "user", id: "00000000-0000-4000-8000-0000000000c3" },
        personalData: ["account"],
        details: { roles: "agent,tenant-auditor", sessionsRevoked: 2 },
      }),
    );
    const [row] = await outbox();
    expect(row?.subject).toBe("switchboard.audit.event.recorded");
    expect(row?.msg_id).toBe(id);
    const event = fromBinary(AuditEventSchema, row!.payload);
    expect(event).toMatchObject({
      eventId: id,
      tenantId,
      action: "identity.user.roles_changed",
      resource: { type: "user", id: "00000000-0000-4000-8000-0000000000c3" },
      personalDataCategories: ["account"],
      outcome: AuditOutcome.SUCCESS,
      details: { roles: "agent,tenant-auditor", sessionsRevoked: "2" },
    });
    expect(event.actor).toMatchObject({ type: ActorType.USER, id: caller.subject, roles: ["tenant-admin"], clientAddress: "198.51.100.7", tenantId });
    expect(Math.abs(Number(event.time!.seconds) * 1000 - Date.now())).toBeLessThan(60_000);
  });

  it("writes nothing when the change rolls back", async () => {
    const before = (await outbox()).length;
    await expect(
      database.db.transaction().execute(async (trx) => {
        await recordAudit(trx, { tenantId, actor: { system: "identity" }, action: "identity.access_review.closed", resource: { type: "access_review", id: "r" } });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect((await outbox()).length).toBe(before);
  });

  it("carries the request's trace id, and marks platform actions as SYSTEM", async () => {
    const provider = new NodeTracerProvider();
    provider.register();
    try {
      const span = trace.getTracer("test").startSpan("request");
      await context.with(trace.setSpan(context.active(), span), () =>
        database.db.transaction().execute((trx) =>
          recordAudit(trx, { tenantId, actor: { system: "identity" }, action: "identity.access_review.closed", resource: { type: "access_review", id: "r1" } }),
        ),
      );
      span.end();
      const event = fromBinary(AuditEventSchema, (await outbox()).at(-1)!.payload);
      expect(event.traceId).toBe(span.spanContext().traceId);
      expect(event.actor?.type).toBe(ActorType.SYSTEM);
    } finally {
      await provider.shutdown();
      trace.disable();
      context.disable();
    }
  });

  it("refuses an action not named <domain>.<resource>.<verb>", async () => {
    await expect(
      database.db.transaction().execute((trx) => recordAudit(trx, { tenantId, actor: { system: "x" }, action: "UserChanged", resource: { type: "user", id: "u" } })),
    ).rejects.toThrow(/<domain>.<resource>.<verb>/);
  });
});
