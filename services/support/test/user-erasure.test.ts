import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countDebugLines } from "@switchboard/debug-sessions";
import { defineEvent, ensureStream, publishEvent, type EventConsumer } from "@switchboard/events";
import { UserDeletedSchema } from "@switchboard/proto/switchboard/identity/v1/events_pb";
import { DebugLevel } from "@switchboard/proto/switchboard/support/v1/debug_sessions_pb";
import { startUserErasure } from "../src/events/user-erasure.js";
import { ids, startSupport, waitFor, type Support } from "./support/harness.js";
import { bearer } from "./support/tokens.js";

let support: Support;
let consumer: EventConsumer;
const tag = randomBytes(5).toString("hex");
// identity's UserDeleted on a stream and subject of this test's own.
const userDeleted = defineEvent(`switchboard.t${tag}.user.deleted`, UserDeletedSchema);
const stream = `T_${tag}_IDENTITY`;

beforeAll(async () => {
  support = await startSupport();
  await ensureStream(support.events.jsm, { name: stream, subjects: [`switchboard.t${tag}.>`], maxAgeMs: 10 * 60_000, duplicateWindowMs: 60_000 });
  consumer = await startUserErasure(support.deps, support.events, { stream, durable: `support-erasure-${tag}`, event: userDeleted });
});
afterAll(async () => {
  await consumer?.stop();
  await support?.events.jsm.streams.delete(stream).catch(() => {});
  await support?.stop();
});

describe("the user's erasure", () => {
  it("ends the user's session and deletes every line when identity reports the user deleted", async () => {
    const engineer = await support.issuer.token({ sub: ids.engineer, tid: ids.staffOrg, roles: ["staff-support"], amr: ["pwd", "otp"] });
    const user = await support.issuer.token({ sub: ids.userC, tid: ids.acme, roles: ["agent"] });
    const { session } = await support.clients.sessions.startDebugSession(
      { organizationId: ids.acme, userId: ids.userC, ticket: "SUP-ERASE", reason: "dial fails", level: DebugLevel.DEBUG },
      bearer(engineer),
    );
    const id = session!.id;
    await waitFor("the echo service to know the session", () => support.registries.echo.isActive(id));
    await support.clients.echo.echo({ text: "one" }, bearer(user));
    await support.clients.echo.echo({ text: "two" }, bearer(user));
    // Each call leaves the echo's own line and libs/rpc's "rpc.completed".
    await waitFor("four lines", async () => (await countDebugLines(support.events.jsm, support.names, id)) >= 4);
    const linesBefore = await countDebugLines(support.events.jsm, support.names, id);

    await publishEvent(support.events.js, userDeleted, { organizationId: ids.acme, userId: ids.userC }, { msgId: `erase-${tag}` });
    await waitFor("the erasure", async () => (await support.auditEvents()).some((e) => e.action === "support.debug_logs.deleted" && e.resource?.id === id));

    expect(await countDebugLines(support.events.jsm, support.names, id)).toBe(0);
    expect(support.registries.echo.isActive(id)).toBe(false);
    const events = (await support.auditEvents()).filter((e) => e.resource?.id === id);
    expect(events.map((e) => e.action)).toEqual(["support.debug_session.started", "support.debug_session.ended", "support.debug_logs.deleted"]);
    expect(events[2]?.details).toMatchObject({ why: "erased", lines_before: String(linesBefore), lines_after: "0" });
    expect(events[2]?.actor?.id).toBe("support");
  });
});
