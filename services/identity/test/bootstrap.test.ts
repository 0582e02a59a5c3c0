import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { withTenant } from "@switchboard/db";
import { createTestDatabase } from "@switchboard/db/testing";
import type { IdentityDatabase } from "../src/store/schema.js";

const migrationsFolder = fileURLToPath(new URL("../migrations/", import.meta.url));
const bootstrap = fileURLToPath(new URL("../src/bootstrap.ts", import.meta.url));
let database: Awaited<ReturnType<typeof createTestDatabase<IdentityDatabase>>>;
const kek = randomBytes(32).toString("base64");

beforeAll(async () => {
  database = await createTestDatabase<IdentityDatabase>({ migrationsFolder, name: "bootstrap" });
});
afterAll(() => database?.destroy());

function runBootstrap(env: Record<string, string>) {
  return spawnSync(process.execPath, ["--import", "tsx", bootstrap, "operator", "root-admin", "NL"], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
}

describe("production bootstrap", () => {
  it("creates the staff organisation and one staff admin with a password shown once, to be replaced at first sign-in", async () => {
    const result = runBootstrap({ DATABASE_URL: database.url, KEY_ENCRYPTION_KEY: kek });
    expect(result.status).toBe(0);
    const password = /\n\n {2}(\S+)\n\n/.exec(result.stdout)?.[1];
    expect(password).toHaveLength(20);

    const org = await database.db.selectFrom("organization").selectAll().where("name", "=", "operator").executeTakeFirstOrThrow();
    expect(org).toMatchObject({ staff: true, require_mfa: true });
    const users = await withTenant(database.db, org.id, (trx) =>
      trx.selectFrom("app_user").select(["username", "roles", "password_change_required", "password_hash"]).execute(),
    );
    expect(users).toEqual([expect.objectContaining({ username: "root-admin", roles: ["staff-admin"], password_change_required: true })]);
    expect(users[0]!.password_hash).not.toContain(password!);
  });

  it("runs once: a second run changes nothing and says why", () => {
    const result = runBootstrap({ DATABASE_URL: database.url, KEY_ENCRYPTION_KEY: kek });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("already has an active staff admin");
  });

  it("tells what is missing instead of failing obscurely", () => {
    const result = runBootstrap({});
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("set DATABASE_URL");
  });
});
