import { z } from "zod";

const loopback = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The `settings` keys of a webhook connection; see the service README. */
export const WebhookSettings = z
  .object({
    /** Where click-to-dial requests are posted. HTTPS; plain HTTP only to loopback (local tests). */
    dial_url: z.string().refine(
      (value) => {
        try {
          const url = new URL(value);
          return url.protocol === "https:" || (url.protocol === "http:" && loopback.has(url.hostname));
        } catch {
          return false;
        }
      },
      { message: "must be an https:// URL the platform accepts click-to-dial requests on" },
    ),
    dial_format: z.enum(["national", "e164", "digits"]).default("e164"),
  })
  .strict();

export function webhookSettings(settings: Readonly<Record<string, string>>) {
  return WebhookSettings.parse(settings);
}
