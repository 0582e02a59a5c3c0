// Renders the chart with the pinned helm (scripts/install-tools.sh puts it in
// .tools/bin; `make test` does that first) and parses the manifests with `yaml`.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";

const run = promisify(execFile);

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const CHART = fileURLToPath(new URL("../switchboard/", import.meta.url));
export const RELEASE = "sb";

/** The value sets the chart ships with, by the name tests print. */
export const VALUE_SETS = {
  default: [],
  kind: ["values-kind.yaml"],
  production: ["values-production.example.yaml"],
} as const satisfies Record<string, readonly string[]>;
export type ValueSetName = keyof typeof VALUE_SETS;
export const VALUE_SET_NAMES = Object.keys(VALUE_SETS) as ValueSetName[];

export function helmPath(): string {
  const helm = process.env.HELM ?? `${REPO_ROOT}.tools/bin/helm`;
  if (!existsSync(helm)) {
    throw new Error(`helm not found at ${helm}: run \`make tools\` (or bash scripts/install-tools.sh helm)`);
  }
  return helm;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function helm(args: readonly string[]): Promise<HelmResult> {
  try {
    const { stdout, stderr } = await run(helmPath(), [...args], { cwd: CHART, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

// The loosely typed shape of a rendered object; tests read what they assert on.
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any; data?: Record<string, string> } & Record<string, any>;

function valueArgs(files: readonly string[], sets: readonly string[]): string[] {
  return [...files.flatMap((file) => ["-f", file]), ...sets.flatMap((set) => ["--set", set])];
}

/** `helm template`; throws with helm's message when rendering fails. */
export async function render(files: readonly string[] = [], sets: readonly string[] = []): Promise<Manifest[]> {
  const result = await helm(["template", RELEASE, ".", ...valueArgs(files, sets)]);
  if (result.code !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseManifests(result.stdout);
}

/** `helm template` expected to fail: its error output. */
export async function renderError(files: readonly string[] = [], sets: readonly string[] = []): Promise<string> {
  const result = await helm(["template", RELEASE, ".", ...valueArgs(files, sets)]);
  if (result.code === 0) throw new Error(`helm template succeeded, but a failure was expected for ${sets.join(" ")}`);
  return result.stderr;
}

const rendered = new Map<string, Promise<Manifest[]>>();

/** The manifests of one shipped value set, rendered once per test file. */
export function renderValueSet(name: ValueSetName): Promise<Manifest[]> {
  let manifests = rendered.get(name);
  if (!manifests) {
    manifests = render(VALUE_SETS[name]);
    rendered.set(name, manifests);
  }
  return manifests;
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors[0]?.message}`);
      return document.toJS() as Manifest | null;
    })
    .filter((manifest): manifest is Manifest => manifest !== null);
}

export function ofKind(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((manifest) => manifest.kind === kind);
}

export function named(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among: ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(", ")}`);
  return found;
}

/** "<release>-switchboard-<component>", the chart's object names. */
export function objectName(component: string): string {
  return `${RELEASE}-switchboard-${component}`;
}

export function component(manifest: Manifest): string | undefined {
  return manifest.metadata.labels?.["app.kubernetes.io/component"];
}

/** Objects with a pod template: what runs containers. */
export function workloads(manifests: readonly Manifest[]): Manifest[] {
  return manifests.filter((manifest) => ["Deployment", "StatefulSet", "Job", "DaemonSet", "CronJob"].includes(manifest.kind));
}

export function podSpec(workload: Manifest): any {
  return workload.kind === "CronJob" ? workload.spec.jobTemplate.spec.template.spec : workload.spec.template.spec;
}

/** The chart's values.yaml, parsed. */
export function chartValues(file = "values.yaml"): any {
  return parseManifests(readFileSync(`${CHART}${file}`, "utf8"))[0];
}

export interface ServiceValues {
  enabled: boolean;
  port: number;
  portVariable: string;
  healthCheck: "grpc" | "http";
  migrations: boolean;
  calls: string[];
  uses: { postgres: boolean; redis: boolean; nats: boolean };
}

export function serviceValues(): Record<string, ServiceValues> {
  return chartValues().services;
}
