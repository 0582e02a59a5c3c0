// End to end: identity and recognition as `make up` runs them (their built
// output, each its own process and database) behind the gateway's production
// route table, on real Postgres, Redis and NATS, with the demo organisation
// (region NL). Recognition learns the region from identity's
// organization.created event. Needs both services built (make test builds
// every package before the suites run).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import { createTokenVerifier, jwksFromIdentity } from "@switchboard/authz";
import { createTestDatabase } from "@switchboard/db/testing";
import { checkHealth } from "@switchboard/rpc";
import { verifyAtEdge } from "../src/edge-auth.js";
import { startGateway, type RunningGateway } from "../src/http-server.js";
import { publicRoutes } from "../src/routes.js";
import { openUpstreams, type Upstreams } from "../src/upstreams.js";

const identityDist = fileURLToPath(new URL("../../identity/dist/", import.meta.url));
const recognitionDist = fileURLToPath(new URL("../../recognition/dist/", import.meta.url));
const demo = {
  organization: "demo",
  admin: { username: "admin", password: "Harbour-Lights-2031!" },
  agent: { username: "agent", password: "Copper-Kettle-5567#" },
  staff: { organization: "staff", username: "support", password: "Granite-Summit-8842$", totpSecret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" },
};
const cachePrefix = `e2e-recognition:${randomBytes(4).toString("hex")}:`;
const durable = `recognition-e2e-${randomUUID()}`;

let identityDb: Awaited<ReturnType<typeof createTestDatabase>>;
let recognitionDb: Awaited<ReturnType<typeof createTestDatabase>>;
const children: ChildProcess[] = [];
let upstreams: Upstreams;
let gateway: RunningGateway;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function startService(dist: string, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(dist, "src/main.js")], { env: { ...env, PORT: String(port), HOST: "127.0.0.1" }, stdio: "ignore" });
  children.push(child);
  const target = `dns:///127.0.0.1:${port}`;
  for (let waited = 0; (await checkHealth(target, "", 500).catch(() => "down")) !== "SERVING"; waited += 200) {
    if (waited > 30_000) throw new Error(`${dist} did not become healthy within 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return target;
}

beforeAll(async () => {
  identityDb = await createTestDatabase({ migrationsFolder: path.join(identityDist, "migrations"), name: "e2e_identity" });
  recognitionDb = await createTestDatabase({ migrationsFolder: path.join(recognitionDist, "migrations"), name: "e2e_recognition" });
  const shared = { PATH: process.env.PATH ?? "", REDIS_URL: process.env.REDIS_URL ?? "", NATS_URL: process.env.NATS_URL ?? "", LOG_LEVEL: "warn" };
  const identityEnv = { ...shared, DATABASE_URL: identityDb.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64") };
  const demoFile = path.join(mkdtempSync(path.join(tmpdir(), "sb-e2e-")), "demo.json");
  writeFileSync(demoFile, JSON.stringify(demo), { mode: 0o600 });
  const seeded = spawnSync(process.execPath, [path.join(identityDist, "src/seed-demo.js")], { env: { ...identityEnv, DEMO_FILE: demoFile, DEMO_REGION: "NL" }, encoding: "utf8" });
  if (seeded.status !== 0) throw new Error(`identity's seed-demo failed: ${seeded.stderr}`);

  const identity = await startService(identityDist, identityEnv);
  const recognition = await startService(recognitionDist, {
    ...shared,
    DATABASE_URL: recognitionDb.url,
    KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    IDENTITY_ADDR: identity,
    CACHE_KEY_PREFIX: cachePrefix,
    ORGANIZATION_EVENTS_CONSUMER: durable,
  });
  upstreams = openUpstreams({ identity, recognition });
  gateway = await startGateway({
    host: "127.0.0.1",
    port: 0,
    routes: publicRoutes(upstreams),
    allowedOrigins: [],
    maxRequestBytes: 1024 * 1024,
    defaultTimeoutMs: 10_000,
    readinessTargets: upstreams.targets,
    authenticate: verifyAtEdge(createTokenVerifier({ fetchJwks: jwksFromIdentity(upstreams.channel("identity")) })),
  });
}, 90_000);

