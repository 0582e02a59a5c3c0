// Prints the connection URL of a service's own database, creating its role
// and database first when missing (idempotent), using the superuser URL in
// POSTGRES_URL. Used by scripts/up.sh before running a service's migrations.
//
//   node scripts/ensure-database.mjs <service>
import process from "node:process";

const [service] = process.argv.slice(2);
const adminUrl = process.env.POSTGRES_URL;
if (!service || !adminUrl) {
  console.error("usage: POSTGRES_URL=<superuser url> node scripts/ensure-database.mjs <service>");
  process.exit(2);
}

let db;
try {
  db = await import("@switchboard/db");
} catch (error) {
  console.error(`@switchboard/db is not built (${error.message}); run \`make up\` or build it first`);
  process.exit(1);
}

try {
  const { url } = await db.ensureServiceDatabase(adminUrl, service);
  process.stdout.write(`${url}\n`);
} catch (error) {
  console.error(`database for ${service}: ${error.message}`);
  process.exit(1);
}
