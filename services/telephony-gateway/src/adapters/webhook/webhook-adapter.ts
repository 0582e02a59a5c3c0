import { PbxRefusedError, PbxUnavailableError, type AdapterOptions, type PbxAdapter } from "../adapter.js";
import { deferred } from "../tcp-link.js";
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../domain/webhook-signature.js";
import { webhookSettings } from "./webhook-settings.js";

/**
 * The outbound half of a webhook connection: click-to-dial as a signed
 * POST to the platform's dial_url. Call events come in through the webhook
 * server, on any replica, so there is no link to keep up: the connection
 * is CONNECTED once its settings are usable.
 */
export function createWebhookAdapter(options: AdapterOptions): PbxAdapter {
  const { endpoint, timeouts } = options;
  const settings = webhookSettings(endpoint.settings);
  const lost = deferred<Error>();

  return {
    lost: lost.promise,
    async connect() {},
    async originate(request) {
      const body = JSON.stringify({ call_id: request.callId, extension: request.extension, number: request.dial, e164: request.e164 });
      const timestamp = Math.floor(Date.now() / 1000);
      let response: Response;
      try {
        response = await fetch(settings.dial_url, {
          method: "POST",
          headers: { "content-type": "application/json", [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signWebhook(endpoint.secret, timestamp, body) },
          body,
          signal: AbortSignal.timeout(timeouts.replyMs),
          redirect: "error",
        });
      } catch (err) {
        throw new PbxUnavailableError(`the voice platform did not take the call request: ${(err as Error).message}`);
      }
      await response.body?.cancel();
      if (response.status >= 500) throw new PbxUnavailableError(`the voice platform answered ${response.status}`);
      if (!response.ok) throw new PbxRefusedError(`the voice platform refused the call request (HTTP ${response.status})`);
    },
    async close() {
      lost.resolve(new PbxUnavailableError("closed by the service"));
    },
  };
}
