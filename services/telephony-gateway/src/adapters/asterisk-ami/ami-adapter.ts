import type { Socket } from "node:net";
import { PbxRefusedError, PbxUnavailableError, ProtocolError, type AdapterOptions, type OriginateRequest, type PbxAdapter } from "../adapter.js";
import { FloodGuard } from "../flood-guard.js";
import { deferred, openTcp } from "../tcp-link.js";
import type { CallSignal } from "../../domain/call-signals.js";
import { amiCallsInProgress, amiSignal } from "./ami-call-events.js";
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
  // While the calls in progress are being listed: the list's ActionID, its
  // items, and the live signals held back until the list has been applied.
  let listing: { actionId: string; channels: AmiMessage[]; complete: ReturnType<typeof deferred<void>>; held: CallSignal[] } | undefined;

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
    listing?.complete.reject(reason);
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
    if (listing && message.actionid === listing.actionId) {
      const event = message.event?.toLowerCase();
      if (event === "coreshowchannel") listing.channels.push(message);
      else if (event === "coreshowchannelscomplete") listing.complete.resolve();
      return;
    }
    if (message.event) {
      const signal = amiSignal(message);
      if (!signal) return;
      if (listing) listing.held.push(signal);
      else options.onSignal(signal);
    }
  };

  const send = (action: string, fields: Record<string, string | number | undefined>, actionId = String(nextActionId++)): Promise<AmiMessage> => {
    if (ended || !socket) return Promise.reject(new PbxUnavailableError("the link to the PBX is down"));
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

  /**
   * CoreShowChannels: one CoreShowChannel event per channel, then
   * CoreShowChannelsComplete, all with our ActionID. Live events that
   * arrive meanwhile wait, so they apply after the list. A PBX that refuses
   * (the manager user lacks `reporting`) or does not finish in time leaves
   * the link working as before, without the list.
   */
  const listCallsInProgress = async (report: NonNullable<AdapterOptions["onCallsInProgress"]>) => {
    const current = { actionId: String(nextActionId++), channels: [] as AmiMessage[], complete: deferred<void>(), held: [] as CallSignal[] };
    current.complete.promise.catch(() => {});
    listing = current;
    let timer: NodeJS.Timeout | undefined;
    try {
      const refused = refusal(await send("CoreShowChannels", {}, current.actionId));
      if (refused) throw new PbxRefusedError(refused);
      await Promise.race([
        current.complete.promise,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new PbxUnavailableError(`the channel list did not end within ${timeouts.replyMs} ms`)), timeouts.replyMs))),
      ]);
      report(amiCallsInProgress(current.channels));
    } catch (err) {
      log.warn(
        { event: "ami.calls_not_listed", connectionId: endpoint.connectionId, reason: (err as Error).message },
        "could not list the calls in progress (give the manager user 'reporting' in its write permissions): calls that changed while the link was down keep their last state",
      );
    } finally {
      clearTimeout(timer);
      listing = undefined;
      for (const signal of current.held) options.onSignal(signal);
    }
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
      if (options.onCallsInProgress) await listCallsInProgress(options.onCallsInProgress);
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
