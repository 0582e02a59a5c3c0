import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Keyring } from "@switchboard/crypto";
import { listenForNotifications, withTenant, type NotificationListener } from "@switchboard/db";
import type { Logger } from "@switchboard/rpc";
import type { Kysely } from "kysely";
import type { AdapterOptions, FrameLimits } from "../adapters/adapter.js";
import { vendors } from "../adapters/vendors.js";
import type { CallContext, CallEventPublisher } from "../events/call-events.js";
import { CONNECTIONS_CHANGED, findConnection, listDirectory, readCredentials, setStatus } from "../store/connections.js";
import { EXTENSIONS_CHANGED, extensionUsers } from "../store/extensions.js";
import type { TelephonyDatabase } from "../store/schema.js";
import { regionOf } from "../store/tenant-regions.js";
import { startConnectionRunner, type ConnectionRunner } from "./connection-runner.js";
import type { Leases } from "./leases.js";
import { serveOriginate } from "./originate-route.js";
import { preferredReplica } from "./rendezvous.js";

export interface SupervisorOptions {
  db: Kysely<TelephonyDatabase>;
  databaseUrl: string;
  keyring: Keyring;
  nc: NatsConnection;
  leases: Leases;
  publisher: CallEventPublisher;
  /** Subject prefix of the originate requests between replicas. */
  routePrefix: string;
  /** How often leases are renewed and the directory re-read; well under the lease TTL. */
  reconcileMs: number;
  /** A lease nobody prefers is taken after this long free (the preferred replica may be gone). */
  takeoverMs: number;
  limits: FrameLimits;
  timeouts: AdapterOptions["timeouts"];
  backoff: { baseMs: number; maxMs: number };
  log: Logger;
}

interface Held {
  tenantId: string;
  runner: ConnectionRunner;
  route: Subscription;
  context: CallContext & { users: Map<string, string[]> };
}

export interface Supervisor {
  /** Connection ids this replica holds. */
  held(): string[];
  /** Runs one reconciliation now (tests, and after a NOTIFY). */
  reconcile(): Promise<void>;
  stop(): Promise<void>;
}

const leaseKey = (connectionId: string) => `conn.${connectionId}`;

/**
 * Shares the connections of every tenant out among the replicas: each
 * connection is run by the one replica holding its lease, preferably the
 * one rendezvous hashing names, so that scaling out spreads the links and
 * never doubles them.
 */
