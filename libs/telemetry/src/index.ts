export { createLogger, type Logger, type LoggerOptions } from "./logger.js";
export { startTelemetry, type Telemetry, type TelemetryOptions } from "./start-telemetry.js";
export { redactValue, scrubText, isSensitiveKey, REDACTED, EMAIL_REPLACEMENT, PHONE_REPLACEMENT } from "./redact.js";
export { redactSecrets, scrubSecrets, isSecretKey } from "./redact.js";
export {
  createDebugLogger,
  teeLogger,
  runWithLogger,
  currentLogger,
  contextLogger,
  type BaseLogger,
  type DebugLevel,
  type DebugLineWriter,
  type DebugTarget,
  type RequestLogger,
} from "./debug-logger.js";
