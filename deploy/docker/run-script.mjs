// The image's entry point (under tini): runs one npm script of the service in
// the working directory, the way `npm run <script> -- <args>` would, without
// npm in between. npm is removed from the image, and it would stand between
// tini and Node: SIGTERM must reach the process that drains connections.
//
//   node run-script.mjs                  -> the "start" script
//   node run-script.mjs migrate          -> the "migrate" script (the Helm hook Job)
//   node run-script.mjs bootstrap a b c  -> "bootstrap" with arguments a b c
//
// A script must have the form `node <file>.js` (what every service's
// package.json uses); anything else is refused with a message rather than run
// through a shell.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

const [script = "start", ...args] = process.argv.slice(2);
const manifestPath = resolve("package.json");

let manifest;
try {
  manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
} catch (error) {
  fail(`cannot read ${manifestPath} (${error.message}): run this from a service's folder`);
}

const command = manifest.scripts?.[script];
if (typeof command !== "string") {
  const known = Object.keys(manifest.scripts ?? {}).join(", ") || "none";
  fail(`${manifest.name ?? manifestPath} has no "${script}" script (it has: ${known})`);
}
const match = /^node\s+(\S+\.[cm]?js)$/.exec(command.trim());
if (!match) {
  fail(`the "${script}" script of ${manifest.name} is "${command}"; the image runs only scripts of the form "node <file>.js"`);
}

const entry = resolve(match[1]);
// The script sees the arguments exactly as under `node <file> <args>`.
process.argv = [process.argv[0], entry, ...args];
await import(pathToFileURL(entry).href);

function fail(message) {
  console.error(`run-script: ${message}`);
  process.exit(2);
}
