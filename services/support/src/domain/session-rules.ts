import { maxSessionMs } from "@switchboard/debug-sessions";
import type { FieldViolation } from "@switchboard/rpc";

export const defaultDurationMs = 60 * 60 * 1000;
export const minDurationMs = 60 * 1000;
export { maxSessionMs };

/** Ticket references as support tools write them: "SUP-1234", "INC#77", "zendesk/9911". */
const ticketPattern = /^[A-Za-z0-9][A-Za-z0-9_#/.-]{0,63}$/;

export function ticketViolation(ticket: string, field = "ticket"): FieldViolation | undefined {
  if (ticket === "") return { field, description: "is required: the support ticket this session belongs to, e.g. SUP-1234" };
  if (!ticketPattern.test(ticket)) return { field, description: 'must be 1-64 characters: letters, digits and "-", "_", "#", "/", ".", starting with a letter or digit' };
  return undefined;
}

/** A protobuf Duration in milliseconds; undefined when unset. */
export function durationToMs(duration: { seconds: bigint; nanos: number } | undefined): number | undefined {
  if (duration === undefined) return undefined;
  return Number(duration.seconds) * 1000 + Math.floor(duration.nanos / 1_000_000);
}

export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

/** How long a new session lasts: 1 hour by default, between 1 minute and 24 hours. */
export function startDurationViolation(ms: number | undefined, field = "duration"): FieldViolation | undefined {
  if (ms === undefined) return undefined;
  if (ms < minDurationMs) return { field, description: "must be at least 1 minute (leave it unset for 1 hour)" };
  if (ms > maxSessionMs) return { field, description: "must be at most 24 hours: extend the session later if the ticket needs more" };
  return undefined;
}

/**
 * The new end of a session extended by `extraMs`: from its current end, at
 * most 24 hours after its start. Returns a message saying what is still
 * possible when the cap would be passed.
 */
export function extendedExpiry(session: { startedAt: Date; expiresAt: Date }, extraMs: number): { expiresAt: Date } | { problem: string } {
  const cap = session.startedAt.getTime() + maxSessionMs;
  const wanted = session.expiresAt.getTime() + extraMs;
  if (wanted > cap) {
    const left = Math.max(0, cap - session.expiresAt.getTime());
    return { problem: `a session lasts at most 24 hours from its start: it can be extended by at most ${formatDuration(left)} more` };
  }
  return { expiresAt: new Date(wanted) };
}

export type SessionState = "active" | "ended" | "expired";

export function sessionState(session: { endedAt: Date | null; endReason: string | null; expiresAt: Date }, now: number): SessionState {
  if (session.endedAt !== null) return session.endReason === "expired" ? "expired" : "ended";
  return session.expiresAt.getTime() > now ? "active" : "expired";
}
