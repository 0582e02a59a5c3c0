import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Keyring } from "@switchboard/crypto";
import { withTenant } from "@switchboard/db";
import type { Logger } from "@switchboard/rpc";
import type { Kysely } from "kysely";
import { FloodGuard } from "../flood-guard.js";
import { verifyWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../domain/webhook-signature.js";
import type { CallContext, CallEventPublisher } from "../../events/call-events.js";
import { findConnection, readCredentials } from "../../store/connections.js";
import { extensionUsers } from "../../store/extensions.js";
import type { TelephonyDatabase } from "../../store/schema.js";
import { regionOf } from "../../store/tenant-regions.js";
import { WebhookCallEvent } from "./webhook-payload.js";

export const webhookPath = (connectionId: string) => `/v1/webhooks/${connectionId}`;
const PATH = /^\/v1\/webhooks\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const MAX_BODY = 64 * 1024;
const CACHE_MS = 10_000;

export interface WebhookServerOptions {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string } | undefined;
  db: Kysely<TelephonyDatabase>;
  keyring: Keyring;
  publisher: CallEventPublisher;
  /** Requests per second per connection before 429. */
  maxRequestsPerSecond?: number;
  log: Logger;
}

export interface WebhookServer {
  port: number;
  close(): Promise<void>;
}

interface Known {
  secret: string;
  context: CallContext;
  loadedAt: number;
  flood: FloodGuard;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Receives hosted voice platforms' call events: POST <webhookPath(id)>,
 * signed with the connection's secret (HMAC-SHA256 over timestamp and body,
 * five-minute window). Every replica serves it; the event id is derived
 * from connection, call and state, so a retried or load-balanced repeat is
 * kept once by JetStream. Unknown connections and bad signatures get the
 * same 401, so the endpoint does not reveal which connection ids exist.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { db, keyring, log } = options;
  const known = new Map<string, Known>();

  const load = async (connectionId: string): Promise<Known | undefined> => {
    const cached = known.get(connectionId);
    if (cached && Date.now() - cached.loadedAt < CACHE_MS) return cached;
    const directory = await db.selectFrom("connection_directory").select("tenant_id").where("connection_id", "=", connectionId).executeTakeFirst();
    if (!directory) return undefined;
    const tenantId = directory.tenant_id;
    const loaded = await withTenant(db, tenantId, async (trx) => {
      const row = await findConnection(trx, connectionId);
      if (!row || row.vendor !== "webhook") return undefined;
      const credentials = await readCredentials(trx, keyring, tenantId, connectionId);
      return credentials && { secret: credentials.secret, region: await regionOf(trx), users: await extensionUsers(trx, connectionId) };
    });
    if (!loaded) return undefined;
    const entry: Known = {
      secret: loaded.secret,
      loadedAt: Date.now(),
      flood: cached?.flood ?? new FloodGuard(options.maxRequestsPerSecond ?? 200),
      context: { tenantId, connectionId, region: loaded.region, usersAt: (extension) => loaded.users.get(extension) ?? [] },
    };
    known.set(connectionId, entry);
    if (known.size > 10_000) known.delete(known.keys().next().value!);
    return entry;
  };

  const readBody = async (request: IncomingMessage): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw new HttpError(413, `body over ${MAX_BODY} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  };

  const handle = async (request: IncomingMessage): Promise<{ status: number; body: object }> => {
    const match = PATH.exec(request.url ?? "");
    if (!match) throw new HttpError(404, "no such endpoint: POST call events to the webhook_path ListPbxConnections shows");
    if (request.method !== "POST") throw new HttpError(405, "use POST");
    const connectionId = match[1]!;
    const body = await readBody(request);
    const connection = await load(connectionId);
    const header = (name: string) => (typeof request.headers[name] === "string" ? (request.headers[name] as string) : undefined);
    const verdict = connection ? verifyWebhook(connection.secret, header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER), body) : { ok: false as const, reason: "signature does not match" };
    if (!verdict.ok || !connection) {
      log.info({ event: "webhook.refused", connectionId, reason: verdict.ok ? "unknown" : verdict.reason }, "webhook request refused");
      throw new HttpError(401, verdict.ok ? "signature does not match" : verdict.reason);
    }
    try {
      connection.flood.frame();
    } catch {
      throw new HttpError(429, "too many requests for this connection: slow down");
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      throw new HttpError(400, "body is not JSON");
    }
    const parsed = WebhookCallEvent.safeParse(json);
    if (!parsed.success) throw new HttpError(400, parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; "));
    const event = parsed.data;
    const time = event.time ? new Date(event.time) : new Date();
    await options.publisher.publishNow(connection.context, {
      callId: event.call_id,
      state: event.state,
      direction: event.direction,
      extension: event.extension,
      caller: event.caller,
      callee: event.callee,
      time,
      startTime: event.start_time ? new Date(event.start_time) : time,
    });
    return { status: 202, body: { accepted: true } };
  };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request).then(
      (result) => respond(response, result.status, result.body),
      (err: unknown) => {
        if (err instanceof HttpError) return respond(response, err.status, { error: err.message });
        log.error({ event: "webhook.failed", err }, "webhook request failed");
        respond(response, 503, { error: "could not record the event: retry" });
      },
    );
  };

  const server: Server = options.tls
    ? createHttpsServer({ cert: await readFile(options.tls.certFile), key: await readFile(options.tls.keyFile) }, listener)
    : createHttpServer(listener);
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function respond(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
