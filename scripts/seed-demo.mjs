// Seeds the local demo described in shared/API.md ("Local demo"): the
// organisation `demo` (default region NL) with an admin and an agent, and a
// staff user with TOTP enrolled. Sign-in details are generated once per
// machine and kept in <run>/demo.json (mode 0600); later runs reuse them.
//
//   node scripts/seed-demo.mjs <run-dir> <gateway-url>
//
// Local runs only: a production install has no default or demo account.
import { randomBytes, randomInt } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, chmodSync, renameSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const DEMO_ORGANIZATION = "demo";
const DEMO_REGION = "NL";
const STAFF_ORGANIZATION = "switchboard";
const PASSWORD_LENGTH = 20;
// The password policy: at least one of each of these classes.
const PASSWORD_CLASSES = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "#?!@$%^&*-"];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [runDir, gatewayUrl] = process.argv.slice(2);
if (!runDir || !gatewayUrl) {
  console.error("usage: node scripts/seed-demo.mjs <run-dir> <gateway-url>");
  process.exit(2);
}
const demoFile = path.join(runDir, "demo.json");

const demo = withGateway(readPrevious(demoFile) ?? generateDemo(), gatewayUrl);
writePrivateJson(demoFile, demo);
createDemoAccounts(demo);
printSignIn(demo);

function generateDemo() {
  return {
    gateway: gatewayUrl,
    organization: DEMO_ORGANIZATION,
    admin: { username: "admin", password: generatePassword() },
    agent: { username: "agent", password: generatePassword() },
    staff: {
      organization: STAFF_ORGANIZATION,
      username: "support",
      password: generatePassword(),
      totpSecret: generateTotpSecret(),
    },
  };
}

/** The previous file, when it is complete; otherwise undefined (regenerate). */
function readPrevious(file) {
  if (!existsSync(file)) return undefined;
  try {
    const previous = JSON.parse(readFileSync(file, "utf8"));
    const complete =
      typeof previous.organization === "string" &&
      [previous.admin, previous.agent, previous.staff].every(
        (account) => typeof account?.username === "string" && typeof account?.password === "string",
      ) &&
      typeof previous.staff.organization === "string" &&
      typeof previous.staff.totpSecret === "string";
    return complete ? previous : undefined;
  } catch {
    return undefined;
  }
}

function withGateway(demo, gateway) {
  const { admin, agent, staff, organization } = demo;
  return { gateway, organization, admin, agent, staff };
}

function generatePassword() {
  const all = PASSWORD_CLASSES.join("");
  const chars = PASSWORD_CLASSES.map(pick);
  while (chars.length < PASSWORD_LENGTH) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join("");
}

function pick(alphabet) {
  return alphabet[randomInt(alphabet.length)];
}

/** 160 random bits in RFC 4648 base32 without padding, as authenticator apps expect. */
function generateTotpSecret() {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const byte of randomBytes(20)) bits += byte.toString(2).padStart(8, "0");
  let secret = "";
  for (let i = 0; i + 5 <= bits.length; i += 5) secret += alphabet[Number.parseInt(bits.slice(i, i + 5), 2)];
  return secret;
}

function writePrivateJson(file, value) {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/**
 * Creates the demo organisation and accounts in identity.
 *
 * >>> IDENTITY SEEDING GOES HERE (identity issue) <<<
 * Contract: services/identity provides an npm script `seed-demo` that reads
 * DEMO_FILE (this JSON) and DEMO_REGION, and idempotently creates the
 * organisation, the admin and agent users, and the staff user with the TOTP
 * secret enrolled (so the accounts match the file on every run).
 */
function createDemoAccounts(demoDetails) {
  const identityPackage = path.join(repoRoot, "services", "identity", "package.json");
  const scripts = existsSync(identityPackage) ? JSON.parse(readFileSync(identityPackage, "utf8")).scripts ?? {} : {};
  if (!scripts["seed-demo"]) {
    console.log("demo:     identity is not deployed yet, so these accounts are NOT created; sign-in will work once it is");
    return;
  }
  const result = spawnSync("npm", ["run", "--silent", "seed-demo", "-w", "@switchboard/identity"], {
    cwd: repoRoot,
    stdio: "inherit",
    env: { ...process.env, DEMO_FILE: demoFile, DEMO_REGION },
  });
  if (result.status !== 0) {
    console.error(`demo: identity's seed-demo failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
  console.log(`demo:     organisation "${demoDetails.organization}" and its accounts are in identity`);
}

function printSignIn(demoDetails) {
  const relative = path.relative(repoRoot, demoFile) || demoFile;
  console.log(`demo:     sign-in details in ${relative.startsWith("..") ? demoFile : relative} (mode 0600):`);
  console.log(`            organization ${demoDetails.organization} (region ${DEMO_REGION})`);
  console.log(`            admin    ${demoDetails.admin.username} / ${demoDetails.admin.password}`);
  console.log(`            agent    ${demoDetails.agent.username} / ${demoDetails.agent.password}`);
  console.log(
    `            staff    ${demoDetails.staff.username} / ${demoDetails.staff.password}` +
      ` (organization ${demoDetails.staff.organization}, TOTP secret ${demoDetails.staff.totpSecret})`,
  );
}
