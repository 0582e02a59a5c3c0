// One-time production bootstrap: creates the operator's staff organisation
// and its first staff admin, with a random password shown once. At first
// sign-in that admin must replace the password and enrol TOTP (a staff role
// gets no token without a second factor). There is no default account.
//
//   DATABASE_URL=… KEY_ENCRYPTION_KEY=… npm run bootstrap -w @switchboard/identity -- <staff-org-name> <username> <region>
import { createKeyring, localKeyWrapper } from "@switchboard/crypto";
import { openDatabase, withTenant } from "@switchboard/db";
import { sql } from "kysely";
import { generateInitialPassword } from "./domain/initial-password.js";
import { ensureOrganization, ensureUser } from "./provisioning.js";
import { findStaffOrganization } from "./store/organizations.js";
import type { IdentityDatabase } from "./store/schema.js";

const [organization = "operator", username = "admin", region = "NL"] = process.argv.slice(2);
const databaseUrl = process.env.DATABASE_URL;
const kek = process.env.KEY_ENCRYPTION_KEY;
if (!databaseUrl || !kek) {
  console.error("bootstrap: set DATABASE_URL (identity's database) and KEY_ENCRYPTION_KEY (the same key the service uses)");
  process.exit(2);
}
const db = openDatabase<IdentityDatabase>(databaseUrl, { applicationName: "identity-bootstrap" });
try {
  const existing = await findStaffOrganization(db);
  if (existing) {
    const admins = await withTenant(db, existing.id, (trx) =>
      trx.selectFrom("app_user").select("id").where("state", "=", "active").where(sql<boolean>`${"staff-admin"} = any(roles)`).execute(),
    );
    if (admins.length > 0) {
      console.error(`bootstrap: organisation ${existing.name} already has an active staff admin; nothing done (bootstrap runs once)`);
      process.exit(1);
    }
  }
  const deps = { db, cipher: createKeyring({ wrapper: localKeyWrapper(kek) }) };
  const staffOrg = existing ?? (await ensureOrganization(deps, { name: organization, displayName: organization, defaultRegion: region, residencyRegion: region.toLowerCase(), requireMfa: true, staff: true }));
  const password = generateInitialPassword();
  await ensureUser(deps, staffOrg, { username, displayName: username, email: `${username}@${staffOrg.name}.invalid`, roles: ["staff-admin"], password, passwordChangeRequired: true });
  console.log(`First staff admin created. Sign in once to organisation "${staffOrg.name}" as "${username}" with this password (shown only now):\n\n  ${password}\n\nYou will be asked to choose a new password and to enrol an authenticator app.`);
} finally {
  await db.destroy();
}
