import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { cors } from "@connectrpc/connect";

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

// What the Connect, gRPC-web and gRPC protocols need, plus what our callers send.
const allowMethods = cors.allowedMethods.join(", ");
const allowHeaders = [...cors.allowedHeaders, "Authorization", "Traceparent", "Tracestate"].join(", ");
const exposeHeaders = cors.exposedHeaders.join(", ");
// Chrome caps the preflight cache at two hours.
const preflightMaxAgeSeconds = "7200";

/**
 * Applies the CORS policy: only origins in `allowedOrigins` (exact match)
 * get CORS headers. Answers a preflight itself and returns true then; for any
 * other request it sets the headers and returns false.
 */
export function applyCors(request: Request, response: Response, allowedOrigins: ReadonlySet<string>): boolean {
  const origin = request.headers.origin;
  const allowed = typeof origin === "string" && allowedOrigins.has(origin);
  const preflight = request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined;
  response.setHeader("Vary", "Origin");
  if (preflight) {
    if (allowed) {
      response.setHeader("Access-Control-Allow-Origin", origin);
      response.setHeader("Access-Control-Allow-Methods", allowMethods);
      response.setHeader("Access-Control-Allow-Headers", allowHeaders);
      response.setHeader("Access-Control-Max-Age", preflightMaxAgeSeconds);
    }
    // Without the headers above the browser refuses the call; 403 says why to a human with curl.
    response.writeHead(allowed ? 204 : 403);
    response.end();
    return true;
  }
  if (allowed) {
    response.setHeader("Access-Control-Allow-Origin", origin);
    response.setHeader("Access-Control-Expose-Headers", exposeHeaders);
  }
  return false;
}