afterAll(async () => {
  await gateway?.close(500);
  upstreams?.close();
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((child) => new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)))));
  const nc = await connect({ servers: process.env.NATS_URL });
  await (await jetstreamManager(nc)).consumers.delete("SWITCHBOARD_IDENTITY", durable).catch(() => {});
  await nc.close();
  const redis = new Redis(process.env.REDIS_URL!);
  const keys = await redis.keys(`${cachePrefix}*`);
  if (keys.length > 0) await redis.unlink(...keys);
  redis.disconnect();
  await recognitionDb?.destroy();
  await identityDb?.destroy();
});

async function call(method: string, body: object, token?: string): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${gateway.url}/switchboard.${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

async function signIn(user: { username: string; password: string }): Promise<string> {
  const login = await call("identity.v1.AuthService/Login", { organization: "demo", ...user });
  expect(login.status).toBe(200);
  return login.json.tokens.accessToken as string;
}

describe("recognition through the gateway, with the demo organisation", () => {
  it("recognises a synced source in every number format, and forgets it at once when the source is deleted", async () => {
    const admin = await signIn(demo.admin);
    const agent = await signIn(demo.agent);
    const created = await call("recognition.v1.DataSourceService/CreateDataSource", { name: "Demo CRM", displayFields: ["name", "company"], scriptFields: ["crmId"] }, admin);
    expect(created.status).toBe(200);
    const sourceId = created.json.dataSource.id as string;

    // The region (NL) reaches recognition through identity's event; national numbers work from then on.
    const lookup = (number: string) => call("recognition.v1.RecognitionService/Lookup", { number }, agent);
    const begun = await call("recognition.v1.SyncService/BeginSync", { dataSourceId: sourceId, full: true }, admin);
    expect(begun.json.digest).toMatch(/^[0-9a-f]{64}$/);
    const upserts = [
      { externalId: "c-1", phoneNumbers: ["+31 35 699 02 30"], fields: { name: "Ada Lovelace", company: "Analytical", crmId: "c-1" } },
      { externalId: "c-2", phoneNumbers: ["+49 (0)30 123 45 67"], fields: { name: "Bob", email: "bob@example.org" } },
    ];
    const pushed = await call("recognition.v1.SyncService/PushRecords", { syncId: begun.json.syncId, batchId: "1", upserts }, admin);
    expect(pushed.json.accepted).toBe(1);
    expect(pushed.json.rejected).toEqual([{ externalId: "c-2", reason: expect.stringContaining('field "email"') }]);
    const committed = await call("recognition.v1.SyncService/CommitSync", { syncId: begun.json.syncId }, admin);
    expect(committed.json.recordCount).toBe("1");

    await expect.poll(async () => (await lookup("035-6990230")).json.recognized ?? false, { timeout: 30_000, interval: 250 }).toBe(true);
    for (const number of ["035-6990230", "0031356990230", "(035) 699 02 30", "+31 35 699 02 30", "0356990230"]) {
      const answer = await lookup(number);
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        recognized: true,
        normalizedNumber: "+31356990230",
        matches: [{ dataSourceId: sourceId, externalId: "c-1", displayFields: { name: "Ada Lovelace", company: "Analytical" }, scriptParams: { crmId: "c-1" } }],
      });
    }
    expect((await lookup("anonymous")).json).toEqual({});
    expect((await lookup("")).json).toMatchObject({ code: "invalid_argument" });

    const deleted = await call("recognition.v1.DataSourceService/DeleteDataSource", { id: sourceId }, admin);
    expect(deleted.json).toEqual({ recordsDeleted: "1" });
    expect((await lookup("035-6990230")).json).toEqual({ normalizedNumber: "+31356990230" });
    expect((await call("recognition.v1.DataSourceService/GetDataSource", { id: sourceId }, admin)).json).toMatchObject({ code: "not_found" });
  });

  it("keeps agents out of configuration and sync", async () => {
    const agent = await signIn(demo.agent);
    expect(await call("recognition.v1.DataSourceService/ListDataSources", {}, agent)).toMatchObject({ status: 403, json: { code: "permission_denied" } });
    expect(await call("recognition.v1.SyncService/BeginSync", { dataSourceId: randomUUID(), full: true }, agent)).toMatchObject({ status: 403 });
    expect(await call("recognition.v1.RecognitionService/Lookup", { number: "+31356990230" })).toMatchObject({ status: 401 });
  });
});
