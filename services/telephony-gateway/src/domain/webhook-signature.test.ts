import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook } from "./webhook-signature.js";

const secret = "s".repeat(40);
const body = Buffer.from('{"call_id":"c1"}');

describe("webhook signatures", () => {
  it("accepts its own signature within the window", () => {
    const now = Date.now();
    const ts = Math.floor(now / 1000);
    expect(verifyWebhook(secret, String(ts), signWebhook(secret, ts, body), body, now)).toEqual({ ok: true });
  });

  it("refuses another secret, another body, a stale or future timestamp", () => {
    const now = Date.now();
    const ts = Math.floor(now / 1000);
    expect(verifyWebhook(secret, String(ts), signWebhook("x".repeat(40), ts, body), body, now).ok).toBe(false);
    expect(verifyWebhook(secret, String(ts), signWebhook(secret, ts, body), Buffer.from("{}"), now).ok).toBe(false);
    expect(verifyWebhook(secret, String(ts - 301), signWebhook(secret, ts - 301, body), body, now)).toMatchObject({ ok: false, reason: expect.stringContaining("window") });
    expect(verifyWebhook(secret, String(ts + 301), signWebhook(secret, ts + 301, body), body, now).ok).toBe(false);
    expect(verifyWebhook(secret, "yesterday", signWebhook(secret, ts, body), body, now).ok).toBe(false);
    expect(verifyWebhook(secret, String(ts), undefined, body, now).ok).toBe(false);
  });
});
