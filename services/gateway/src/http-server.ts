import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { silentLogger, type Logger } from "@switchboard/rpc";
import { applyCors } from "./cors.js";
import { clientAddressKey, type EdgeAuthenticator } from "./edge-auth.js";
import { registerRoutes } from "./forward.js";
import { checkReadiness } from "./probes.js";
import { refuseOversized } from "./request-limit.js";
import type { RouteTable } from "./routes.js";

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

export interface GatewayOptions {
  /** `0.0.0.0` in a pod, `127.0.0.1` locally. */
  host: string;
  /** 0 picks a free port (tests); the bound port is returned. */
  port: number;
  routes: RouteTable;
  /** Browser origins allowed to call, exactly as browsers send them (`https://app.example.com`). */
  allowedOrigins: readonly string[];
  /** Largest request message in bytes. */
  maxRequestBytes: number;
  /** Deadline for unary calls whose client sent no timeout. */
  defaultTimeoutMs: number;
  /** Upstream gRPC addresses by name: /readyz needs every one SERVING. */
  readinessTargets: Readonly<Record<string, string | undefined>>;
  readinessTimeoutMs?: number;
  /** PEM certificate and key: HTTP/2 (gRPC too) and HTTP/1.1 over TLS. Plain HTTP/1.1 without. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Token check before forwarding; see edge-auth.ts. */
  authenticate?: EdgeAuthenticator;
  log?: Logger;
}

export interface RunningGateway {
  readonly port: number;
  /** `http://host:port` (or https), for clients and tests. */
  readonly url: string;
  /**
   * Graceful stop: refuse new connections, report not ready, end open
   * streams with UNAVAILABLE (clients reconnect elsewhere), let in-flight
   * unary calls finish within `graceMs`, then cut what is left.
   */
  close(graceMs?: number): Promise<void>;
}

/** The part of an HTTP/1 or HTTP/2 response (or connect's wrapper of either) that answering JSON needs. */
interface JsonSink {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
}

function sendJson(response: JsonSink, status: number, body: unknown): void {
  response.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  response.end(JSON.stringify(body));
}

function listen(server: ReturnType<typeof createServer> | ReturnType<typeof createSecureServer>, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Starts the public edge: Connect, gRPC-web (and gRPC over TLS) for `routes`, plus /healthz and /readyz. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const log = options.log ?? silentLogger;
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 1_000;
  const allowedOrigins = new Set(options.allowedOrigins);
  const streamsClosing = new AbortController();
  const cutOff = new AbortController();
  let closing = false;

  const rpc = connectNodeAdapter({
    routes: (router) =>
      registerRoutes(router, options.routes, {
        defaultTimeoutMs: options.defaultTimeoutMs,
        log,
        streamsClosing: streamsClosing.signal,
        authenticate: options.authenticate,
      }),
    contextValues: (request) => createContextValues().set(clientAddressKey, request.socket.remoteAddress),
    readMaxBytes: options.maxRequestBytes,
    shutdownSignal: cutOff.signal,
    // Connect clients read 404 as unimplemented; the body tells a human with curl why.
    fallback: (request, response) =>
      sendJson(response, 404, { code: "unimplemented", message: `${request.url ?? "/"} is not a procedure this gateway serves` }),
  });

  async function answerReadiness(response: Response): Promise<void> {
    if (closing) return sendJson(response, 503, { status: "shutting_down" });
    const readiness = await checkReadiness(options.readinessTargets, readinessTimeoutMs);
    sendJson(response, readiness.ready ? 200 : 503, { status: readiness.ready ? "ok" : "unavailable", upstreams: readiness.upstreams });
  }

  function handle(request: Request, response: Response): void {
    const path = (request.url ?? "/").split("?", 1)[0];
    if (request.method === "GET" && path === "/healthz") return sendJson(response, 200, { status: "ok" });
    if (request.method === "GET" && path === "/readyz") return void answerReadiness(response);
    // Keep-alive connections outlive server.close(): make each one end after its current response.
    if (closing && request.httpVersionMajor === 1) response.setHeader("Connection", "close");
    if (applyCors(request, response, allowedOrigins)) return;
    if (refuseOversized(request, response, options.maxRequestBytes)) return;
    rpc(request, response);
  }

  const server = options.tls
    ? createSecureServer({ cert: options.tls.cert, key: options.tls.key, allowHTTP1: true }, handle)
    : createServer(handle);
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  const port = await listen(server, options.host, options.port);
  const url = `${options.tls ? "https" : "http"}://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  log.info({ event: "gateway.listening", url, services: options.routes.map((r) => r.service.typeName), tls: options.tls !== undefined });

  let stopped: Promise<void> | undefined;
  return {
    port,
    url,
    close(graceMs = 10_000) {
      stopped ??= (async () => {
        closing = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // HTTP/1.1 keep-alive connections would hold close() open; they are cut as soon as they fall idle.
        const closeIdle = "closeIdleConnections" in server ? () => server.closeIdleConnections() : () => {};
        closeIdle();
        const sweep = setInterval(closeIdle, 50);
        for (const session of sessions) session.close(); // GOAWAY: no new streams, open ones finish
        streamsClosing.abort(new ConnectError("the gateway is shutting down: reconnect to continue", Code.Unavailable));
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<"grace_over">((resolve) => (timer = setTimeout(() => resolve("grace_over"), graceMs)));
        if ((await Promise.race([closed, graceOver])) === "grace_over") {
          log.warn({ event: "gateway.shutdown_cut", connections: sockets.size, graceMs });
          cutOff.abort(new ConnectError("the gateway is shutting down", Code.Unavailable));
          for (const socket of sockets) socket.destroy();
          await closed;
        }
        clearTimeout(timer);
        clearInterval(sweep);
        log.info({ event: "gateway.stopped", port });
      })();
      return stopped;
    },
  };
}
