// Inbound call events from a fake Asterisk manager peer to JetStream,
// through the telephony gateway's own AMI adapter, call tracker and
// publisher (no database: the connection is built as its runner would be).
import { randomBytes } from "node:crypto";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ensureStream } from "@switchboard/events";
import { silentLogger } from "@switchboard/rpc";
import { vendors } from "../../../services/telephony-gateway/src/adapters/vendors.js";
import { callEventTypes, createCallEventPublisher, type CallEventPublisher } from "../../../services/telephony-gateway/src/events/call-events.js";
import { startConnectionRunner } from "../../../services/telephony-gateway/src/supervision/connection-runner.js";
import type { Operation } from "./operations.js";

/** A peer that greets, accepts any Login and answers Ping: the manager protocol's minimum. */
export async function startAmiPeer(): Promise<{ port: number; socket: Promise<Socket>; close(): Promise<void> }> {
  let resolveSocket!: (socket: Socket) => void;
  const socket = new Promise<Socket>((resolve) => (resolveSocket = resolve));
  const server = createServer((peer) => {
    peer.setNoDelay(true);
    peer.write("Asterisk Call Manager/5.0.1\r\n");
    let buffer = "";
    peer.on("data", (chunk) => {
      buffer += chunk.toString();
      for (let end = buffer.indexOf("\r\n\r\n"); end >= 0; end = buffer.indexOf("\r\n\r\n")) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        const id = /ActionID: (\S+)/.exec(frame)?.[1] ?? "";
        peer.write(`Response: Success\r\nActionID: ${id}\r\nMessage: ok\r\n\r\n`);
        if (frame.includes("Action: Login")) resolveSocket(peer);
      }
    });
    peer.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    socket,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * One op: the peer writes a DialBegin for a new call; the op ends when
 * JetStream has acked the RINGING event it became. Latency is therefore
 * what the gateway adds between the PBX's frame and a stored event.
 */
export async function amiInboundOperation(): Promise<Operation> {
  const tag = randomBytes(5).toString("hex");
  const nc = await connect({ servers: process.env.NATS_URL! });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const stream = `BENCH_CALLS_${tag}`;
  await ensureStream(jsm, { name: stream, subjects: [`switchboard.b${tag}.>`], maxAgeMs: 10 * 60_000, duplicateWindowMs: 60_000 });
  const waiting = new Map<string, () => void>();
  const real = createCallEventPublisher({ js, types: callEventTypes(`switchboard.b${tag}`), log: silentLogger });
  const publisher: CallEventPublisher = {
    publish: (context, change) => void real.publishNow(context, change).then(() => waiting.get(change.callId)?.()),
    publishNow: real.publishNow,
    flush: real.flush,
  };
  const peer = await startAmiPeer();
  const runner = startConnectionRunner({
    endpoint: { connectionId: `bench-${tag}`, host: "127.0.0.1", port: peer.port, username: "bench", secret: "bench", settings: {} },
    vendor: vendors.asterisk_ami,
    context: { tenantId: "00000000-0000-4000-8000-000000000000", connectionId: `bench-${tag}`, region: "NL", usersAt: () => [] },
    publisher,
    reportStatus: async () => {},
    limits: { maxFrameBytes: 65_536, maxFramesPerSecond: 1_000_000_000 },
    timeouts: { connectMs: 5_000, replyMs: 5_000, keepaliveMs: 60_000 },
    backoff: { baseMs: 100, maxMs: 1_000 },
    log: silentLogger,
  });
  const socket = await peer.socket;
  let next = 0;
  return {
    run: () =>
      new Promise<void>((resolve) => {
        const callId = `${tag}.${next++}`;
        waiting.set(callId, () => {
          waiting.delete(callId);
          resolve();
        });
        socket.write(
          `Event: DialBegin\r\nChannel: PJSIP/trunk-00000001\r\nUniqueid: ${callId}\r\nLinkedid: ${callId}\r\nCallerIDNum: 0356990230\r\n` +
            `Exten: 0201234567\r\nDestChannel: PJSIP/1001-00000002\r\nDestUniqueid: ${callId}.2\r\nDialString: 1001\r\n\r\n`,
        );
      }),
    close: async () => {
      await runner.stop();
      await peer.close();
      await jsm.streams.delete(stream).catch(() => {});
      await nc.drain();
    },
  };
}
