import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { ScreenPopState, type ScreenPop, type WatchScreenPopsResponse } from "@switchboard/proto/switchboard/screenpop/v1/screen_pops_pb";
import { ScriptTrigger } from "@switchboard/proto/switchboard/screenpop/v1/scripts_pb";
import { CallState } from "@switchboard/proto/switchboard/telephony/v1/events_pb";
import { Code, RpcError } from "@switchboard/rpc";
import { startHarness, type As, type Harness } from "./support/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness("screenpop_pops", { heartbeatMs: 300 });
});
afterAll(() => h?.close());

/** Opens a stream and collects what it sends; resolves once the stream is live (its first heartbeat). */
async function watch(as: As) {
  const controller = new AbortController();
  const pops: ScreenPop[] = [];
  let heartbeats = 0;
  let failure: unknown;
  let live!: () => void;
  const started = new Promise<void>((resolve) => (live = resolve));
  const done = (async () => {
    try {
      for await (const message of h.pops.watchScreenPops({}, { ...as, signal: controller.signal }) as AsyncIterable<WatchScreenPopsResponse>) {
        if (message.event.case === "pop") pops.push(message.event.value);
        else {
          heartbeats += 1;
          live();
        }
      }
    } catch (error) {
      failure = error;
      live();
    }
  })();
  await started;
  return { pops, heartbeats: () => heartbeats, failure: () => failure, async close() { controller.abort(); await done; } };
}

async function seedWithScripts() {
  const t = await h.seedTenant();
  await h.scripts.createScript({ name: "Open contact", trigger: ScriptTrigger.RECOGNIZED, urlTemplate: "https://crm.example.com/contacts/{customerId}", autoOpen: true, position: 0 }, t.admin);
  await h.scripts.createScript({ name: "New contact", trigger: ScriptTrigger.UNRECOGNIZED, urlTemplate: "https://crm.example.com/new?phone={number}&ext={extension}", position: 1 }, t.admin);
  return t;
}

