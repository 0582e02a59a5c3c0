import pg from "pg";
import { describeError, silentLogger, type Logger } from "./logger.js";

export interface NotificationListener {
  /** Resolves once the first LISTEN is in place (useful in tests and probes). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * LISTENs on a Postgres channel over a dedicated connection (a pooled one
 * would drop the subscription when returned) and calls `onNotify` for each
 * NOTIFY. A lost connection is re-established with backoff; notifications
 * sent meanwhile are lost, so callers must also poll.
 */
export function listenForNotifications(
  databaseUrl: string,
  channel: string,
  onNotify: (payload: string) => void,
  options: { log?: Logger; applicationName?: string } = {},
): NotificationListener {
  const log = options.log ?? silentLogger;
  let client: pg.Client | undefined;
  let closed = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    const delay = Math.min(250 * 2 ** attempt, 10_000);
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
  };

  const connect = async () => {
    const next = new pg.Client({
      connectionString: databaseUrl,
      ...(options.applicationName ? { application_name: options.applicationName } : {}),
    });
    client = next;
    next.on("notification", (message) => {
      if (message.channel === channel) onNotify(message.payload ?? "");
    });
    next.on("error", (err) => {
      log.warn({ event: "db.listen_error", channel, ...describeError(err) }, "notification connection lost");
      void next.end().catch(() => {});
      if (client === next) scheduleReconnect();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${next.escapeIdentifier(channel)}`);
      if (closed) {
        await next.end();
        return;
      }
      attempt = 0;
      markReady();
      // Wake the caller once: anything notified while we were not listening
      // is otherwise only found by its next poll.
      onNotify("");
    } catch (err) {
      log.warn({ event: "db.listen_failed", channel, ...describeError(err) }, "cannot listen for notifications, retrying");
      void next.end().catch(() => {});
      if (client === next) scheduleReconnect();
    }
  };

  void connect();

  return {
    ready,
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}
