export { CallerRefusedError, Code, RpcError, toStatus, fromServiceError, type FieldViolation } from "./errors.js";
export { methodPath, toGrpcServiceDefinition } from "./service-definition.js";
export { serve, serverDefaults, type ServeOptions, type RunningServer } from "./server.js";
export { onShutdown, type Closable, type ShutdownOptions } from "./shutdown.js";
export { openChannel, createClient, type Channel, type ChannelOptions, type CallOptions, type Client } from "./client.js";
export { extractTraceContext, injectTraceContext } from "./trace-context.js";
export type { HealthReporter, ReadinessCheck } from "./health.js";
export { LIVENESS_SERVICE } from "./health.js";
export { violations, required, maxLength, inRange, uuid, oneOf } from "./validation.js";
export {
  registerService,
  silentLogger,
  type AuthHook,
  type CallScope,
  type CallScopeSelector,
  type Caller,
  type HandlerContext,
  type Logger,
  type ServiceImpl,
  type ServiceRegistration,
  type ServiceValidators,
  type RequestValidator,
} from "./types.js";
export { checkHealth, type ServingStatusName } from "./health-check.js";
