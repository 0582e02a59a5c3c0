import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { PbxRefusedError, PbxUnavailableError, ProtocolError, type AdapterOptions, type OriginateRequest, type PbxAdapter } from "../adapter.js";
import { FloodGuard } from "../flood-guard.js";
import { deferred, openTcp } from "../tcp-link.js";
import { eslSignal } from "./esl-call-events.js";
import { EslFrameReader, parseEventPlain, type EslMessage } from "./esl-framing.js";
import { eslSettings } from "./esl-settings.js";

const SUBSCRIBED = "CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB";
const SAFE = /^[\w+*#@./{}-]+$/;

interface Pending {
  resolve(message: EslMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * FreeSWITCH event socket, inbound mode: auth, `event plain` for channel
 * events, `bgapi originate` for click-to-dial, `api uptime` as keepalive.
 * Replies come back in the order commands were sent.
 */
export function createEslAdapter(options: AdapterOptions): PbxAdapter {
  const { endpoint, timeouts, log } = options;
  const settings = eslSettings(endpoint.settings);
  const reader = new EslFrameReader(options.limits.maxFrameBytes);
  const flood = new FloodGuard(options.limits.maxFramesPerSecond);
  const replies: Pending[] = [];
  const greeting = deferred<EslMessage>();
  // Rejected when the link ends; only connect() awaits it, and only while connecting.
  greeting.promise.catch(() => {});
  const lost = deferred<Error>();
  let greeted = false;
  let socket: Socket | undefined;
  let keepalive: NodeJS.Timeout | undefined;
  let ended = false;

  const end = (reason: Error) => {
    if (ended) return;
    ended = true;
    clearInterval(keepalive);
    socket?.destroy();
    for (const call of replies.splice(0)) {
      clearTimeout(call.timer);
      call.reject(new PbxUnavailableError(`the link to the PBX ended: ${reason.message}`));
    }
    greeting.reject(reason);
    lost.resolve(reason);
  };

  const dispatch = (message: EslMessage) => {
    const type = message.headers["content-type"];
    if (!greeted) {
      greeted = true;
      if (type !== "auth/request") throw new ProtocolError(`the peer is not a FreeSWITCH event socket: it greeted with ${JSON.stringify(type ?? "no Content-Type")}`);
      greeting.resolve(message);
      return;
    }
    if (type === "command/reply" || type === "api/response") {
      const call = replies.shift();
      if (call) {
        clearTimeout(call.timer);
        call.resolve(message);
      }
    } else if (type === "text/event-plain") {
      const signal = eslSignal(parseEventPlain(message.body));
      if (signal) options.onSignal(signal);
    } else if (type === "text/disconnect-notice") {
      end(new PbxUnavailableError("FreeSWITCH closed the event socket"));
    }
  };

  const onData = (chunk: Buffer) => {
    try {
      for (const message of reader.push(chunk)) {
        flood.frame();
        dispatch(message);
      }
    } catch (err) {
      log.warn({ event: "esl.protocol_error", connectionId: endpoint.connectionId, reason: (err as Error).message }, "cutting the ESL link");
      end(err instanceof ProtocolError ? err : new ProtocolError(String(err)));
    }
  };

  const command = (text: string): Promise<EslMessage> => {
    if (ended || !socket) return Promise.reject(new PbxUnavailableError("the link to the PBX is down"));
    if (/\n\n/.test(text)) return Promise.reject(new ProtocolError("an ESL command may not contain an empty line"));
    return new Promise((resolve, reject) => {
      const call: Pending = {
        resolve,
        reject,
        timer: setTimeout(() => end(new PbxUnavailableError(`FreeSWITCH did not answer within ${timeouts.replyMs} ms`)), timeouts.replyMs),
      };
      replies.push(call);
      socket!.write(`${text}\n\n`);
    });
  };

  const replyText = (message: EslMessage) => message.headers["reply-text"] ?? message.body.trim();

  return {
    lost: lost.promise,

    async connect() {
      socket = await openTcp(endpoint.host, endpoint.port, timeouts.connectMs);
      socket.on("data", onData);
      socket.on("error", (err) => end(new PbxUnavailableError(`the link to the PBX failed: ${err.message}`)));
      socket.on("close", () => end(new PbxUnavailableError("the PBX closed the connection")));
      const timer = setTimeout(() => end(new PbxUnavailableError(`no auth/request within ${timeouts.connectMs} ms: is this the event socket port?`)), timeouts.connectMs);
      try {
        await greeting.promise;
      } finally {
        clearTimeout(timer);
      }
      if (/[\r\n]/.test(endpoint.secret)) throw new PbxRefusedError("the event socket password may not contain a line break");
      const auth = replyText(await command(`auth ${endpoint.secret}`));
      if (!auth.startsWith("+OK")) {
        end(new PbxRefusedError(`auth refused: ${auth}`));
        throw new PbxRefusedError(`FreeSWITCH refused the password (${auth}): check the password in event_socket.conf.xml`);
      }
      const subscribed = replyText(await command(`event plain ${SUBSCRIBED}`));
      if (!subscribed.startsWith("+OK")) throw new PbxRefusedError(`FreeSWITCH refused the event subscription: ${subscribed}`);
      keepalive = setInterval(() => {
        command("api uptime").catch((err: Error) => end(new PbxUnavailableError(`keepalive failed: ${err.message}`)));
      }, timeouts.keepaliveMs);
      keepalive.unref();
    },

    async originate(request: OriginateRequest) {
      const target = settings.endpoint.replaceAll("{extension}", request.extension);
      for (const part of [target, request.dial, request.callId]) {
        if (!SAFE.test(part)) throw new PbxRefusedError(`cannot originate: ${JSON.stringify(part)} has characters FreeSWITCH would misread`);
      }
      const variables = [
        `origination_uuid=${request.callId}`,
        `origination_caller_id_number=${request.dial}`,
        `originate_timeout=${Math.round(settings.ring_timeout_ms / 1000)}`,
      ].join(",");
      const reply = replyText(await command(`bgapi originate {${variables}}${target} ${request.dial} XML ${settings.context}\nJob-UUID: ${randomUUID()}`));
      if (!reply.startsWith("+OK")) throw new PbxRefusedError(`FreeSWITCH refused to place the call: ${reply}`);
    },

    async close() {
      if (!ended && socket) socket.end("exit\n\n");
      end(new PbxUnavailableError("closed by the service"));
    },
  };
}
