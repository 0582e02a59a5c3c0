import { createServer, type AddressInfo, type Server, type Socket } from "node:net";

/**
 * A fake FreeSWITCH event socket (inbound mode) as documented: it greets
 * with `Content-Type: auth/request`, takes `auth <password>`, `event plain
 * ...`, `api` and `bgapi` commands (each ended by an empty line), answers
 * with `command/reply` / `api/response`, and sends `text/event-plain`
 * events whose body length is in Content-Length.
 */
export class FakeEsl {
  readonly commands: string[] = [];
  readonly sessions: Socket[] = [];
  logins = 0;
  splitWrites = false;
  private readonly server: Server;
  private readonly authenticated = new WeakSet<Socket>();
  private readonly queues = new WeakMap<Socket, Promise<void>>();

  private constructor(readonly password: string) {
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(password = "ClueCon"): Promise<FakeEsl> {
    const fake = new FakeEsl(password);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get live(): Socket[] {
    return this.sessions.filter((s) => !s.destroyed && this.authenticated.has(s));
  }

  private accept(socket: Socket): void {
    this.sessions.push(socket);
    socket.on("error", () => {});
    void this.write(socket, "Content-Type: auth/request\n\n");
    let buffer = "";
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const command = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        this.commands.push(command);
        this.answer(socket, command);
      }
    });
  }

  private answer(socket: Socket, command: string): void {
    const reply = (text: string) => this.write(socket, `Content-Type: command/reply\nReply-Text: ${text}\n\n`);
    if (command.startsWith("auth ")) {
      if (command.slice(5) === this.password) {
        this.authenticated.add(socket);
        this.logins += 1;
        void reply("+OK accepted");
      } else {
        void reply("-ERR invalid").then(() => this.write(socket, "Content-Type: text/disconnect-notice\nContent-Length: 0\n\n")).then(() => socket.end());
      }
    } else if (!this.authenticated.has(socket)) {
      void reply("-ERR command not found");
    } else if (command.startsWith("event plain ")) {
      void reply(`+OK event listener enabled plain`);
    } else if (command.startsWith("api ")) {
      const body = "0\n";
      void this.write(socket, `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`);
    } else if (command.startsWith("bgapi ")) {
      const job = /Job-UUID: (\S+)/.exec(command)?.[1] ?? "job";
      void this.write(socket, `Content-Type: command/reply\nReply-Text: +OK Job-UUID: ${job}\nJob-UUID: ${job}\n\n`);
    } else if (command === "exit") {
      void reply("+OK bye").then(() => socket.end());
    } else {
      void reply("-ERR command not found");
    }
  }

  /** Sends a channel event, URL-encoding the values as FreeSWITCH does. */
  async emit(headers: Record<string, string>): Promise<void> {
    const body = Object.entries(headers).map(([k, v]) => `${k}: ${encodeURIComponent(v)}\n`).join("") + "\n";
    const frame = `Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-plain\n\n${body}`;
    await Promise.all(this.live.map((socket) => this.write(socket, frame)));
  }

  async raw(data: string): Promise<void> {
    await Promise.all(this.live.map((socket) => this.write(socket, data)));
  }

  private write(socket: Socket, text: string): Promise<void> {
    const next = (this.queues.get(socket) ?? Promise.resolve()).then(async () => {
      const data = Buffer.from(text);
      if (!this.splitWrites) {
        socket.write(data);
        return;
      }
      for (let offset = 0; offset < data.length; ) {
        const size = 1 + Math.floor(Math.random() * 7);
        socket.write(data.subarray(offset, offset + size));
        offset += size;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    });
    this.queues.set(socket, next);
    return next;
  }

  dropAll(): void {
    for (const socket of this.sessions) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** FreeSWITCH's channel events for an inbound call to `extension`, answered and hung up. */
export function inboundEslCall(callUuid: string, caller: string, extension: string, did = "0201234567"): Record<string, string>[] {
  const aLeg = { "Unique-ID": callUuid, "Channel-Call-UUID": callUuid, "Channel-Name": "sofia/external/0356990230@203.0.113.5" };
  const bLeg = { "Unique-ID": `${callUuid}-b`, "Channel-Call-UUID": callUuid, "Channel-Name": `sofia/internal/${extension}@10.0.0.2` };
  return [
    { "Event-Name": "CHANNEL_CREATE", ...aLeg, "Call-Direction": "inbound", "Caller-Caller-ID-Number": caller, "Caller-Destination-Number": did },
    { "Event-Name": "CHANNEL_CREATE", ...bLeg, "Call-Direction": "outbound", "Caller-Caller-ID-Number": caller, "Caller-Destination-Number": extension },
    { "Event-Name": "CHANNEL_ANSWER", ...bLeg, "Call-Direction": "outbound", "Caller-Caller-ID-Number": caller, "Caller-Destination-Number": extension },
    { "Event-Name": "CHANNEL_ANSWER", ...aLeg, "Call-Direction": "inbound" },
    { "Event-Name": "CHANNEL_HANGUP_COMPLETE", ...bLeg, "Hangup-Cause": "NORMAL_CLEARING" },
    { "Event-Name": "CHANNEL_HANGUP_COMPLETE", ...aLeg, "Hangup-Cause": "NORMAL_CLEARING" },
  ];
}

/**
 * The channel events FreeSWITCH sends when the phone at `extension` dials
 * `number` out through a gateway, presenting the company's caller id,
 * answered and hung up.
 */
export function outboundHandsetEslCall(callUuid: string, extension: string, number: string, presented = "+49301110000"): Record<string, string>[] {
  const phone = { "Unique-ID": callUuid, "Channel-Call-UUID": callUuid, "Channel-Name": `sofia/internal/${extension}@10.0.0.2` };
  const gateway = { "Unique-ID": `${callUuid}-b`, "Channel-Call-UUID": callUuid, "Channel-Name": `sofia/gateway/provider/${number}` };
  return [
    { "Event-Name": "CHANNEL_CREATE", ...phone, "Call-Direction": "inbound", "Caller-Username": extension, "Caller-Caller-ID-Number": extension, "Caller-Destination-Number": number },
    { "Event-Name": "CHANNEL_CREATE", ...gateway, "Call-Direction": "outbound", "Caller-Username": extension, "Caller-Caller-ID-Number": presented, "Caller-Destination-Number": number },
    { "Event-Name": "CHANNEL_ANSWER", ...gateway, "Call-Direction": "outbound" },
    { "Event-Name": "CHANNEL_ANSWER", ...phone, "Call-Direction": "inbound" },
    { "Event-Name": "CHANNEL_HANGUP_COMPLETE", ...gateway, "Hangup-Cause": "NORMAL_CLEARING" },
    { "Event-Name": "CHANNEL_HANGUP_COMPLETE", ...phone, "Hangup-Cause": "NORMAL_CLEARING" },
  ];
}
