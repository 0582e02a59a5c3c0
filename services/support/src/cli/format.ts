import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { DebugLevel, DebugSessionState, type DebugSession } from "@switchboard/proto/switchboard/support/v1/debug_sessions_pb";

const stateNames: Record<number, string> = { [DebugSessionState.ACTIVE]: "active", [DebugSessionState.ENDED]: "ended", [DebugSessionState.EXPIRED]: "expired" };
const levelNames: Record<number, string> = { [DebugLevel.DEBUG]: "debug", [DebugLevel.TRACE]: "trace" };

const time = (t: Timestamp | undefined) => (t ? timestampDate(t).toISOString().replace(".000Z", "Z") : "-");

/** "90m", "2h", "1h30m", "45s" → milliseconds; undefined when unparsable. */
export function parseDuration(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!match || text.trim() === "") return undefined;
  const [, h = "0", m = "0", s = "0"] = match;
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}

export function describeSession(session: DebugSession | undefined): string {
  if (!session) return "(no session)";
  const rows: Array<[string, string]> = [
    ["id", session.id],
    ["state", stateNames[session.state] ?? "unknown"],
    ["organisation", session.organizationId],
    ["user", session.userId],
    ["ticket", session.ticket || "(hidden)"],
    ["level", levelNames[session.level] ?? "-"],
    ["started", time(session.startTime)],
    ["expires", time(session.expireTime)],
  ];
  if (session.endTime) rows.push(["ended", time(session.endTime)]);
  if (session.reason) rows.push(["reason", session.reason]);
  if (session.startedBy) rows.push(["started by", session.startedBy]);
  return rows.map(([key, value]) => `  ${key.padEnd(12)} ${value}`).join("\n");
}

export function sessionTable(sessions: readonly DebugSession[]): string {
  if (sessions.length === 0) return "no debug sessions";
  const header = ["ID", "STATE", "TICKET", "USER", "EXPIRES"];
  const rows = sessions.map((s) => [s.id, stateNames[s.state] ?? "?", s.ticket || "(hidden)", s.userId, time(s.expireTime)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

export function logLine(line: { time?: Timestamp; service: string; level: string; message: string; json: string }, asJson: boolean): string {
  if (asJson) return line.json;
  return `${time(line.time)} ${line.level.toUpperCase().padEnd(5)} [${line.service}] ${line.message}  ${line.json}`;
}
