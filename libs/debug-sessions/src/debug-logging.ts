import type { NatsConnection } from "@nats-io/transport-node";
import type { CallScope, CallScopeSelector, Logger } from "@switchboard/rpc";
import { createDebugLogger, runWithLogger, teeLogger, type BaseLogger, type DebugLineWriter } from "@switchboard/telemetry";
type PinoLogger = ReturnType<typeof createDebugLogger>;
import { natsDebugLineWriter } from "./debug-log-store.js";
import { defaultDebugSessionNames, type DebugSessionNames } from "./names.js";
import { watchDebugSessions, type DebugSessionRegistry } from "./session-registry.js";
import type { DebugSessionRecord } from "./session-record.js";

export interface DebugLogging {
  /** For libs/rpc `serve({ callScope })`: the authenticated caller's session, if any. */
  readonly callScope: CallScopeSelector;
  /**
   * For work done *about* a user without a call from them (a call-event
   * consumer naming the agent): the user's session scope, if any.
   *
   *   const scope = debug.scopeFor(event.organizationId, event.userId, log);
   *   await (scope ? scope.run(() => handle(event)) : handle(event));
   */
  scopeFor(tenantId: string, userId: string, base: Logger): CallScope | undefined;
  readonly registry: DebugSessionRegistry;
  stop(): Promise<void>;
}

export interface DebugLoggingOptions {
  nc: NatsConnection;
  /** Written on each debug line as `service`. */
  service: string;
  log?: Logger;
  /** Bucket, stream and subject prefix; tests give their own. */
  names?: Partial<DebugSessionNames>;
  /** Where lines go; the JetStream store by default. */
  write?: DebugLineWriter;
  now?: () => number;
}

/**
 * Switches support debug sessions on in a service: watches the sessions
 * bucket and gives each call made by (or handled about) a user with an active
 * session a logger that also writes, at the session's level and tagged with
 * its ticket, to the protected store. Calls of every other user pay one Map
 * lookup. Nothing a client sends can select a session: only the verified
 * caller (or the user an event belongs to) does.
 */
export async function startDebugLogging(options: DebugLoggingOptions): Promise<DebugLogging> {
  const names = { ...defaultDebugSessionNames, ...options.names };
  const registry = await watchDebugSessions({ nc: options.nc, bucket: names.bucket, log: options.log, now: options.now });
  const write = options.write ?? natsDebugLineWriter(options.nc, names, (id) => registry.isActive(id));
  // One pino instance per session, not per call; dropped once the session is over.
  const loggers = new Map<string, PinoLogger>();

  const debugLoggerFor = (record: DebugSessionRecord): PinoLogger => {
    let logger = loggers.get(record.sessionId);
    if (logger === undefined) {
      for (const id of loggers.keys()) if (!registry.isActive(id)) loggers.delete(id);
      logger = createDebugLogger({ service: options.service, target: record, write });
      loggers.set(record.sessionId, logger);
    }
    return logger;
  };

  const scopeFor = (tenantId: string, userId: string, base: BaseLogger): CallScope | undefined => {
    const record = registry.lookup(tenantId, userId);
    if (record === undefined) return undefined;
    const log = teeLogger(base, debugLoggerFor(record));
    return { log, run: (work) => runWithLogger(log, work) };
  };

  return {
    callScope: ({ caller, log }) => scopeFor(caller.tenantId, caller.subject, log),
    scopeFor,
    registry,
    stop: () => registry.stop(),
  };
}
