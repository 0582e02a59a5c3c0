// End to end: a PBX event written on a fake AMI socket until the pop
// arrives at a client app on the gateway. The load process holds the PBX
// side (the fake Asterisk peer and the telephony gateway's own AMI adapter,
// call tracker and publisher) and the client (a Connect stream through the
// gateway); recognition, screenpop and the gateway run in another process
// (bench/src/screenpop-server.ts), pinned to the other core when taskset works.
import { randomBytes } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { silentLogger } from "@switchboard/rpc";
import { ScreenPopService, ScreenPopState } from "@switchboard/proto/switchboard/screenpop/v1/screen_pops_pb";
import { vendors } from "../../../services/telephony-gateway/src/adapters/vendors.js";
import { callEventTypes, createCallEventPublisher } from "../../../services/telephony-gateway/src/events/call-events.js";
import { startConnectionRunner } from "../../../services/telephony-gateway/src/supervision/connection-runner.js";
import type { Operation } from "./operations.js";
import { startServerProcess } from "./server-process.js";
import { startAmiPeer } from "./telephony.js";

async function startPlatform(options: { callsPrefix: string; callsStream: string; contacts: number; warm: boolean }) {
  const server = await startServerProcess("screenpop-server.ts", [JSON.stringify(options)], "screenpop bench platform");
  const started = JSON.parse(server.firstLine) as { gatewayUrl: string; agentToken: string; agentId: string; tenantId: string; numbers: string[] };
  return { ...started, close: () => server.stop() };
}

/**
 * One op is one inbound call at a fixed arrival rate (`rate` calls/s, open
 * loop: calls start on their schedule however slow the pops are, up to the
 * figure's concurrency in flight). Its latency, reported by the op itself,
 * runs from the DialBegin frame written on the PBX socket to the RINGING
 * pop, recognised and with its script rendered, read by the client.
 */
export async function screenPopOperation(args: Record<string, string>): Promise<Operation> {
  const rate = Number(args.rate ?? "50");
  // "seen": every caller was looked up before (a cache hit, the steady state);
  // "new": no caller is in the cache yet, and enough contacts that none repeats.
  const warm = (args.callers ?? "seen") === "seen";
  const tag = randomBytes(5).toString("hex");
  const callsPrefix = `switchboard.sp${tag}`;
  const platform = await startPlatform({ callsPrefix, callsStream: `BENCH_SP_CALLS_${tag}`, contacts: warm ? 1_000 : 4_000, warm });
  const nc = await connect({ servers: process.env.NATS_URL! });
  const publisher = createCallEventPublisher({ js: jetstream(nc), types: callEventTypes(callsPrefix), log: silentLogger });
  const peer = await startAmiPeer();
  const runner = startConnectionRunner({
    endpoint: { connectionId: `bench-${tag}`, host: "127.0.0.1", port: peer.port, username: "bench", secret: "bench", settings: {} },
    vendor: vendors.asterisk_ami,
    context: { tenantId: platform.tenantId, connectionId: `bench-${tag}`, region: "NL", usersAt: () => [platform.agentId] },
    publisher,
    reportStatus: async () => {},
    limits: { maxFrameBytes: 65_536, maxFramesPerSecond: 1_000_000_000 },
    timeouts: { connectMs: 5_000, replyMs: 5_000, keepaliveMs: 60_000 },
    backoff: { baseMs: 100, maxMs: 1_000 },
    log: silentLogger,
  });
  const socket = await peer.socket;

  // The agent's client app: one stream through the gateway, Connect protocol over HTTP/1.1.
  const waiting = new Map<string, () => void>();
  const stream = new AbortController();
  let live!: () => void;
  const started = new Promise<void>((resolve) => (live = resolve));
  const client = createClient(ScreenPopService, createConnectTransport({ baseUrl: platform.gatewayUrl, httpVersion: "1.1" }));
  const reading = (async () => {
    for await (const message of client.watchScreenPops({}, { signal: stream.signal, headers: { authorization: `Bearer ${platform.agentToken}` } })) {
      if (message.event.case === "heartbeat") live();
      else if (message.event.case === "pop") {
        const pop = message.event.value;
        if (pop.state === ScreenPopState.RINGING && pop.recognized && pop.actions.length > 0) waiting.get(pop.callId)?.();
      }
    }
  })().catch(() => undefined);
  await started;

  const interval = 1_000 / rate;
  let nextSlot = performance.now();
  let next = 0;
  return {
    async run() {
      const slot = Math.max(nextSlot, performance.now());
      nextSlot = slot + interval;
      const delay = slot - performance.now();
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const callId = `${tag}.${next}`;
      const caller = platform.numbers[next++ % platform.numbers.length]!.replace("+31", "0");
      const popped = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(callId);
          reject(new Error("no pop within 5 s"));
        }, 5_000);
        waiting.set(callId, () => {
          clearTimeout(timer);
          waiting.delete(callId);
          resolve();
        });
      });
      const written = process.hrtime.bigint();
      socket.write(
        `Event: DialBegin\r\nChannel: PJSIP/trunk-00000001\r\nUniqueid: ${callId}\r\nLinkedid: ${callId}\r\nCallerIDNum: ${caller}\r\n` +
          `Exten: 0201234567\r\nDestChannel: PJSIP/1001-00000002\r\nDestUniqueid: ${callId}.2\r\nDialString: 1001\r\n\r\n`,
      );
      await popped;
      return { latencyUs: Number((process.hrtime.bigint() - written) / 1000n) };
    },
    async close() {
      stream.abort();
      await reading;
      await runner.stop();
      await peer.close();
      await publisher.flush();
      await nc.drain();
      await platform.close();
    },
  };
}
