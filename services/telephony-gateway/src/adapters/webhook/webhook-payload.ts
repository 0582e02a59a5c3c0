import { z } from "zod";

/** The JSON a voice platform posts for one call state; see the service README. */
export const WebhookCallEvent = z.object({
  call_id: z.string().min(1).max(200),
  state: z.enum(["ringing", "answered", "ended"]),
  direction: z.enum(["inbound", "outbound"]).default("inbound"),
  caller: z.string().max(100).default(""),
  callee: z.string().max(100).default(""),
  extension: z.string().max(64).default(""),
  /** ISO 8601; defaults to when the request arrived. */
  time: z.iso.datetime({ offset: true }).optional(),
  start_time: z.iso.datetime({ offset: true }).optional(),
});

export type WebhookCallEvent = z.output<typeof WebhookCallEvent>;
