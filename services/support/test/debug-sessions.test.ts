import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, RpcError } from "@switchboard/rpc";
import { countDebugLines } from "@switchboard/debug-sessions";
import { DebugLevel, DebugSessionState } from "@switchboard/proto/switchboard/support/v1/debug_sessions_pb";
import { sweepSessions } from "../src/sessions/lifecycle.js";
import { bearer } from "./support/tokens.js";
import { ids, secretToken, startSupport, waitFor, type Support } from "./support/harness.js";

let support: Support;
const tokens: Record<string, string> = {};
const hours = (h: number) => ({ seconds: BigInt(h * 3600), nanos: 0 });

beforeAll(async () => {
  support = await startSupport();
  const sign = (sub: string, tid: string, roles: string[], amr?: string[]) => support.issuer.token({ sub, tid, roles, amr });
  tokens.engineer = await sign(ids.engineer, ids.staffOrg, ["staff-support"], ["pwd", "otp"]);
  tokens.engineerWithoutOtp = await sign(ids.engineer, ids.staffOrg, ["staff-support"], ["pwd"]);
  tokens.agent = await sign(ids.agent, ids.acme, ["agent"]);
  tokens.acmeAdmin = await sign(ids.acmeAdmin, ids.acme, ["tenant-admin"]);
  tokens.betaAdmin = await sign(ids.betaAdmin, ids.beta, ["tenant-admin"]);
  tokens.userA = await sign(ids.userA, ids.acme, ["tenant-admin"]);
  tokens.userB = await sign(ids.userB, ids.acme, ["tenant-admin"]);
  tokens.userC = await sign(ids.userC, ids.acme, ["agent"]);
});
afterAll(() => support?.stop());

