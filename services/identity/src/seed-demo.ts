// Creates the local demo accounts of shared/API.md ("Local demo") from the
// file scripts/seed-demo.mjs generated (DEMO_FILE). Idempotent: every run
// makes the accounts match the file. Local runs only — never part of a
// production install, which starts from `npm run bootstrap` instead.
import { readFileSync } from "node:fs";
import { createKeyring, localKeyWrapper } from "@switchboard/crypto";
import { ensureServiceDatabase, openDatabase } from "@switchboard/db";
import { ensureOrganization, ensureUser } from "./provisioning.js";
import type { IdentityDatabase } from "./store/schema.js";

interface DemoFile {
  organization: string;
  admin: { username: string; password: string };
  agent: { username: string; password: string };
  staff: { organization: string; username: string; password: string; totpSecret: string };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`seed-demo: ${name} is not set (scripts/up.sh sets it)`);
    process.exit(2);
  }
  return value;
}

const demo = JSON.parse(readFileSync(required("DEMO_FILE"), "utf8")) as DemoFile;
const region = process.env.DEMO_REGION ?? "NL";
const databaseUrl = process.env.DATABASE_URL ?? (await ensureServiceDatabase(required("POSTGRES_URL"), "identity")).url;
const db = openDatabase<IdentityDatabase>(databaseUrl, { applicationName: "identity-seed-demo" });
const deps = { db, cipher: createKeyring({ wrapper: localKeyWrapper(required("KEY_ENCRYPTION_KEY")) }) };

try {
  const org = await ensureOrganization(deps, { name: demo.organization, displayName: "Demo Organisation", defaultRegion: region, residencyRegion: "local", requireMfa: false });
  const staffOrg = await ensureOrganization(deps, { name: demo.staff.organization, displayName: "Switchboard staff", defaultRegion: region, residencyRegion: "local", requireMfa: true, staff: true });
  const person = (username: string, roles: string[], password: string, totpSecret?: string) => ({
    username,
    displayName: `Demo ${username}`,
    email: `${username}@${demo.organization}.invalid`,
    roles,
    password,
    passwordChangeRequired: false,
    totpSecret,
  });
  await ensureUser(deps, org, person(demo.admin.username, ["tenant-admin"], demo.admin.password));
  await ensureUser(deps, org, person(demo.agent.username, ["agent"], demo.agent.password));
  await ensureUser(deps, staffOrg, person(demo.staff.username, ["staff-admin", "staff-support", "staff-dpo"], demo.staff.password, demo.staff.totpSecret));
  console.log(`seed-demo: organisation ${demo.organization} (${region}) with ${demo.admin.username} and ${demo.agent.username}; staff ${demo.staff.organization}/${demo.staff.username} with TOTP`);
} finally {
  await db.destroy();
}
