import { z } from "zod";

/** The `settings` keys of an ESL connection; see the service README. */
export const EslSettings = z
  .object({
    /** Dial string of the user's phone; {extension} is replaced. */
    endpoint: z.string().regex(/^[\w/@.{}-]+$/).default("user/{extension}"),
    /** Dialplan context (XML dialplan) the number is dialled in once the user picks up. */
    context: z.string().regex(/^[\w-]+$/).default("default"),
    dial_format: z.enum(["national", "e164", "digits"]).default("national"),
    /** How long the user's phone rings, in ms. */
    ring_timeout_ms: z.coerce.number().int().min(5_000).max(120_000).default(30_000),
  })
  .strict();

export function eslSettings(settings: Readonly<Record<string, string>>) {
  return EslSettings.parse(settings);
}
