import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { describeError, silentLogger, type Logger } from "@switchboard/db";

export interface EventsConnection {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Drains: lets in-flight publishes and acks finish, then closes. */
  close(): Promise<void>;
}

export interface ConnectEventsOptions {
  /** e.g. nats://127.0.0.1:14222; several comma-separated URLs for a cluster. */
  url: string;
  /** The service's name, shown by the NATS server's monitoring. */
  name: string;
  log?: Logger;
}

/**
 * Connects to NATS with JetStream. Fails at once when no server answers (a
 * service should not start half-wired); once connected it reconnects forever.
 */
export async function connectEvents(options: ConnectEventsOptions): Promise<EventsConnection> {
  const log = options.log ?? silentLogger;
  const servers = options.url.split(",").map((server) => server.trim()).filter(Boolean);
  let nc: NatsConnection;
  try {
    nc = await connect({ servers, name: options.name, maxReconnectAttempts: -1 });
  } catch (err) {
    throw new Error(
      `cannot connect to NATS at ${servers.join(", ")}: ${describeError(err).message}; ` +
        "start the local infrastructure with `make infra` or set NATS_URL",
      { cause: err },
    );
  }
  void reportStatus(nc, log);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  return {
    nc,
    js,
    jsm,
    async close() {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}

/** Readiness probe: throws unless the server answers and JetStream is enabled for the account. */
export async function pingEvents(connection: Pick<EventsConnection, "nc" | "jsm">): Promise<void> {
  if (connection.nc.isClosed()) throw new Error("NATS connection is closed");
  await connection.jsm.getAccountInfo();
}

async function reportStatus(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === "disconnect" || status.type === "error") {
      log.warn({ event: "nats.disconnected", status: status.type }, "NATS connection lost, reconnecting");
    } else if (status.type === "reconnect") {
      log.info({ event: "nats.reconnected" }, "NATS connection re-established");
    }
  }
}
