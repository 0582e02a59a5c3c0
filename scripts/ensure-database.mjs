// Prints the connection URL of a service's own database, creating its role
// and database first when missing (idempotent), using the superuser URL in
// POSTGRES_URL. Used by scripts/up.sh before running a service's migrations.
// A service whose package.json says "switchboard": {"runtimeRole": true}
// also gets its narrower runtime role, whose URL is printed on a second line.
//
//   node scripts/ensure-database.mjs <service>
import { readFileSync } from "node:fs";
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
  const manifest = JSON.parse(readFileSync(new URL(`../services/${service}/package.json`, import.meta.url), "utf8"));
  const runtimeRole = manifest.switchboard?.runtimeRole === true;
  const { url, runtimeUrl } = await db.ensureServiceDatabase(adminUrl, service, runtimeRole ? { runtimeRole: {} } : {});
  process.stdout.write(runtimeUrl ? `${url}\n${runtimeUrl}\n` : `${url}\n`);
} catch (error) {
  console.error(`database for ${service}: ${error.message}`);
  process.exit(1);
}