export function startSupervisor(options: SupervisorOptions): Supervisor {
  const { db, leases, log } = options;
  const held = new Map<string, Held>();
  const freeSince = new Map<string, number>();
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let again = false;

  const refreshContext = async (connectionId: string, entry: Held) => {
    const { region, users } = await withTenant(db, entry.tenantId, async (trx) => ({ region: await regionOf(trx), users: await extensionUsers(trx, connectionId) }));
    entry.context.region = region;
    entry.context.users = users;
  };
  // A failed reread keeps the map it had; the next notification or poll tries again.
  const refreshQuietly = (connectionId: string, entry: Held) => void refreshContext(connectionId, entry).catch(() => {});

  const start = async (connectionId: string, tenantId: string) => {
    const loaded = await withTenant(db, tenantId, async (trx) => {
      const row = await findConnection(trx, connectionId);
      const credentials = row && (await readCredentials(trx, options.keyring, tenantId, connectionId));
      return row && credentials ? { row, credentials, region: await regionOf(trx), users: await extensionUsers(trx, connectionId) } : undefined;
    });
    const vendor = loaded && vendors[loaded.row.vendor];
    if (!loaded || !vendor) {
      await leases.release(leaseKey(connectionId));
      return;
    }
    const context: Held["context"] = {
      tenantId,
      connectionId,
      region: loaded.region,
      users: loaded.users,
      usersAt(extension) {
        return this.users.get(extension) ?? [];
      },
    };
    const runner = startConnectionRunner({
      endpoint: { connectionId, host: loaded.row.host, port: loaded.row.port, username: loaded.credentials.username, secret: loaded.credentials.secret, settings: loaded.row.settings },
      vendor,
      context,
      publisher: options.publisher,
      reportStatus: (status, lastError) => withTenant(db, tenantId, (trx) => setStatus(trx, connectionId, status, lastError)),
      limits: options.limits,
      timeouts: options.timeouts,
      backoff: options.backoff,
      log,
    });
    const route = serveOriginate(options.nc, options.routePrefix, connectionId, (request) => runner.originate(request));
    const entry: Held = { tenantId, runner, route, context };
    held.set(connectionId, entry);
    // An extension assigned while this connection was being loaded notified
    // before it was held here: read the map once more now that it is.
    refreshQuietly(connectionId, entry);
    log.info({ event: "connection.acquired", connectionId, replica: leases.owner }, "holding PBX connection");
  };

  const drop = async (connectionId: string, why: string) => {
    const entry = held.get(connectionId);
    if (!entry) return;
    held.delete(connectionId);
    entry.route.unsubscribe();
    await entry.runner.stop();
    await leases.release(leaseKey(connectionId));
    log.info({ event: "connection.released", connectionId, replica: leases.owner, why }, "released PBX connection");
  };

  const reconcileOnce = async () => {
    await leases.heartbeat();
    const [directory, replicas] = await Promise.all([listDirectory(db), leases.liveReplicas()]);
    const present = new Map(directory.map((row) => [row.connection_id, row.tenant_id]));
    for (const connectionId of [...held.keys()]) {
      if (!present.has(connectionId)) await drop(connectionId, "deleted");
      else if (!(await leases.renew(leaseKey(connectionId)))) await drop(connectionId, "lease lost");
      else if (preferredReplica(connectionId, replicas) !== leases.owner && replicas.length > 1) {
        // Hand over to the replica rendezvous hashing prefers, so scaling out spreads the links.
        await drop(connectionId, "handed over");
      }
    }
    const now = Date.now();
    for (const [connectionId, tenantId] of present) {
      if (held.has(connectionId) || stopped) continue;
      const preferred = preferredReplica(connectionId, replicas) === leases.owner;
      const since = freeSince.get(connectionId) ?? now;
      freeSince.set(connectionId, since);
      if (!preferred && now - since < options.takeoverMs) continue;
      if (await leases.acquire(leaseKey(connectionId))) {
        freeSince.delete(connectionId);
        await start(connectionId, tenantId).catch(async (err: unknown) => {
          log.error({ event: "connection.start_failed", connectionId, err }, "could not start a PBX connection");
          await leases.release(leaseKey(connectionId));
        });
      } else if (!preferred) {
        freeSince.set(connectionId, now);
      }
    }
    for (const connectionId of [...freeSince.keys()]) if (!present.has(connectionId) || held.has(connectionId)) freeSince.delete(connectionId);
  };

  const reconcile = (): Promise<void> => {
    // One pass at a time; a request during a pass runs one more pass after it.
    if (again) return running;
    again = true;
    running = running.then(async () => {
      again = false;
      if (stopped) return;
      await reconcileOnce().catch((err: unknown) => log.warn({ event: "supervisor.reconcile_failed", err }, "reconciliation failed, retrying on the next tick"));
    });
    return running;
  };

  const listeners: NotificationListener[] = [
    listenForNotifications(options.databaseUrl, CONNECTIONS_CHANGED, () => void reconcile(), { log, applicationName: "telephony-gateway" }),
    listenForNotifications(
      options.databaseUrl,
      EXTENSIONS_CHANGED,
      (connectionId) => {
        // "" is the listener's wake-up once it is (again) listening: a change
        // made before then reached nobody, so every held context is reread.
        if (connectionId === "") {
          for (const [id, entry] of held) refreshQuietly(id, entry);
          return;
        }
        const entry = held.get(connectionId);
        if (entry) refreshQuietly(connectionId, entry);
      },
      { log, applicationName: "telephony-gateway" },
    ),
  ];
  const tick = setInterval(() => void reconcile(), options.reconcileMs);
  // Regions and extension maps also change without a NOTIFY reaching us (a lost LISTEN connection).
  const refresh = setInterval(() => {
    for (const [connectionId, entry] of held) refreshQuietly(connectionId, entry);
  }, 30_000);
  void reconcile();

  return {
    held: () => [...held.keys()],
    reconcile,
    async stop() {
      stopped = true;
      clearInterval(tick);
      clearInterval(refresh);
      await running;
      await Promise.all(listeners.map((listener) => listener.close()));
      for (const connectionId of [...held.keys()]) await drop(connectionId, "shutdown");
    },
  };
}
