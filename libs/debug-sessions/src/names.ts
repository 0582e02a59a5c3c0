/** Where debug sessions live in NATS; tests pass their own names. */
export interface DebugSessionNames {
  /** KV bucket of active sessions, keyed `<tenant id>.<user id>`. */
  readonly bucket: string;
  /** JetStream stream of debug lines. */
  readonly stream: string;
  /** Lines of session S go to `<subjectPrefix>.<S>`. */
  readonly subjectPrefix: string;
}

export const defaultDebugSessionNames: DebugSessionNames = {
  bucket: "switchboard_debug_sessions",
  stream: "SWITCHBOARD_DEBUG_LOGS",
  subjectPrefix: "switchboard-debuglog",
};

/** Sessions last at most this long (the cap StartDebugSession and ExtendDebugSession enforce). */
export const maxSessionMs = 24 * 60 * 60 * 1000;

/**
 * Lines of an ended or expired session are purged by the support service
 * after this grace period at the latest (a line still in flight when the
 * session ends is caught by that second purge).
 */
export const purgeGraceMs = 15 * 60 * 1000;

/**
 * The stream's own maximum age: a backstop that deletes every line even if
 * the support service never purges (a session cannot be longer than 24 h).
 */
export const debugLogMaxAgeMs = maxSessionMs + 2 * purgeGraceMs;

export function debugLogSubject(names: Pick<DebugSessionNames, "subjectPrefix">, sessionId: string): string {
  return `${names.subjectPrefix}.${sessionId}`;
}
