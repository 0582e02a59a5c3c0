import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { PbxRefusedError, PbxUnavailableError, type OriginateRequest } from "../adapters/adapter.js";

/**
 * A Dial may reach any replica, but only the replica holding the connection
 * has the link: it answers NATS requests on `<prefix>.originate.<connection id>`.
 * No responder means no replica holds the connection right now.
 */
export const originateSubject = (prefix: string, connectionId: string) => `${prefix}.originate.${connectionId}`;

type Reply = { ok: true } | { ok: false; kind: "refused" | "unavailable"; message: string };

export function serveOriginate(nc: NatsConnection, prefix: string, connectionId: string, originate: (request: OriginateRequest) => Promise<void>): Subscription {
  return nc.subscribe(originateSubject(prefix, connectionId), {
    callback: (err, msg) => {
      if (err) return;
      void (async () => {
        let reply: Reply;
        try {
          await originate(msg.json<OriginateRequest>());
          reply = { ok: true };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          reply = { ok: false, kind: error instanceof PbxRefusedError ? "refused" : "unavailable", message };
        }
        msg.respond(JSON.stringify(reply));
      })();
    },
  });
}

/** Sends the originate to the holding replica; throws PbxRefusedError or PbxUnavailableError. */
export async function requestOriginate(nc: NatsConnection, prefix: string, connectionId: string, request: OriginateRequest, timeoutMs: number): Promise<void> {
  let reply: Reply;
  try {
    const msg = await nc.request(originateSubject(prefix, connectionId), JSON.stringify(request), { timeout: timeoutMs });
    reply = msg.json<Reply>();
  } catch (err) {
    const noResponders = /no responders/i.test(String((err as Error)?.message)) || (err as { code?: string })?.code === "503";
    throw new PbxUnavailableError(noResponders ? "no replica holds this PBX connection right now (it is starting or being taken over)" : `the PBX link did not answer within ${timeoutMs} ms`);
  }
  if (!reply.ok) throw reply.kind === "refused" ? new PbxRefusedError(reply.message) : new PbxUnavailableError(reply.message);
}
