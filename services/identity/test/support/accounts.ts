import { generateTotpSecret } from "../../src/domain/totp.js";
import { ensureOrganization, ensureUser } from "../../src/provisioning.js";
import type { Identity } from "./identity-harness.js";

export const passwords = {
  admin: "Harbour-Lights-2031!",
  agent: "Copper-Kettle-5567#",
  staff: "Granite-Summit-8842$",
};

/** Two customer organisations and the staff organisation, each with accounts. */
export async function seedAccounts(identity: Identity) {
  const acme = await ensureOrganization(identity.deps, { name: "acme", displayName: "Acme BV", defaultRegion: "NL", residencyRegion: "eu-west", requireMfa: false });
  const beta = await ensureOrganization(identity.deps, { name: "beta", displayName: "Beta GmbH", defaultRegion: "DE", residencyRegion: "eu-central", requireMfa: false });
  const staffOrg = await ensureOrganization(identity.deps, { name: "operator", displayName: "Operator", defaultRegion: "NL", residencyRegion: "eu-west", requireMfa: true, staff: true });
  const person = (username: string, roles: string[], password: string, totpSecret?: string) => ({
    username,
    displayName: `${username} Example`,
    email: `${username}@example.test`,
    roles,
    password,
    passwordChangeRequired: false,
    totpSecret,
  });
  const acmeAdmin = (await ensureUser(identity.deps, acme, person("ada", ["tenant-admin"], passwords.admin))).row;
  const acmeAgent = (await ensureUser(identity.deps, acme, person("alice", ["agent"], passwords.agent))).row;
  const betaAdmin = (await ensureUser(identity.deps, beta, person("bert", ["tenant-admin"], passwords.admin))).row;
  const staffTotp = generateTotpSecret();
  const staff = (await ensureUser(identity.deps, staffOrg, person("sam", ["staff-admin"], passwords.staff, staffTotp))).row;
  const staffWithoutTotp = (await ensureUser(identity.deps, staffOrg, person("sid", ["staff-support"], passwords.staff))).row;
  return { acme, beta, staffOrg, acmeAdmin, acmeAgent, betaAdmin, staff, staffTotp, staffWithoutTotp };
}

export async function tokensFor(identity: Identity, organization: string, username: string, password: string) {
  const response = await identity.clients.auth.login({ organization, username, password });
  if (response.result.case !== "tokens") throw new Error(`expected tokens for ${username}, got ${response.result.case}`);
  return response.result.value;
}
