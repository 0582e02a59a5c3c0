// The platform side of a figure in a process of its own, on core 0 when
// taskset works (the load worker runs on core 1), so server and load do not
// share a core's time.
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export interface ServerProcess {
  /** The first line the server printed once it was ready. */
  firstLine: string;
  /** The server's process id (taskset execs it, so this is the server itself). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** BENCH_CPU_PROFILE=<folder>: a bench process writes a V8 CPU profile there when it exits. */
export function cpuProfileFlags(): string[] {
  return process.env.BENCH_CPU_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
}

/** Runs `script` (relative to bench/src/) under tsx and waits for its first line on stdout. */
export async function startServerProcess(script: string, args: string[], what: string, timeoutMs = 120_000): Promise<ServerProcess> {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const command = [...cpuProfileFlags(), "--import", "tsx", path, ...args];
  const pinned = spawnSync("taskset", ["-c", "0", "true"]).status === 0;
  const stdio: ["ignore", "pipe", "inherit"] = ["ignore", "pipe", "inherit"];
  const child = pinned ? spawn("taskset", ["-c", "0", process.execPath, ...command], { stdio }) : spawn(process.execPath, command, { stdio });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  for (let waited = 0; !output.includes("\n"); waited += 50) {
    if (waited > timeoutMs || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`the ${what} did not start within ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    firstLine: output.split("\n")[0]!,
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
