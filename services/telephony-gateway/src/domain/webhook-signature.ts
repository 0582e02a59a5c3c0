import { createHmac, timingSafeEqual } from "node:crypto";

export const TIMESTAMP_HEADER = "x-switchboard-timestamp";
export const SIGNATURE_HEADER = "x-switchboard-signature";
/** Requests older (or further in the future) than this are replays or broken clocks. */
export const REPLAY_WINDOW_S = 300;

/** `sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>`: the same scheme both ways. */
export function signWebhook(secret: string, timestamp: number, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

export function verifyWebhook(secret: string, timestampHeader: string | undefined, signatureHeader: string | undefined, body: Buffer, nowMs = Date.now()): Verdict {
  if (!timestampHeader || !/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: `missing or malformed ${TIMESTAMP_HEADER} (Unix seconds)` };
  if (!signatureHeader) return { ok: false, reason: `missing ${SIGNATURE_HEADER}` };
  const timestamp = Number(timestampHeader);
  if (Math.abs(nowMs / 1000 - timestamp) > REPLAY_WINDOW_S) return { ok: false, reason: `timestamp outside the ${REPLAY_WINDOW_S} s window: check the sender's clock` };
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signatureHeader);
  // Constant time: how much of a guess matched must not show in the timing.
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  return same ? { ok: true } : { ok: false, reason: "signature does not match" };
}
