import { EventEmitter, on } from "node:events";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { ScreenPopService, type WatchScreenPopsResponse } from "@switchboard/proto/switchboard/screenpop/v1/screen_pops_pb";
import { Code, RpcError, registerService, type ServiceImpl } from "@switchboard/rpc";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WatchScreenPopsResponseSchema } from "@switchboard/proto/switchboard/screenpop/v1/screen_pops_pb";
import type { PopBuilder } from "../delivery/pop-builder.js";
import type { RingStream } from "../delivery/ring-stream.js";
import { openUserFeed } from "../delivery/user-feed.js";
import { authorizationOf, callerOf, tokenExpiryOf } from "./caller.js";

export interface DeliveryDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  ring: RingStream;
  builder: PopBuilder;
  heartbeatMs: number;
  /**
   * Checks the stream's token again (the service's TokenVerifier: a cache hit
   * plus the revocation list), so a stream whose session identity ended
   * stops at the next heartbeat instead of when the token expires.
   */
  recheckToken(token: string): Promise<unknown>;
}

type Item = MessageInitShape<typeof WatchScreenPopsResponseSchema>;
const heartbeat = (): Item => ({ event: { case: "heartbeat", value: { time: timestampNow() } } });
// setTimeout's limit; tokens live minutes, not weeks.
const maxTimerMs = 2_147_483_647;

export function screenPopHandlers(deps: DeliveryDeps): ServiceImpl<typeof ScreenPopService> {
  return {
    async *watchScreenPops(_request, context) {
      const caller = callerOf(context);
      const authorization = authorizationOf(context);
      const items = new EventEmitter();
      // Pops are built concurrently but sent in arrival order, so a call's updates never overtake its ringing pop.
      let chain = Promise.resolve();
      const feed = await openUserFeed({
        nc: deps.nc,
        js: deps.js,
        jsm: deps.jsm,
        ring: deps.ring,
        tenantId: caller.tenantId,
        userId: caller.subject,
        log: context.log,
        onEvent(event) {
          const built = deps.builder.build({ tenantId: caller.tenantId, userId: caller.subject, authorization }, event, context.log);
          chain = chain
            .then(() => built)
            .then((pop) => void items.emit("item", { event: { case: "pop", value: pop } } satisfies Item))
            .catch((error: Error) => context.log.error({ event: "pop.build_failed", callId: event.callId, reason: error.message }));
        },
      });
      const token = authorization.replace(/^Bearer\s+/i, "");
      const beat = setInterval(() => {
        deps.recheckToken(token).then(
          () => items.emit("item", heartbeat()),
          (error: unknown) => items.emit("error", error instanceof RpcError ? error : new RpcError(Code.Unauthenticated, "sign in again and open WatchScreenPops again")),
        );
      }, deps.heartbeatMs);
      const expiry = setTimeout(
        () => items.emit("error", new RpcError(Code.Unauthenticated, "access token expired: refresh it with RefreshToken and open WatchScreenPops again")),
        Math.min(maxTimerMs, Math.max(0, tokenExpiryOf(authorization) - Date.now())),
      );
      context.log.debug({ event: "pop.stream_opened" });
      try {
        // At once: the client knows its stream is live (and proxies see bytes).
        yield heartbeat();
        for await (const [item] of on(items, "item", { signal: context.signal })) yield item as Item;
      } catch (error) {
        if (context.signal.aborted) return;
        throw error;
      } finally {
        clearInterval(beat);
        clearTimeout(expiry);
        feed.close();
        context.log.debug({ event: "pop.stream_closed" });
      }
    },
  };
}

export type { WatchScreenPopsResponse };

export function screenPopService(deps: DeliveryDeps) {
  return registerService(ScreenPopService, screenPopHandlers(deps));
}
