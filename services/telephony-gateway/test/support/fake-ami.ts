import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export type AmiFields = Record<string, string | number>;

/**
 * A fake Asterisk speaking the manager protocol as documented: a banner
 * line, then `Key: Value\r\n` messages ended by an empty line. It checks
 * Login, answers Ping, Originate and CoreShowChannels (from `channels`),
 * records every action, and lets a test send events, garbage, or drop the
 * connection.
 */
export class FakeAmi {
  readonly actions: AmiFields[] = [];
  readonly sessions: Socket[] = [];
  logins = 0;
  /**
   * The channels this PBX has up, as CoreShowChannel fields (Channel,
   * ChannelState, Uniqueid, Linkedid, BridgeId, …): what it lists when asked
   * with CoreShowChannels.
   */
  channels: AmiFields[] = [];
  /** Answer CoreShowChannels as for a manager user without `reporting`. */
  refuseChannelList = false;
  /** Live events that happen while the list is being written: sent after its items, before its completion. */
  duringChannelList: AmiFields[] = [];
  /** Write every frame in small pieces with pauses, as a slow network would. */
  splitWrites = false;
  private readonly server: Server;
  private authenticated = new WeakSet<Socket>();

  private constructor(readonly username: string, readonly secret: string) {
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(username = "switchboard", secret = "amp111"): Promise<FakeAmi> {
    const fake = new FakeAmi(username, secret);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Live, logged-in sessions. */
  get live(): Socket[] {
    return this.sessions.filter((s) => !s.destroyed && this.authenticated.has(s));
  }

  private accept(socket: Socket): void {
    this.sessions.push(socket);
    socket.on("error", () => {});
    socket.write("Asterisk Call Manager/5.0.1\r\n");
    let buffer = "";
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (let end = buffer.indexOf("\r\n\r\n"); end >= 0; end = buffer.indexOf("\r\n\r\n")) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        const fields: AmiFields = {};
        for (const line of frame.split("\r\n")) {
          const colon = line.indexOf(":");
          if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
        }
        this.actions.push(fields);
        this.answer(socket, fields);
      }
    });
  }

  private answer(socket: Socket, action: AmiFields): void {
    const id = action.ActionID;
    switch (action.Action) {
      case "Login":
        if (action.Username === this.username && action.Secret === this.secret) {
          this.authenticated.add(socket);
          this.logins += 1;
          void this.write(socket, { Response: "Success", ActionID: id!, Message: "Authentication accepted" });
          void this.write(socket, { Event: "FullyBooted", Privilege: "system,all", Status: "Fully Booted" });
        } else {
          void this.write(socket, { Response: "Error", ActionID: id!, Message: "Authentication failed" }).then(() => socket.end());
        }
        return;
      case "Ping":
        void this.write(socket, { Response: "Success", ActionID: id!, Ping: "Pong", Timestamp: (Date.now() / 1000).toFixed(6) });
        return;
      case "Originate":
        void this.write(socket, { Response: "Success", ActionID: id!, Message: "Originate successfully queued" });
        return;
      case "CoreShowChannels":
        if (this.refuseChannelList) {
          void this.write(socket, { Response: "Error", ActionID: id!, Message: "Permission denied" });
          return;
        }
        // A list action: an acknowledgement, one event per item, then a completion event, all with the ActionID.
        void this.write(socket, { Response: "Success", ActionID: id!, EventList: "start", Message: "Channels will follow" });
        for (const channel of this.channels) void this.write(socket, { Event: "CoreShowChannel", ActionID: id!, ...channel });
        for (const event of this.duringChannelList) void this.write(socket, event);
        void this.write(socket, { Event: "CoreShowChannelsComplete", ActionID: id!, EventList: "Complete", ListItems: this.channels.length });
        return;
      case "Logoff":
        void this.write(socket, { Response: "Goodbye", ActionID: id!, Message: "Thanks for all the fish." }).then(() => socket.end());
        return;
      default:
        void this.write(socket, { Response: "Error", ActionID: id!, Message: "Invalid/unknown command" });
    }
  }

  /** Sends an event (or any message) to every live session. */
  async emit(fields: AmiFields): Promise<void> {
    await Promise.all(this.live.map((socket) => this.write(socket, fields)));
  }

  /** Sends raw bytes to every live session. */
  async raw(data: string | Buffer): Promise<void> {
    await Promise.all(this.live.map((socket) => this.writeRaw(socket, Buffer.from(data))));
  }

  private write(socket: Socket, fields: AmiFields): Promise<void> {
    const text = Object.entries(fields).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
    return this.writeRaw(socket, Buffer.from(text));
  }

  private readonly queues = new WeakMap<Socket, Promise<void>>();

  /** One message at a time per socket, so split writes never interleave two messages. */
  private writeRaw(socket: Socket, data: Buffer): Promise<void> {
    const next = (this.queues.get(socket) ?? Promise.resolve()).then(() => this.writeNow(socket, data));
    this.queues.set(socket, next);
    return next;
  }

  private async writeNow(socket: Socket, data: Buffer): Promise<void> {
    if (!this.splitWrites) {
      socket.write(data);
      return;
    }
    // Pieces of 1-7 bytes, each in its own TCP write after a pause.
    for (let offset = 0; offset < data.length; ) {
      const size = 1 + Math.floor(Math.random() * 7);
      socket.write(data.subarray(offset, offset + size));
      offset += size;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Drops every connection, as a PBX restart would. */
  dropAll(): void {
    for (const socket of this.sessions) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The AMI events Asterisk sends for an inbound call from `caller` to extension `extension`, answered and hung up. */
export function inboundCall(linkedid: string, caller: string, extension: string, did = "0201234567"): AmiFields[] {
  const trunk = { Channel: "PJSIP/trunk-00000001", Uniqueid: linkedid, Linkedid: linkedid };
  const phone = { Channel: `PJSIP/${extension}-00000002`, Uniqueid: `${linkedid}.2`, Linkedid: linkedid };
  return [
    { Event: "Newchannel", ...trunk, ChannelState: 4, ChannelStateDesc: "Ring", CallerIDNum: caller, Exten: did, Context: "from-trunk" },
    { Event: "Newchannel", ...phone, ChannelState: 0, ChannelStateDesc: "Down", CallerIDNum: extension, Exten: extension },
    {
      Event: "DialBegin",
      ...trunk,
      CallerIDNum: caller,
      Exten: did,
      DestChannel: phone.Channel,
      DestUniqueid: phone.Uniqueid,
      DestLinkedid: linkedid,
      DestCallerIDNum: extension,
      DialString: extension,
    },
    // The same ring once more, from the phone's own channel.
    { Event: "Newstate", ...phone, ChannelState: 5, ChannelStateDesc: "Ringing", CallerIDNum: extension, ConnectedLineNum: caller },
    { Event: "Newstate", ...phone, ChannelState: 6, ChannelStateDesc: "Up", CallerIDNum: extension, ConnectedLineNum: caller },
    { Event: "DialEnd", ...trunk, DestChannel: phone.Channel, DestLinkedid: linkedid, DialStatus: "ANSWER" },
    { Event: "BridgeEnter", ...trunk, BridgeUniqueid: "b-1" },
    { Event: "BridgeEnter", ...phone, BridgeUniqueid: "b-1" },
    { Event: "Hangup", ...phone, Cause: 16, "Cause-txt": "Normal Clearing" },
    { Event: "Hangup", ...trunk, Cause: 16, "Cause-txt": "Normal Clearing" },
  ];
}

/** The AMI events Asterisk sends when the phone at `extension` dials `number` out through a trunk, answered and hung up. */
export function outboundHandsetCall(linkedid: string, extension: string, number: string): AmiFields[] {
  const phone = { Channel: `PJSIP/${extension}-00000011`, Uniqueid: linkedid, Linkedid: linkedid };
  const trunk = { Channel: "PJSIP/trunk-00000012", Uniqueid: `${linkedid}.2`, Linkedid: linkedid };
  return [
    { Event: "Newchannel", ...phone, ChannelState: 4, ChannelStateDesc: "Ring", CallerIDNum: extension, Exten: number, Context: "from-internal" },
    { Event: "Newchannel", ...trunk, ChannelState: 0, ChannelStateDesc: "Down", CallerIDNum: number, Exten: number },
    { Event: "DialBegin", ...phone, CallerIDNum: extension, Exten: number, DestChannel: trunk.Channel, DestUniqueid: trunk.Uniqueid, DestLinkedid: linkedid, DialString: `trunk/${number}` },
    // The far end rings: the trunk channel's state, its connected line the dialling phone.
    { Event: "Newstate", ...trunk, ChannelState: 5, ChannelStateDesc: "Ringing", CallerIDNum: number, ConnectedLineNum: extension },
    { Event: "DialEnd", ...phone, DestChannel: trunk.Channel, DestLinkedid: linkedid, DialStatus: "ANSWER" },
    { Event: "BridgeEnter", ...phone, BridgeUniqueid: "b-2" },
    { Event: "Hangup", ...trunk, Cause: 16, "Cause-txt": "Normal Clearing" },
    { Event: "Hangup", ...phone, Cause: 16, "Cause-txt": "Normal Clearing" },
  ];
}
