import { StringDecoder } from "node:string_decoder";
import { ProtocolError } from "../adapter.js";

/** One AMI message: its `Key: Value` lines, keys lower-cased (Asterisk's own casing varies between versions). */
export type AmiMessage = Readonly<Record<string, string>>;

const BANNER = /^Asterisk Call Manager\/\d+(\.\d+)*/;
const MAX_BANNER = 256;

/**
 * Reads the manager protocol from TCP chunks: a banner line
 * (`Asterisk Call Manager/5.0.1\r\n`), then messages of `Key: Value\r\n`
 * lines each ended by an empty line. Chunks may split a message anywhere,
 * even inside a UTF-8 character. Anything else is a ProtocolError.
 */
export class AmiFrameReader {
  private readonly decoder = new StringDecoder("utf8");
  private buffer = "";
  banner: string | undefined;

  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer): AmiMessage[] {
    this.buffer += this.decoder.write(chunk);
    const messages: AmiMessage[] = [];
    if (this.banner === undefined) {
      const end = this.buffer.indexOf("\r\n");
      if (end < 0) {
        if (this.buffer.length > MAX_BANNER) throw new ProtocolError("the peer is not an Asterisk manager interface: no banner line");
        return messages;
      }
      const banner = this.buffer.slice(0, end);
      if (!BANNER.test(banner)) throw new ProtocolError(`the peer is not an Asterisk manager interface: it greeted with ${JSON.stringify(banner.slice(0, 60))}`);
      this.banner = banner;
      this.buffer = this.buffer.slice(end + 2);
    }
    let start = 0;
    for (let end = this.buffer.indexOf("\r\n\r\n"); end >= 0; end = this.buffer.indexOf("\r\n\r\n", start)) {
      const frame = this.buffer.slice(start, end);
      start = end + 4;
      if (frame.length > this.maxFrameBytes) throw oversized(this.maxFrameBytes);
      // Blank lines between messages are harmless.
      const trimmed = frame.replace(/^(\r\n)+/, "");
      if (trimmed) messages.push(parseFrame(trimmed));
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > this.maxFrameBytes) throw oversized(this.maxFrameBytes);
    return messages;
  }
}

function oversized(limit: number): ProtocolError {
  return new ProtocolError(`the PBX sent a message over ${limit} bytes`);
}

function parseFrame(frame: string): AmiMessage {
  const message: Record<string, string> = {};
  for (const line of frame.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0 || !/^[A-Za-z0-9_-]+$/.test(line.slice(0, colon))) {
      throw new ProtocolError(`garbage from the PBX: ${JSON.stringify(line.slice(0, 60))} is not a "Key: Value" line`);
    }
    message[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return message;
}

/** Serialises an action; values may not contain line breaks (they would inject keys). */
export function encodeAction(fields: Record<string, string | number | undefined>): string {
  let out = "";
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = String(value);
    if (/[\r\n]/.test(text)) throw new ProtocolError(`AMI field ${key} may not contain a line break`);
    out += `${key}: ${text}\r\n`;
  }
  return `${out}\r\n`;
}
