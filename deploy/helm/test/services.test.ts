// The chart grows with the services: every service folder must be deployed by
// it, start from its built output the way the image starts it, and get from
// the chart every variable its config.ts requires, with values it accepts.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { named, objectName, podSpec, REPO_ROOT, renderValueSet, serviceValues, type Manifest } from "./chart.js";

const run = promisify(execFile);
const RUN_SCRIPT = `${REPO_ROOT}deploy/docker/run-script.mjs`;

/** Folders under services/ with a package.json: the services that exist. */
const serviceFolders = readdirSync(`${REPO_ROOT}services`, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`${REPO_ROOT}services/${entry.name}/package.json`))
  .map((entry) => entry.name)
  .sort();

function packageScripts(name: string): Record<string, string> {
  return JSON.parse(readFileSync(`${REPO_ROOT}services/${name}/package.json`, "utf8")).scripts ?? {};
}

async function localPorts(): Promise<Record<string, number>> {
  const { stdout } = await run("bash", [
    "-c",
    'source scripts/lib/services.sh && for name in "${!SERVICE_PORTS[@]}"; do echo "$name=${SERVICE_PORTS[$name]}"; done',
  ], { cwd: REPO_ROOT });
  return Object.fromEntries(stdout.trim().split("\n").map((line) => line.split("=")).map(([name, port]) => [name, Number(port)]));
}

describe("the chart's services", () => {
  it("are the services of scripts/lib/services.sh, on the same ports", async () => {
    const chart = Object.fromEntries(Object.entries(serviceValues()).map(([name, service]) => [name, service.port]));
    expect(chart).toEqual(await localPorts());
  });

  it("deploy every service folder: each services/*/package.json has an enabled entry in values.yaml", () => {
    expect(serviceFolders.length).toBeGreaterThan(0);
    const services = serviceValues();
    const missing = serviceFolders.filter((name) => !services[name]);
    const disabled = serviceFolders.filter((name) => services[name] && !services[name].enabled);
    expect(missing, "add an entry under services: in deploy/helm/switchboard/values.yaml (and its name in values.schema.json)").toEqual([]);
    expect(disabled, "set enabled: true in deploy/helm/switchboard/values.yaml now that the service exists").toEqual([]);
  });

  it("enable only services that exist", () => {
    const enabled = Object.entries(serviceValues()).filter(([, service]) => service.enabled).map(([name]) => name);
    expect(enabled.filter((name) => !serviceFolders.includes(name))).toEqual([]);
  });
});

describe.each(serviceFolders)("services/%s", (name) => {
  it("starts (and migrates) from a built `node <file>.js`, as the image's entry point requires", () => {
    const scripts = packageScripts(name);
    const entries = Object.entries(scripts).filter(([script]) => script === "start" || script === "migrate");
    expect(entries.map(([script]) => script)).toContain("start");
    for (const [script, command] of entries) {
      const file = /^node\s+(\S+\.[cm]?js)$/.exec(command)?.[1];
      expect(file, `${name}'s "${script}" script is "${command}"; the image runs only "node <file>.js"`).toBeDefined();
      expect(existsSync(`${REPO_ROOT}services/${name}/${file}`), `services/${name}/${file} is missing after \`turbo run build\``).toBe(true);
    }
  });

  it("has a migration Job in the chart exactly when it has a migrate script", () => {
    expect(serviceValues()[name]?.migrations).toBe("migrate" in packageScripts(name));
  });
});

// A value for each variable that comes from a Secret: long enough for a key
// (identity wants at least 40 characters), the base64 of 32 bytes (a key or
// an Ed25519 seed) and usable as a password in a URL.
const SECRET_PLACEHOLDER = Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");

/** The environment Kubernetes would give the container: ConfigMap, then env with $(VAR) substituted. */
function containerEnvironment(manifests: readonly Manifest[], name: string): Record<string, string> {
  const container = podSpec(named(manifests, "Deployment", objectName(name))).containers[0];
  const environment: Record<string, string> = {};
  for (const source of container.envFrom ?? []) Object.assign(environment, named(manifests, "ConfigMap", source.configMapRef.name).data);
  for (const variable of container.env ?? []) {
    environment[variable.name] = variable.valueFrom
      ? SECRET_PLACEHOLDER
      : String(variable.value).replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (whole: string, reference: string) => environment[reference] ?? whole);
  }
  return environment;
}

describe.each(["default", "kind"] as const)("the environment the chart gives each service (%s values)", (valueSet) => {
  it.each(serviceFolders)("satisfies %s's configuration: nothing missing, nothing it refuses", async (name) => {
    const manifests = await renderValueSet(valueSet);
    const service = serviceValues()[name];
    if (!service) throw new Error(`services/${name} has no chart entry`);
    // A port it refuses stops the service right after validating its configuration, listing every
    // problem at once, before it connects anywhere: exactly one problem means the rest is right.
    const environment = { ...containerEnvironment(manifests, name), [service.portVariable]: "not-a-port", PATH: process.env.PATH ?? "" };
    const result = await run(process.execPath, [RUN_SCRIPT, "start"], { cwd: `${REPO_ROOT}services/${name}`, env: environment, timeout: 20_000 }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code ?? -1, stderr: error.stderr ?? "" }),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${name}: invalid configuration (1 problem)`);
    expect(result.stderr).toContain(`${service.portVariable}: expected a TCP port`);
  });
});
