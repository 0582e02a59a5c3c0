// make bench: measures every figure (three runs each, median) with the load
// generator in its own process pinned to one core and the servers on the
// other, then writes bench/RESULTS.md. Arguments select suites or figure ids.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { figures, withBaselines, type Figure } from "./figures/catalogue.js";
import { medianOf, type Measurement } from "./measure.js";
import { prepareFixtures } from "./fixtures.js";
import { cpuProfileFlags } from "./figures/server-process.js";
import { writeResults } from "./report.js";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 2_000);
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 5_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const cores = os.availableParallelism();
const pinning = cores >= 2 && spawnSync("taskset", ["-c", "0", "true"]).status === 0;

function pinned(core: number, args: string[]): [string, string[]] {
  return pinning ? ["taskset", ["-c", String(core), process.execPath, ...args]] : [process.execPath, args];
}

async function startEchoServer(): Promise<{ target: string; bareTarget: string; process: ChildProcess }> {
  const [command, args] = pinned(0, ["--import", "tsx", here("./echo-server.ts")]);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const pattern = /listening (\d+) (\d+)/;
  for (let waited = 0; waited < 20_000 && !pattern.test(output); waited += 50) await new Promise((r) => setTimeout(r, 50));
  const ports = pattern.exec(output);
  if (!ports) {
    child.kill("SIGKILL");
    throw new Error("the echo server did not print its ports within 20 s");
  }
  return { target: `127.0.0.1:${ports[1]}`, bareTarget: `127.0.0.1:${ports[2]}`, process: child };
}

async function measureOnce(figure: Figure, args: Record<string, string>): Promise<Measurement> {
  const request = JSON.stringify({ operation: figure.operation, args, concurrency: figure.concurrency, warmupMs, durationMs });
  const [command, commandArgs] = pinned(1, [...cpuProfileFlags(), "--import", "tsx", here("./load-worker.ts"), request]);
  const child = spawn(command, commandArgs, { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  // A server that stops answering must not hang make bench: the run has its
  // warm-up and measured window, plus a minute to connect and close.
  const limitMs = warmupMs + durationMs + 60_000;
  const watchdog = setTimeout(() => child.kill("SIGKILL"), limitMs);
  const [code, signal] = await once(child, "exit");
  clearTimeout(watchdog);
  if (signal === "SIGKILL") throw new Error(`${figure.id}: the load worker did not finish within ${limitMs} ms and was stopped`);
  if (code !== 0) throw new Error(`${figure.id}: the load worker exited with ${code}`);
  return JSON.parse(output.trim().split("\n").at(-1)!) as Measurement;
}

const selected = process.argv.slice(2);
const named = selected.length === 0 ? figures : figures.filter((f) => selected.includes(f.suite) || selected.includes(f.id));
if (named.length === 0) {
  console.error(`nothing matches ${selected.join(" ")}: suites are ${[...new Set(figures.map((f) => f.suite))].join(", ")}; figures are ${figures.map((f) => f.id).join(", ")}`);
  process.exit(2);
}
// A ratio is only meaningful against a baseline measured in the same run, so
// the figures the chosen ones compare with come along.
const chosen = withBaselines(named, figures);

console.log(`bench: ${chosen.length} figures × ${runs} runs, warm-up ${warmupMs} ms, measured ${durationMs} ms each; pinning ${pinning ? "on" : "off"}`);
const loadAverage = os.loadavg()[0] ?? 0;
const fixtures = await prepareFixtures();
let echo: Awaited<ReturnType<typeof startEchoServer>> | undefined;
const results = new Map<string, Measurement>();
try {
  if (chosen.some((f) => f.needsEchoServer)) echo = await startEchoServer();
  for (const figure of chosen) {
    const echoArgs: Record<string, string> = figure.needsEchoServer ? { target: echo!.target, bareTarget: echo!.bareTarget, echoPid: String(echo!.process.pid ?? "") } : {};
    const args = { ...figure.args, ...echoArgs, database: fixtures.databaseUrl };
    const measured: Measurement[] = [];
    for (let run = 1; run <= runs; run++) {
      const m = await measureOnce(figure, args);
      measured.push(m);
      console.log(`  ${figure.id.padEnd(4)} ${figure.label} — run ${run}/${runs}: p50 ${m.p50Us} µs, p99 ${m.p99Us} µs, ${Math.round(m.opsPerSec)} ops/s`);
    }
    results.set(figure.id, medianOf(measured));
  }
} finally {
  echo?.process.kill("SIGTERM");
  await fixtures.cleanup();
}
const file = await writeResults({ figures: chosen, results, warmupMs, durationMs, runs, pinning, selected, loadAverage });
console.log(`bench: wrote ${file}`);
