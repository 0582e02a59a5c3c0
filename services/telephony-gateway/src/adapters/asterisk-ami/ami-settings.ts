import { z } from "zod";

/** The `settings` keys of an AMI connection; see the service README. */
export const AmiSettings = z
  .object({
    /** Dial string of the user's phone; {extension} is replaced. */
    channel: z.string().min(3).default("PJSIP/{extension}"),
    /** Dialplan context Originate continues in once the user picks up. */
    context: z.string().regex(/^[\w-]+$/).default("from-internal"),
    /** How the number is handed to the dialplan: national, e164 or digits. */
    dial_format: z.enum(["national", "e164", "digits"]).default("national"),
    /** How long the user's phone rings, in ms. */
    ring_timeout_ms: z.coerce.number().int().min(5_000).max(120_000).default(30_000),
    /** AMI event classes to receive; call events are in "call". */
    events: z.string().regex(/^[a-z,]+$/).default("call"),
  })
  .strict();

export function amiSettings(settings: Readonly<Record<string, string>>) {
  const parsed = AmiSettings.parse(settings);
  return { ...parsed, ringTimeoutMs: parsed.ring_timeout_ms };
}
