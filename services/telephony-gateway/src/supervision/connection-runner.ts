import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "@switchboard/rpc";
import { PbxUnavailableError, type AdapterOptions, type FrameLimits, type OriginateRequest, type PbxAdapter, type PbxEndpoint } from "../adapters/adapter.js";
import type { Vendor } from "../adapters/vendors.js";
import { withDirection } from "../domain/call-direction.js";
import type { CallInProgress } from "../domain/call-signals.js";
import { CallTracker } from "../domain/call-tracker.js";
import type { CallContext, CallEventPublisher } from "../events/call-events.js";
import type { ConnectionStatusName } from "../store/schema.js";
import { backoffMs } from "./backoff.js";

export interface RunnerOptions {
  endpoint: PbxEndpoint;
  vendor: Vendor;
  context: CallContext;
  publisher: CallEventPublisher;
  /** Persists the live status; `lastError` undefined keeps the previous one. */
  reportStatus(status: ConnectionStatusName, lastError?: string): Promise<void>;
  limits: FrameLimits;
  timeouts: AdapterOptions["timeouts"];
  backoff: { baseMs: number; maxMs: number };
  log: Logger;
}

export interface ConnectionRunner {
  /** Places a click-to-dial through the live link; PbxUnavailableError when it is down. */
  originate(request: OriginateRequest): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Keeps one connection up: connect, report CONNECTED, wait for the link to
 * drop, report FAILED with the reason, back off (exponential, jitter), try
 * again — until stopped. One runner per connection, so a misbehaving PBX
 * only ever delays its own retries.
 */
export function startConnectionRunner(options: RunnerOptions): ConnectionRunner {
  const { endpoint, log } = options;
  const tracker = new CallTracker();
  const isExtension = (endpoint: string) => options.context.usersAt(endpoint).length > 0;
  const stopping = new AbortController();
  const stopped = new Promise<Error>((resolve) => stopping.signal.addEventListener("abort", () => resolve(new Error("stopped")), { once: true }));
  let adapter: PbxAdapter | undefined;
  let connected = false;
  let lastError = "";

  const report = (status: ConnectionStatusName, error?: string) =>
    options.reportStatus(status, error).catch((err: unknown) => log.warn({ event: "connection.status_not_saved", connectionId: endpoint.connectionId, err }, "could not save the connection status"));

  const loop = async () => {
    for (let attempt = 0; !stopping.signal.aborted; ) {
      await report("connecting");
      const current = options.vendor.createAdapter({
        endpoint,
        limits: options.limits,
        timeouts: options.timeouts,
        log,
        onSignal(signal) {
          const change = tracker.observe(withDirection(signal, isExtension));
          if (change) options.publisher.publish(options.context, change);
        },
        onCallsInProgress(calls) {
          const directed = calls.map((call) => ({ ...call, ring: withDirection(call.ring, isExtension) as CallInProgress["ring"] }));
          for (const change of tracker.reconcile(directed, new Date())) options.publisher.publish(options.context, change);
        },
      });
      adapter = current;
      let reason: Error;
      try {
        await current.connect();
        connected = true;
        attempt = 0;
        lastError = "";
        log.info({ event: "connection.connected", connectionId: endpoint.connectionId, vendor: options.vendor.name }, "PBX connected");
        await report("connected", "");
        reason = await Promise.race([current.lost, stopped]);
      } catch (err) {
        reason = err instanceof Error ? err : new Error(String(err));
      }
      connected = false;
      await current.close();
      if (stopping.signal.aborted) break;
      lastError = reason.message;
      log.warn({ event: "connection.failed", connectionId: endpoint.connectionId, vendor: options.vendor.name, reason: reason.message, attempt }, "PBX link down, retrying");
      await report("failed", reason.message);
      attempt += 1;
      await delay(backoffMs(attempt, options.backoff.baseMs, options.backoff.maxMs), undefined, { signal: stopping.signal }).catch(() => {});
    }
  };
  const running = loop();

  return {
    async originate(request) {
      if (!connected || !adapter) {
        throw new PbxUnavailableError(`the PBX is not connected${lastError ? ` (last error: ${lastError})` : ""}: try again when ListPbxConnections shows CONNECTED`);
      }
      // Registered before the PBX can report the ring, so the ring is known as ours.
      tracker.expectOutbound(request.callId, request.extension, request.e164);
      await adapter.originate(request);
    },
    async stop() {
      stopping.abort();
      await adapter?.close();
      await running;
    },
  };
}
