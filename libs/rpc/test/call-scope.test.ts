import { AsyncLocalStorage } from "node:async_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { createClient, openChannel, registerService, serve, type CallScope, type Channel, type Logger, type RunningServer } from "../src/index.js";

// Each call's handler reports which logger it saw in its context and in the
// AsyncLocalStorage, after an await, for unary and streaming calls alike.
const store = new AsyncLocalStorage<string>();
const seen: Array<{ method: string; contextLog: string; stored: string | undefined }> = [];
const named = (name: string): Logger & { name: string } => ({ name, debug() {}, info() {}, warn() {}, error() {} });
const serverLog = named("server");

let server: RunningServer;
let channel: Channel;
let selections = 0;

beforeAll(async () => {
  const handlers = {
    async echo(request: { text: string }, context: { log: Logger }) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      seen.push({ method: "echo", contextLog: (context.log as Logger & { name: string }).name, stored: store.getStore() });
      return { text: request.text };
    },
    async *echoStream(request: { text: string }, context: { log: Logger }) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      seen.push({ method: "echoStream", contextLog: (context.log as Logger & { name: string }).name, stored: store.getStore() });
      yield { text: request.text, index: 0 };
    },
  };
  server = await serve({
    host: "127.0.0.1",
    port: 0,
    services: [registerService(EchoService, handlers as never)],
    log: serverLog,
    authenticate: ({ metadata }) => {
      const user = metadata.get("authorization")[0];
      return typeof user === "string" ? { subject: user.replace("Bearer ", ""), tenantId: "00000000-0000-4000-8000-000000000001", roles: [], amr: [] } : undefined;
    },
    callScope: ({ caller }): CallScope | undefined => {
      selections += 1;
      if (caller.subject !== "traced-user") return undefined;
      const log = named(`scoped:${caller.subject}`);
      return { log, run: (work) => store.run(log.name, work) };
    },
  });
  channel = openChannel(`127.0.0.1:${server.port}`);
});

afterAll(async () => {
  channel?.close();
  await server?.close(1_000);
});

describe("callScope", () => {
  it("gives the selected caller's calls the scope's logger, in the context and in AsyncLocalStorage", async () => {
    seen.length = 0;
    const echo = createClient(EchoService, channel, { timeoutMs: 5_000 });
    await echo.echo({ text: "a" }, { metadata: { authorization: "Bearer traced-user" } });
    for await (const _ of echo.echoStream({ text: "b", repeat: 1 }, { metadata: { authorization: "Bearer traced-user" } })) void _;
    await echo.echo({ text: "c" }, { metadata: { authorization: "Bearer someone-else" } });
    expect(seen).toEqual([
      { method: "echo", contextLog: "scoped:traced-user", stored: "scoped:traced-user" },
      { method: "echoStream", contextLog: "scoped:traced-user", stored: "scoped:traced-user" },
      { method: "echo", contextLog: "server", stored: undefined },
    ]);
  });

  it("is never consulted for an anonymous call, whatever metadata it carries", async () => {
    seen.length = 0;
    const before = selections;
    const echo = createClient(EchoService, channel, { timeoutMs: 5_000 });
    await echo.echo({ text: "anon" }, { metadata: { "x-debug-user": "traced-user" } });
    expect(selections).toBe(before);
    expect(seen).toEqual([{ method: "echo", contextLog: "server", stored: undefined }]);
  });
});
