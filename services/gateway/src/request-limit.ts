import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

// gRPC, gRPC-web and Connect streaming wrap each message in a 5-byte frame header.
const FRAME_HEADER_BYTES = 5;

/**
 * Refuses a request whose declared Content-Length exceeds the limit before a
 * byte of its body is read, in the error format its protocol's clients
 * understand (code resource_exhausted). Returns true when it answered.
 * Bodies without Content-Length (chunked) are bounded by the connect
 * adapter's `readMaxBytes` while they are read.
 */
export function refuseOversized(request: Request, response: Response, maxMessageBytes: number): boolean {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (!(declared > maxMessageBytes + FRAME_HEADER_BYTES)) return false;
  const message = `request body of ${declared} bytes exceeds the limit of ${maxMessageBytes} bytes: send a smaller request`;
  const contentType = String(request.headers["content-type"] ?? "");
  // HTTP/1.1: close rather than read the rest of an upload we already refused.
  if (request.httpVersionMajor === 1) response.setHeader("Connection", "close");
  if (contentType.startsWith("application/grpc")) {
    // gRPC and gRPC-web: a "trailers-only" response, the status in the headers.
    response.writeHead(200, { "Content-Type": contentType, "grpc-status": "8", "grpc-message": encodeURIComponent(message) });
    response.end();
  } else if (contentType.startsWith("application/connect+")) {
    // Connect streaming: HTTP 200 and an end-of-stream frame carrying the error.
    const json = Buffer.from(JSON.stringify({ error: { code: "resource_exhausted", message } }));
    const frame = Buffer.alloc(FRAME_HEADER_BYTES + json.length);
    frame.writeUInt8(0b10, 0);
    frame.writeUInt32BE(json.length, 1);
    json.copy(frame, FRAME_HEADER_BYTES);
    response.writeHead(200, { "Content-Type": contentType });
    response.end(frame);
  } else {
    // Connect unary (and anything else): an HTTP error with a Connect JSON error body.
    response.writeHead(413, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ code: "resource_exhausted", message }));
  }
  return true;
}
