export { ConfigError, type ConfigProblem } from "./config-error.js";
export { loadConfig, type Environment } from "./load-config.js";
export { exitOnConfigError, loadConfigOrExit, type ExitIo } from "./exit-on-config-error.js";
export {
  bool,
  csv,
  durationMs,
  logLevel,
  port,
  positiveInt,
  secret,
  url,
  LOG_LEVELS,
  type LogLevel,
  type SecretOptions,
  type UrlOptions,
} from "./fields.js";
export { isSecretName, maskUrlCredentials } from "./mask.js";
