import { ProtocolError } from "../adapter.js";

/** One event-socket message: its outer headers and its body (Content-Length bytes, maybe none). */
export interface EslMessage {
  headers: Readonly<Record<string, string>>;
  body: string;
}

const HEADER_END = Buffer.from("\n\n");

/**
 * Reads FreeSWITCH's event socket from TCP chunks: `Key: Value\n` header
 * lines ended by an empty line, then a body of exactly `Content-Length`
 * bytes when that header is present. Chunks may split a message anywhere.
 */
export class EslFrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  private headers: Record<string, string> | undefined;
  private bodyLength = 0;

  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer): EslMessage[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: EslMessage[] = [];
    for (;;) {
      if (!this.headers) {
        const end = this.buffer.indexOf(HEADER_END);
        if (end < 0) {
          if (this.buffer.length > this.maxFrameBytes) throw oversized(this.maxFrameBytes);
          return messages;
        }
        const text = this.buffer.subarray(0, end).toString("utf8").replace(/^\n+/, "");
        this.buffer = this.buffer.subarray(end + 2);
        if (!text) continue;
        this.headers = parseHeaders(text, false);
        const length = this.headers["content-length"];
        this.bodyLength = length === undefined ? 0 : Number(length);
        if (!Number.isSafeInteger(this.bodyLength) || this.bodyLength < 0) throw new ProtocolError(`garbage from the PBX: Content-Length ${JSON.stringify(length)}`);
        if (this.bodyLength > this.maxFrameBytes) throw oversized(this.maxFrameBytes);
      }
      if (this.buffer.length < this.bodyLength) return messages;
      const body = this.buffer.subarray(0, this.bodyLength).toString("utf8");
      this.buffer = this.buffer.subarray(this.bodyLength);
      messages.push({ headers: this.headers, body });
      this.headers = undefined;
      this.bodyLength = 0;
    }
  }
}

function oversized(limit: number): ProtocolError {
  return new ProtocolError(`the PBX sent a message over ${limit} bytes`);
}

/** `Key: Value` lines, keys lower-cased; event bodies URL-encode their values. */
export function parseHeaders(text: string, urlEncoded: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (!line) continue;
    const colon = line.indexOf(":");
    if (colon <= 0 || !/^[A-Za-z0-9_-]+$/.test(line.slice(0, colon))) {
      throw new ProtocolError(`garbage from the PBX: ${JSON.stringify(line.slice(0, 60))} is not a "Key: Value" line`);
    }
    const raw = line.slice(colon + 1).trim();
    headers[line.slice(0, colon).toLowerCase()] = urlEncoded ? decode(raw) : raw;
  }
  return headers;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The headers of a `text/event-plain` body (the part before any inner body). */
export function parseEventPlain(body: string): Record<string, string> {
  const end = body.indexOf("\n\n");
  return parseHeaders(end >= 0 ? body.slice(0, end) : body, true);
}
