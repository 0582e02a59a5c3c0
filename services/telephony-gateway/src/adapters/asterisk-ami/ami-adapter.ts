import type { Socket } from "node:net";
import { PbxRefusedError, PbxUnavailableError, ProtocolError, type AdapterOptions, type OriginateRequest, type PbxAdapter } from "../adapter.js";
import { FloodGuard } from "../flood-guard.js";
import { deferred, openTcp } from "../tcp-link.js";
import { amiSignal } from "./ami-call-events.js";
import { AmiFrameReader, encodeAction, type AmiMessage } from "./ami-framing.js";
import { amiSettings } from "./ami-settings.js";

interface Pending {
  resolve(message: AmiMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Asterisk Manager Interface over TCP: Login, call events, Originate for
 * click-to-dial, and a Ping keepalive that notices a silent peer.
 */
export function createAmiAdapter(options: AdapterOptions): PbxAdapter {
  const { endpoint, timeouts, log } = options;
  const settings = amiSettings(endpoint.settings);
  const reader = new AmiFrameReader(options.limits.maxFrameBytes);
  const flood = new FloodGuard(options.limits.maxFramesPerSecond);
  const pending = new Map<string, Pending>();
  const banner = deferred<void>();
  // Rejected when the link ends; only connect() awaits it, and only while connecting.
  banner.promise.catch(() => {});
  const lost = deferred<Error>();
  let socket: Socket | undefined;
  let nextActionId = 1;
  let keepalive: NodeJS.Timeout | undefined;
  let ended = false;

  const end = (reason: Error) => {
    if (ended) return;
    ended = true;
    clearInterval(keepalive);
    socket?.destroy();
    for (const [id, call] of pending) {
      clearTimeout(call.timer);
      call.reject(new PbxUnavailableError(`the link to the PBX ended: ${reason.message}`));
      pending.delete(id);
    }
    banner.reject(reason);
    lost.resolve(reason);
  };

  const onData = (chunk: Buffer) => {
    try {
      const messages = reader.push(chunk);
      if (reader.banner !== undefined) banner.resolve();
      for (const message of messages) {
        flood.frame();
        dispatch(message);
      }
    } catch (err) {
      log.warn({ event: "ami.protocol_error", connectionId: endpoint.connectionId, reason: (err as Error).message }, "cutting the AMI link");
      end(err instanceof ProtocolError ? err : new ProtocolError(String(err)));
    }
  };

  const dispatch = (message: AmiMessage) => {
    if (message.response !== undefined) {
      const id = message.actionid ?? "";
      const call = pending.get(id);
      if (call) {
        pending.delete(id);
        clearTimeout(call.timer);
        call.resolve(message);
      }
      return;
    }
    if (message.event) {
      const signal = amiSignal(message);
      if (signal) options.onSignal(signal);
    }
  };

  const send = (action: string, fields: Record<string, string | number | undefined>): Promise<AmiMessage> => {
    if (ended || !socket) return Promise.reject(new PbxUnavailableError("the link to the PBX is down"));
    const actionId = String(nextActionId++);
    const frame = encodeAction({ Action: action, ActionID: actionId, ...fields });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(actionId);
        reject(new PbxUnavailableError(`the PBX did not answer ${action} within ${timeouts.replyMs} ms`));
      }, timeouts.replyMs);
      pending.set(actionId, { resolve, reject, timer });
      socket!.write(frame);
    });
  };

  const refusal = (reply: AmiMessage) => reply.response?.toLowerCase() !== "success" ? reply.message || reply.response || "no reason given" : undefined;

  return {
    lost: lost.promise,

    async connect() {
      socket = await openTcp(endpoint.host, endpoint.port, timeouts.connectMs);
      socket.on("data", onData);
      socket.on("error", (err) => end(new PbxUnavailableError(`the link to the PBX failed: ${err.message}`)));
      socket.on("close", () => end(new PbxUnavailableError("the PBX closed the connection")));
      const greeted = setTimeout(() => end(new PbxUnavailableError(`no manager banner within ${timeouts.connectMs} ms: is this the AMI port?`)), timeouts.connectMs);
      try {
        await banner.promise;
      } finally {
        clearTimeout(greeted);
      }
      const reply = await send("Login", { Username: endpoint.username, Secret: endpoint.secret, Events: settings.events });
      const refused = refusal(reply);
      if (refused) {
        end(new PbxRefusedError(`login refused: ${refused}`));
        throw new PbxRefusedError(`the PBX refused the login (${refused}): check the AMI user name and secret in manager.conf`);
      }
      keepalive = setInterval(() => {
        // A peer that stops answering (half-open TCP) is only noticed by asking.
        send("Ping", {}).catch((err: Error) => end(new PbxUnavailableError(`keepalive failed: ${err.message}`)));
      }, timeouts.keepaliveMs);
      keepalive.unref();
    },

    async originate(request: OriginateRequest) {
      const reply = await send("Originate", {
        Channel: settings.channel.replaceAll("{extension}", request.extension),
        Context: settings.context,
        Exten: request.dial,
        Priority: 1,
        CallerID: `<${request.dial}>`,
        Timeout: settings.ringTimeoutMs,
        // Async: the reply means "queued"; the call's fate arrives as events.
        Async: "true",
        // The originated channel's Uniqueid, hence the call's Linkedid: Dial's call id.
        ChannelId: request.callId,
      });
      const refused = refusal(reply);
      if (refused) throw new PbxRefusedError(`the PBX refused to place the call: ${refused}`);
    },

    async close() {
      if (!ended && socket) socket.end(encodeAction({ Action: "Logoff", ActionID: String(nextActionId++) }));
      end(new PbxUnavailableError("closed by the service"));
    },
  };
}
