export { openDatabase, pingDatabase, type OpenDatabaseOptions } from "./open-database.js";
export { withTenant, setTenant, assertTenantId } from "./tenant.js";
export { enableTenantIsolation } from "./row-level-security.js";
export { ensureServiceDatabase, serviceDatabaseNames, runtimeRoleOf, type ServiceDatabase } from "./service-database.js";
export { migrateToLatest, MigrationError } from "./migrate.js";
export { runMigrateCommand, type MigrateCommandOptions } from "./migrate-command.js";
export { listenForNotifications, type NotificationListener } from "./notifications.js";
export { consoleLogger, silentLogger, describeError, type Logger } from "./logger.js";
export { startPeriodicJob, type PeriodicJob, type PeriodicJobOptions } from "./periodic-job.js";