async function failure(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

async function readLines(ticket: string) {
  const lines = [];
  for await (const line of support.clients.sessions.readDebugLogs({ ticket }, bearer(tokens.engineer!))) lines.push(line);
  return lines;
}

const start = (userId: string, ticket: string, extra: { duration?: ReturnType<typeof hours>; level?: DebugLevel } = {}) =>
  support.clients.sessions.startDebugSession({ organizationId: ids.acme, userId, ticket, reason: "caller says screen pops never appear", ...extra }, bearer(tokens.engineer!));

describe("who may use debug sessions", () => {
  it("refuses agents, tenant admins and staff without a second factor the start, end and read", async () => {
    for (const token of [tokens.agent, tokens.acmeAdmin, tokens.engineerWithoutOtp]) {
      const refused = await failure(
        support.clients.sessions.startDebugSession({ organizationId: ids.acme, userId: ids.userB, ticket: "SUP-1", reason: "x" }, bearer(token!)),
      );
      expect(refused.code).toBe(Code.PermissionDenied);
      expect((await failure(support.clients.sessions.endDebugSession({ id: ids.userB }, bearer(token!)))).code).toBe(Code.PermissionDenied);
      const reading = support.clients.sessions.readDebugLogs({ ticket: "SUP-1" }, bearer(token!))[Symbol.asyncIterator]().next();
      expect((await failure(reading)).code).toBe(Code.PermissionDenied);
    }
    const withoutOtp = await failure(support.clients.sessions.startDebugSession({ organizationId: ids.acme, userId: ids.userB, ticket: "SUP-1", reason: "x" }, bearer(tokens.engineerWithoutOtp!)));
    expect(withoutOtp.message).toContain("second factor");
    expect((await failure(support.clients.sessions.listDebugSessions({}, bearer(tokens.engineerWithoutOtp!)))).code).toBe(Code.PermissionDenied);
    expect((await failure(support.clients.sessions.listDebugSessions({}, bearer(tokens.agent!)))).code).toBe(Code.PermissionDenied);
  });

  it("caps a session at 24 hours, defaults to 1 hour and keeps extensions within the cap", async () => {
    const tooLong = await failure(start(ids.userC, "SUP-CAP", { duration: hours(25) }));
    expect(tooLong.code).toBe(Code.InvalidArgument);
    expect(tooLong.message).toContain("at most 24 hours");

    const { session } = await start(ids.userC, "SUP-CAP");
    const lasts = Number(session!.expireTime!.seconds - session!.startTime!.seconds);
    expect(lasts).toBe(3600);
    const extended = await support.clients.sessions.extendDebugSession({ id: session!.id, duration: hours(20) }, bearer(tokens.engineer!));
    expect(Number(extended.session!.expireTime!.seconds - session!.startTime!.seconds)).toBe(21 * 3600);
    const beyond = await failure(support.clients.sessions.extendDebugSession({ id: session!.id, duration: hours(4) }, bearer(tokens.engineer!)));
    expect(beyond.code).toBe(Code.InvalidArgument);
    expect(beyond.message).toContain("at most 3 h 0 min more");
    const twice = await failure(start(ids.userC, "SUP-CAP-2"));
    expect(twice.code).toBe(Code.AlreadyExists);
    await support.clients.sessions.endDebugSession({ id: session!.id }, bearer(tokens.engineer!));
    const actions = (await support.auditEvents()).filter((e) => e.resource?.id === session!.id).map((e) => e.action);
    expect(actions).toEqual(["support.debug_session.started", "support.debug_session.extended", "support.debug_session.ended", "support.debug_logs.deleted"]);
  });
});

describe("a debug session for user A", () => {
  let sessionId = "";

  beforeAll(async () => {
    const { session } = await start(ids.userA, "SUP-4711", { level: DebugLevel.TRACE });
    sessionId = session!.id;
    await waitFor("both services to know the session", () => support.registries.echo.isActive(sessionId) && support.registries.support.isActive(sessionId));
  });

  it("logs A's requests in two services at the session's level, tagged with the ticket, and nobody else's", async () => {
    await support.clients.echo.echo({ text: "from A to jan@example.com" }, bearer(tokens.userA!));
    await support.clients.sessions.listDebugSessions({}, bearer(tokens.userA!));
    await support.clients.echo.echo({ text: "from B" }, bearer(tokens.userB!));
    // B tries to switch it on with headers a client controls: nothing selects a session but the verified caller.
    await support.clients.echo.echo({ text: "from B with headers" }, bearer(tokens.userB!, { "x-debug-session": sessionId, "x-debug-ticket": "SUP-4711", "x-user-id": ids.userA, "x-debug-level": "trace" }));
    await waitFor("A's lines to be stored", async () => (await countDebugLines(support.events.jsm, support.names, sessionId)) >= 3);

    const lines = await readLines("SUP-4711");
    const parsed = lines.map((line) => JSON.parse(line.json) as Record<string, unknown>);
    expect(new Set(parsed.map((p) => p.service))).toEqual(new Set(["echo", "support"]));
    expect(parsed.every((p) => p.ticket === "SUP-4711" && p.user_id === ids.userA && p.debug_session_id === sessionId)).toBe(true);
    expect(parsed.map((p) => p.level)).toEqual(expect.arrayContaining(["trace", "debug"]));
    // Personal data is what a debug session is for; it stays.
    expect(parsed.find((p) => p.event === "echo.handled")?.text).toBe("from A to jan@example.com");
    const everything = lines.map((line) => line.json).join("\n");
    expect(everything).not.toContain("from B");
    expect(everything).not.toContain(ids.userB);
  });

  it("records A's refused and invalid requests too: what went wrong is why users call support", async () => {
    const refused = await support.clients.sessions
      .startDebugSession({ organizationId: ids.acme, userId: ids.userA, ticket: "SUP-SELF", reason: "me", level: DebugLevel.TRACE }, bearer(tokens.userA!))
      .then(() => undefined, (e: unknown) => e);
    expect((refused as RpcError).code).toBe(Code.PermissionDenied);
    const invalid = await support.clients.echo.echo({ text: "x".repeat(201) }, bearer(tokens.userA!)).then(() => undefined, (e: unknown) => e);
    expect((invalid as RpcError).code).toBe(Code.InvalidArgument);
    await support.clients.echo.echo({ text: "y".repeat(201) }, bearer(tokens.userB!)).catch(() => {});

    const failed = async () =>
      (await readLines("SUP-4711")).map((line) => JSON.parse(line.json) as Record<string, unknown>).filter((p) => p.event === "rpc.failed");
    await waitFor("A's two failures to be stored", async () => (await failed()).length >= 2);
    const lines = await failed();
    expect(lines.map((p) => [p.service, p.grpcCode])).toEqual(expect.arrayContaining([["support", "PermissionDenied"], ["echo", "InvalidArgument"]]));
    expect(lines.every((p) => p.user_id === ids.userA)).toBe(true);
    expect(lines.find((p) => p.grpcCode === "InvalidArgument")?.msg).toContain("text: must be at most 200 characters");
  });

  it("never stores a password, token or one-time code, even at trace level", async () => {
    const everything = (await readLines("SUP-4711")).map((line) => line.json).join("\n");
    expect(everything).toContain("echo.trace");
    for (const secret of [secretToken, "Harbour-Lights-2031!", "492039"]) expect(everything).not.toContain(secret);
    expect(everything).toContain("[REDACTED]");
  });

  it("shows a tenant admin that the session exists, but not its ticket, reason or lines", async () => {
    const own = await support.clients.sessions.listDebugSessions({}, bearer(tokens.acmeAdmin!));
    const seen = own.sessions.find((s) => s.id === sessionId);
    expect(seen).toMatchObject({ userId: ids.userA, organizationId: ids.acme, state: DebugSessionState.ACTIVE, ticket: "", reason: "", startedBy: "" });
    const other = await support.clients.sessions.listDebugSessions({}, bearer(tokens.betaAdmin!));
    expect(other.sessions).toEqual([]);
    const staffView = await support.clients.sessions.listDebugSessions({}, bearer(tokens.engineer!));
    expect(staffView.sessions.find((s) => s.id === sessionId)).toMatchObject({ ticket: "SUP-4711", reason: "caller says screen pops never appear", startedBy: ids.engineer });
  });

  it("records every read of the lines in the user's organisation's audit trail", async () => {
    const reads = (await support.auditEvents()).filter((e) => e.action === "support.debug_logs.read" && e.resource?.id === sessionId);
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(reads[0]).toMatchObject({ tenantId: ids.acme, actor: { id: ids.engineer, tenantId: ids.staffOrg } });
  });

  it("deletes every stored line when the session ends, and proves it with counts", async () => {
    const before = await countDebugLines(support.events.jsm, support.names, sessionId);
    expect(before).toBeGreaterThan(0);
    const ended = await support.clients.sessions.endDebugSession({ id: sessionId }, bearer(tokens.engineer!));
    expect(ended.linesBefore).toBe(BigInt(before));
    expect(ended.linesAfter).toBe(0n);
    expect(ended.session?.state).toBe(DebugSessionState.ENDED);
    expect(await countDebugLines(support.events.jsm, support.names, sessionId)).toBe(0);
    expect(await readLines("SUP-4711")).toEqual([]);

    await waitFor("the session to be off everywhere", () => !support.registries.echo.isActive(sessionId));
    await support.clients.echo.echo({ text: "after the end" }, bearer(tokens.userA!));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await countDebugLines(support.events.jsm, support.names, sessionId)).toBe(0);

    const deletion = (await support.auditEvents()).find((e) => e.action === "support.debug_logs.deleted" && e.resource?.id === sessionId);
    expect(deletion?.details).toMatchObject({ ticket: "SUP-4711", why: "ended", lines_before: String(before), lines_after: "0" });
  });
});

