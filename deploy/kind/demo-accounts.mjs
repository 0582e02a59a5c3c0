// Prints a demo sign-in file (the format identity's seed-demo script reads, the
// same accounts `make up` creates) with fresh random passwords and TOTP secret.
// scripts/kind-up.sh keeps it in .run/kind-demo.json and feeds it to identity.
import { randomBytes, randomInt } from "node:crypto";

const CLASSES = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "#?!@$%^&*-"];

function password(length = 20) {
  const all = CLASSES.join("");
  // One of each class (the password policy), the rest from all, then shuffled.
  const chars = CLASSES.map((alphabet) => alphabet[randomInt(alphabet.length)]);
  while (chars.length < length) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join("");
}

// 160 random bits, RFC 4648 base32 without padding: what authenticator apps take.
function totpSecret() {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bits = [...randomBytes(20)].map((byte) => byte.toString(2).padStart(8, "0")).join("");
  let secret = "";
  for (let i = 0; i + 5 <= bits.length; i += 5) secret += alphabet[Number.parseInt(bits.slice(i, i + 5), 2)];
  return secret;
}

const demo = {
  gateway: "http://127.0.0.1:8080",
  organization: "demo",
  admin: { username: "admin", password: password() },
  agent: { username: "agent", password: password() },
  staff: { organization: "switchboard", username: "support", password: password(), totpSecret: totpSecret() },
};
process.stdout.write(`${JSON.stringify(demo, null, 2)}\n`);
