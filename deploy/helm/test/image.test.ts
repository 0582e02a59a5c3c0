// No Docker engine runs in CI, so the Dockerfile is checked for what can be
// checked without one: what it copies exists and is not excluded from the build
// context, the runtime stage is hardened, and its entry point (run-script.mjs)
// runs a package's scripts the way `npm run` would.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { podSpec, REPO_ROOT, renderValueSet, workloads } from "./chart.js";

const run = promisify(execFile);
const dockerfile = readFileSync(`${REPO_ROOT}Dockerfile`, "utf8");
// Continuation lines joined: one instruction per entry.
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));
const stages = instructions.reduce<string[][]>((all, line) => {
  if (line.startsWith("FROM ")) all.push([]);
  all.at(-1)?.push(line);
  return all;
}, []);
const runtime = stages.at(-1) ?? [];
const ignored = readFileSync(`${REPO_ROOT}.dockerignore`, "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));

/** Sources of the COPY instructions that read the build context (not --from another stage). */
function contextCopies(lines: readonly string[]): string[] {
  return lines
    .filter((line) => line.startsWith("COPY ") && !line.includes("--from="))
    .flatMap((line) => line.replace(/^COPY\s+(--\S+\s+)*/, "").split(/\s+/).slice(0, -1));
}

describe("the Dockerfile", () => {
  it("builds every stage on a slim Node 20 image", () => {
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(image).toMatch(/^node:20(\.\d+){0,2}-[a-z]+-slim$/);
    for (const stage of stages) expect(stage[0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS \w+$/);
  });

  it("copies only paths that exist and that .dockerignore lets into the build context", () => {
    const sources = [...contextCopies(instructions)];
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(`${REPO_ROOT}${source}`), source).toBe(true);
      const top = source.replace(/\/$/, "");
      expect(ignored.filter((pattern) => pattern === top || top.startsWith(`${pattern}/`)), source).toEqual([]);
    }
  });

  it("copies everything the build reads: manifests, lock file, TypeScript and turbo config, protos, every workspace", () => {
    const sources = contextCopies(stages[0] ?? []).map((source) => source.replace(/\/$/, ""));
    const workspaces: string[] = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, "utf8")).workspaces;
    const needed = ["package.json", "package-lock.json", "tsconfig.base.json", "turbo.json", "proto"];
    // npm ci needs every workspace's package.json; globs (libs/*) are copied whole.
    for (const workspace of workspaces) needed.push(workspace.endsWith("/*") ? workspace.slice(0, -2) : `${workspace}/package.json`);
    expect(sources).toEqual(expect.arrayContaining(needed));
  });

  it("keeps local output out of the build context", () => {
    expect(ignored).toEqual(expect.arrayContaining(["**/node_modules", "**/dist", ".git", ".run", ".tools", "libs/proto/src/gen"]));
  });

  it("runs production dependencies only, under tini, as the non-root user the chart expects", async () => {
    expect(runtime.some((line) => /npm ci --omit=dev\b/.test(line))).toBe(true);
    expect(runtime.some((line) => /apt-get install .*\btini\b/.test(line))).toBe(true);
    expect(runtime.find((line) => line.startsWith("ENTRYPOINT "))).toBe('ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/run-script.mjs"]');
    expect(runtime.find((line) => line.startsWith("CMD "))).toBe('CMD ["start"]');
    const user = runtime.filter((line) => line.startsWith("USER ")).at(-1);
    expect(user).toMatch(/^USER \d+:\d+$/);
    const uid = Number(user?.split(" ")[1]?.split(":")[0]);
    expect(uid).toBeGreaterThan(0);
    // Kubernetes can verify runAsNonRoot only with a numeric UID; the chart's must match the image's.
    for (const workload of workloads(await renderValueSet("default"))) {
      expect(podSpec(workload).securityContext.runAsUser, workload.metadata.name).toBe(uid);
    }
  });
});

describe("run-script.mjs, the image's entry point", () => {
  const folder = mkdtempSync(join(tmpdir(), "switchboard-run-script-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  mkdirSync(join(folder, "dist"));
  writeFileSync(
    join(folder, "package.json"),
    JSON.stringify({ name: "@switchboard/example", type: "module", scripts: { start: "node dist/main.js", shell: "tsx src/main.ts && echo" } }),
  );
  writeFileSync(join(folder, "dist", "main.js"), "console.log(JSON.stringify({ argv: process.argv.slice(1), url: import.meta.url }));\n");

  const runScript = (...args: string[]) =>
    run(process.execPath, [`${REPO_ROOT}deploy/docker/run-script.mjs`, ...args], { cwd: folder }).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it("runs the start script's file by default, with argv as under `node <file>`", async () => {
    const result = await runScript();
    expect(JSON.parse(result.stdout)).toEqual({ argv: [join(folder, "dist", "main.js")], url: `file://${join(folder, "dist", "main.js")}` });
  });

  it("passes arguments after the script name on", async () => {
    const result = await runScript("start", "operator", "admin");
    expect(JSON.parse(result.stdout).argv).toEqual([join(folder, "dist", "main.js"), "operator", "admin"]);
  });

  it("refuses a script that is not `node <file>.js`, and a script that does not exist, naming them", async () => {
    const shell = await runScript("shell");
    expect(shell.code).toBe(2);
    expect(shell.stderr).toContain('the "shell" script of @switchboard/example is "tsx src/main.ts && echo"');
    const missing = await runScript("migrate");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('@switchboard/example has no "migrate" script (it has: start, shell)');
  });
});