describe("expiry", () => {
  it("switches logging off when the time is up, without any call, and the sweep deletes the lines", async () => {
    const { session } = await start(ids.userB, "SUP-EXP");
    const id = session!.id;
    await waitFor("the echo service to know the session", () => support.registries.echo.isActive(id));
    await support.clients.echo.echo({ text: "while on" }, bearer(tokens.userB!));
    // DEBUG (the default level): the echo's debug line is stored, its trace line is not.
    await waitFor("a line", async () => (await countDebugLines(support.events.jsm, support.names, id)) >= 1);
    const before = await countDebugLines(support.events.jsm, support.names, id);

    support.clock.advance(61 * 60_000);
    expect(support.registries.echo.lookup(ids.acme, ids.userB)).toBeUndefined();
    await support.clients.echo.echo({ text: "after expiry" }, bearer(tokens.userB!));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await countDebugLines(support.events.jsm, support.names, id)).toBe(before);

    const swept = await sweepSessions(support.deps);
    expect(swept.expired).toBeGreaterThanOrEqual(1);
    expect(await countDebugLines(support.events.jsm, support.names, id)).toBe(0);
    const events = (await support.auditEvents()).filter((e) => e.resource?.id === id).map((e) => [e.action, e.details.lines_before ?? ""]);
    expect(events).toEqual([
      ["support.debug_session.started", ""],
      ["support.debug_session.expired", ""],
      ["support.debug_logs.deleted", String(before)],
    ]);
  });
});