describe("screen pops", () => {
  it("pops a recognised caller on every stream of the ringing agent, with the script rendered, then updates and retracts it", async () => {
    const t = await seedWithScripts();
    await h.addContact(t, "+31 35 699 0230", { name: "Ada Lovelace", company: "Analytical", customerId: "C-17/../admin" });
    const phone = await watch(t.agent);
    const desktop = await watch(t.agent);
    const callId = randomUUID();
    await h.publishCall({ tenantId: t.tenantId, userIds: [t.agentId], callId, state: CallState.RINGING });
    await expect.poll(() => desktop.pops.length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => phone.pops.length, { timeout: 10_000 }).toBe(1);
    expect(phone.pops[0]).toMatchObject({
      callId,
      state: ScreenPopState.RINGING,
      callerNumber: "+31356990230",
      extension: "1001",
      recognized: true,
      matchCount: 1,
      displayFields: { name: "Ada Lovelace", company: "Analytical" },
      actions: [{ name: "Open contact", url: "https://crm.example.com/contacts/C-17%2F..%2Fadmin", autoOpen: true }],
    });

    await h.publishCall({ tenantId: t.tenantId, userIds: [t.agentId], callId, state: CallState.ANSWERED });
    await h.publishCall({ tenantId: t.tenantId, userIds: [t.agentId], callId, state: CallState.ENDED });
    await expect.poll(() => phone.pops.map((p) => p.state), { timeout: 10_000 }).toEqual([ScreenPopState.RINGING, ScreenPopState.ANSWERED, ScreenPopState.ENDED]);
    expect(phone.pops[1]).toMatchObject({ recognized: true, displayFields: { name: "Ada Lovelace" } });
    expect(phone.pops[2]).toMatchObject({ callId, recognized: false, actions: [], displayFields: {} });
    await expect.poll(() => desktop.pops.length, { timeout: 10_000 }).toBe(3);
    await Promise.all([phone.close(), desktop.close()]);
  });

  it("pops an unknown caller with the new-contact script, and nobody else's stream gets it", async () => {
    const t = await seedWithScripts();
    const other = await h.seedTenant();
    const agent = await watch(t.agent);
    const colleague = await watch(await h.as({ tid: t.tenantId, roles: ["agent"] }));
    const stranger = await watch(await h.as({ tid: other.tenantId, roles: ["agent"], sub: t.agentId }));
    await h.publishCall({ tenantId: t.tenantId, userIds: [t.agentId], callId: "c-1", state: CallState.RINGING, caller: "+31201234567" });
    await expect.poll(() => agent.pops.length, { timeout: 10_000 }).toBe(1);
    expect(agent.pops[0]).toMatchObject({ recognized: false, matchCount: 0, actions: [{ name: "New contact", url: "https://crm.example.com/new?phone=%2B31201234567&ext=1001" }] });
    await new Promise((r) => setTimeout(r, 500));
    expect(colleague.pops).toEqual([]);
    expect(stranger.pops).toEqual([]);
    await Promise.all([agent.close(), colleague.close(), stranger.close()]);
  });

  it("replays a ringing call to a stream opened during the window, once", async () => {
    const t = await seedWithScripts();
    await h.publishCall({ tenantId: t.tenantId, userIds: [t.agentId], callId: "c-2", state: CallState.RINGING });
    await new Promise((r) => setTimeout(r, 300));
    const late = await watch(t.agent);
    await expect.poll(() => late.pops.length, { timeout: 10_000 }).toBe(1);
    expect(late.pops[0]?.callId).toBe("c-2");
    await new Promise((r) => setTimeout(r, 300));
    expect(late.pops).toHaveLength(1);
    await late.close();
  });

  it("sends heartbeats on an idle stream", async () => {
    const t = await h.seedTenant();
    const idle = await watch(t.agent);
    await expect.poll(() => idle.heartbeats(), { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    await idle.close();
  });

  it("lets agents and admins watch, and refuses staff", async () => {
    const t = await h.seedTenant();
    for (const role of ["staff-support", "staff-admin", "staff-dpo", "tenant-auditor"]) {
      const stream = await watch(await h.as({ tid: t.tenantId, roles: [role], amr: ["pwd", "otp"] }));
      expect((stream.failure() as RpcError).code).toBe(Code.PermissionDenied);
    }
    const admin = await watch(t.admin);
    expect(admin.failure()).toBeUndefined();
    await admin.close();
  });

  it("ends the stream when the access token expires", async () => {
    const t = await h.seedTenant();
    const stream = await watch(await h.as({ tid: t.tenantId, roles: ["agent"], ttl: "2s" }));
    await expect.poll(() => (stream.failure() as RpcError | undefined)?.code, { timeout: 8_000 }).toBe(Code.Unauthenticated);
    expect((stream.failure() as RpcError).message).toContain("access token expired");
  });

  it("ends the stream at the next heartbeat once identity ends the session", async () => {
    const t = await h.seedTenant();
    const sid = randomUUID();
    const stream = await watch(await h.as({ tid: t.tenantId, roles: ["agent"], sub: t.agentId, sid }));
    await expect.poll(() => stream.heartbeats(), { timeout: 5_000 }).toBeGreaterThan(1);
    expect(stream.failure()).toBeUndefined();
    h.revocations.add({ kind: "sessions", sessionIds: [sid] });
    await expect.poll(() => (stream.failure() as RpcError | undefined)?.code, { timeout: 5_000 }).toBe(Code.Unauthenticated);
    expect((stream.failure() as RpcError).message).toContain("sign in again");
  });

  // Last: it stops recognition for the rest of the file.
  it("pops as unrecognised when recognition is down", async () => {
    const t = await seedWithScripts();
    await h.addContact(t, "+31356990230", { name: "Ada", customerId: "C-1" });
    await h.stopRecognition();
    const agent = await watch(t.agent);
    await h.publishCall({ tenantId: t.tenantId, userIds: [t.agentId], callId: "c-3", state: CallState.RINGING });
    await expect.poll(() => agent.pops.length, { timeout: 10_000 }).toBe(1);
    expect(agent.pops[0]).toMatchObject({ recognized: false, actions: [{ name: "New contact" }] });
    await agent.close();
  });
});
