export { startDebugLogging, type DebugLogging, type DebugLoggingOptions } from "./debug-logging.js";
export { watchDebugSessions, openSessionBucket, type DebugSessionRegistry } from "./session-registry.js";
export { sessionKey, encodeSessionRecord, decodeSessionRecord, type DebugSessionRecord } from "./session-record.js";
export { defaultDebugSessionNames, debugLogSubject, maxSessionMs, purgeGraceMs, debugLogMaxAgeMs, type DebugSessionNames } from "./names.js";
export { ensureDebugLogStream, natsDebugLineWriter, countDebugLines, purgeDebugLines, readDebugLines, type StoredDebugLine } from "./debug-log-store.js";
