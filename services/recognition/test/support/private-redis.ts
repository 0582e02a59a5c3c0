import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { Redis } from "ioredis";

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

/**
 * A throwaway redis-server of this test alone (the shared one must never be
 * stopped): persists nothing unless `save` asks it to (snapshots go to the
 * temp folder), listens on a free loopback port, and can be paused (SIGSTOP:
 * "slow") or killed mid-test.
 */
export async function startPrivateRedis(options: { save?: string } = {}) {
  const port = await freePort();
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", options.save ?? "", "--appendonly", "no", "--dir", tmpdir()], { stdio: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => {});
  for (let waited = 0; ; waited += 50) {
    try {
      await probe.connect();
      break;
    } catch {
      if (waited > 5_000) throw new Error("redis-server did not start within 5 s (is redis-server installed?)");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    /** Commands the server executed, by name (INFO commandstats). */
    async commandCalls(): Promise<Record<string, number>> {
      const info = await probe.info("commandstats");
      return Object.fromEntries([...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
    },
    resetStats: () => probe.config("RESETSTAT"),
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
    async stop() {
      probe.disconnect();
      child.kill("SIGCONT");
      child.kill("SIGKILL");
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once("exit", r)));
    },
  };
}
