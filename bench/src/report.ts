import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import type { Figure } from "./figures/catalogue.js";
import type { Measurement } from "./measure.js";

interface Report {
  figures: Figure[];
  results: Map<string, Measurement>;
  warmupMs: number;
  durationMs: number;
  runs: number;
  pinning: boolean;
  /** Suites or figure ids named on the command line; empty for all. */
  selected: string[];
  /** One-minute load average when the run started: how busy the machine already was. */
  loadAverage: number;
}

const suiteTitles: Record<string, string> = {
  baselines: "Baselines (foundation)",
  identity: "Identity: token verification and sign-in",
  audit: "Audit log: appending to the hash chain",
  telephony: "Telephony gateway: inbound call events",
  recognition: "Recognition: lookups and sync ingest",
  screenpop: "Screen pop: PBX event to the pop on a client",
};

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown";
  } catch {
    return os.cpus()[0]?.model ?? "unknown";
  }
}

function ratio(figure: Figure, results: Map<string, Measurement>): string {
  if (!figure.compareWith) return "";
  const mine = results.get(figure.id);
  const base = results.get(figure.compareWith.id);
  if (!mine || !base) return `(${figure.compareWith.id} not measured in this run)`;
  if (figure.compareWith.on === "p50") return `p50 = ${(mine.p50Us / base.p50Us).toFixed(2)} × ${figure.compareWith.id} p50`;
  // A batch figure (rows, events) is compared by its units per second.
  const rate = (m: Measurement) => m.unitsPerSec ?? m.opsPerSec;
  return `throughput = ${(rate(mine) / rate(base)).toFixed(2)} × ${figure.compareWith.id}`;
}

const number = (n: number) => Math.round(n).toLocaleString("en-US");
const micros = (n: number | undefined) => (n === undefined ? "–" : n < 10 ? n.toFixed(1) : number(n));

/**
 * CPU per unit over the measured windows, and for sync ingest what that CPU
 * allows on this machine whatever the design of the pipeline: a throughput
 * goal needs at most cores ÷ goal of CPU per record in total.
 */
function cpuSection(report: Report): string[] {
  const measured = report.figures.filter((f) => report.results.get(f.id)?.cpuPerUnit);
  if (measured.length === 0) return [];
  const lines = [
    "## CPU per unit",
    "",
    "CPU time used over each measured window, divided by the units done in it (a call; a row or record for batch figures),",
    "read from /proc: the figure's server process with all its threads, and every PostgreSQL process. Throughput on a",
    "shared machine moves with everything else; CPU per unit moves far less, and says whether a goal fits the machine.",
    "",
    "| id | unit | server µs | PostgreSQL µs | together µs |",
    "|---|---|---:|---:|---:|",
  ];
  for (const figure of measured) {
    const result = report.results.get(figure.id)!;
    const cpu = result.cpuPerUnit!;
    const together = (cpu.server ?? 0) + (cpu.postgres ?? 0);
    lines.push(`| ${figure.id} | ${result.unitsPerSec !== undefined ? (figure.unit ?? "row") : "call"} | ${micros(cpu.server)} | ${micros(cpu.postgres)} | ${micros(together)} |`);
  }
  lines.push("");
  const ingest = report.results.get("RS")?.cpuPerUnit;
  const bulk = report.results.get("U");
  if (ingest?.server !== undefined && ingest.postgres !== undefined && bulk?.unitsPerSec !== undefined) {
    const cores = os.availableParallelism();
    const together = ingest.server + ingest.postgres;
    const halfU = bulk.unitsPerSec / 2;
    lines.push(
      `- What RS's CPU allows here: with all ${cores} cores doing nothing but ingest, at most ${number((cores * 1e6) / together)} records/s`,
      `  (${cores} × 10⁶ ÷ ${micros(together)} µs); with the server on one core, at most ${number(1e6 / ingest.server)} records/s. Issue 4 asks for`,
      `  ≥ 20,000/s, which needs ≤ ${number((cores * 1e6) / 20_000)} µs per record in total and ≤ 50 µs in a one-core server, and ≥ 0.5 × U`,
      `  = ${number(halfU)}/s, which needs ≤ ${micros((cores * 1e6) / halfU)} µs per record in total on this machine.`,
      "",
    );
  }
  const lookup = report.results.get("RH32")?.cpuPerUnit?.server;
  const echo = report.results.get("E32")?.cpuPerUnit?.server;
  if (lookup !== undefined && echo !== undefined) {
    lines.push(
      `- What RH32's CPU allows here: a cache-hit lookup costs its server ${micros(lookup)} µs per call against the echo's ${micros(echo)} µs at`,
      `  E32 (${(lookup / echo).toFixed(2)} ×): the same gRPC work plus the caller's token, number parsing, a blind index, a Redis round trip,`,
      `  AES-GCM decryption and a larger answer. With each server's core saturated, lookups would reach at most`,
      `  ${(echo / lookup).toFixed(2)} × E's calls/s; issue 4's 0.8 × E32 needs a lookup at ≤ ${micros(echo / 0.8)} µs per call.`,
      "",
    );
  }
  return lines;
}

/** Writes bench/RESULTS.md and returns its path. */
export async function writeResults(report: Report): Promise<string> {
  const lines: string[] = [
    "# Benchmark results",
    "",
    `Written by \`make bench\` on ${new Date().toISOString()}.`,
    "",
    `- Machine: ${os.availableParallelism()} cores (${cpuModel()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
    `- Method: closed-loop load; each figure ${report.runs} runs of ${report.warmupMs} ms warm-up (discarded) + ${report.durationMs} ms measured; every number is the median of the runs; latencies from an HDR histogram (microseconds).`,
    `- Processes: the load generator runs in its own process${report.pinning ? " pinned to core 1 (`taskset -c 1`); the echo server is pinned to core 0" : " (not pinned: taskset missing or a single core)"}; PostgreSQL, Redis and NATS are the local servers of \`make infra\` (loopback).`,
    "- Requests: the load generator sends each figure's request as its client library encodes it, except the sync figures (RS, RS0): their 1,000-record PushRecords requests are encoded before the clock starts, as ghz sends a fixed body, because protobuf-es takes ~10 ms to encode one, and that is the sync agent's cost, not the server's (bench/src/figures/encoded-pushes.ts).",
    `- Load average when the run started: ${report.loadAverage.toFixed(2)} on ${os.availableParallelism()} cores${report.loadAverage >= 0.5 ? " — other work shared the machine, so absolute numbers are pessimistic; the ratios still hold" : ""}.`,
    `- Figures: ${report.selected.length === 0 ? "all" : `${report.selected.join(" ")}, with the baselines they are compared with`}.`,
    "",
    "## How to read this",
    "",
    "Absolute numbers depend on the machine and on what else it runs; the ratios do not (much). Each figure names the",
    "baseline it is read against, measured in the same run: E is the cost of any gRPC hop, R of a Redis round trip, P",
    "of a Postgres round trip, U of a bulk write, J of publishing an event. A later figure such as a recognition lookup",
    "is judged as a multiple of E + R, not by its microseconds.",
    "",
  ];
  for (const suite of [...new Set(report.figures.map((f) => f.suite))]) {
    lines.push(`## ${suiteTitles[suite] ?? suite}`, "", "| id | figure | in flight | p50 µs | p99 µs | ops/s | errors | ratio to baseline |", "|---|---|---:|---:|---:|---:|---:|---|");
    for (const figure of report.figures.filter((f) => f.suite === suite)) {
      const m = report.results.get(figure.id);
      if (!m) continue;
      const throughput = m.unitsPerSec !== undefined ? `${number(m.opsPerSec)} (${number(m.unitsPerSec)} ${figure.unit ?? "rows"}/s)` : number(m.opsPerSec);
      lines.push(`| ${figure.id} | ${figure.label} | ${figure.concurrency} | ${number(m.p50Us)} | ${number(m.p99Us)} | ${throughput} | ${m.errors} | ${ratio(figure, report.results)} |`);
    }
    lines.push("");
  }
  lines.push(...cpuSection(report));
  lines.push(
    "## Notes",
    "",
    "- Argon2id parameters: m = 19 MiB, t = 2, p = 1, OWASP's first recommended setting. A1 is what one sign-in costs the",
    "  identity service: about 1/A1.p50 sign-ins per second per core. Stronger settings would make every guess at a stolen",
    "  hash dearer, but also make sign-in floods cheaper to mount against us; sign-in is throttled per account and address.",
    "- E32 against E32b is what libs/rpc's per-call policy (deadline, auth hook, validation, error mapping, tracing) costs",
    "  at saturation; E1 against E1b the same at one call in flight.",
    "- T1 against T0 is why libs/authz remembers verified tokens: a repeat call with the same token skips the signature check.",
    "- I1/I8 are the audit-log's ingestion as it runs: events published to JetStream, taken in batches by the durable",
    "  consumer, committed per tenant in one transaction (one chain-head lock, one multi-row insert). The issue's goal is",
    "  at least 5,000 events/s from JetStream to a committed entry. I1 is read against J (publishing alone).",
    "- L1/L8 are the one-event-per-transaction path (appendEntry) for comparison: what ingestion would reach without batching.",
    "- C64 is the telephony gateway's inbound path: a fake AMI peer writes a DialBegin, the gateway parses it, tracks the",
    "  call, normalises the numbers and publishes RINGING; the op ends at JetStream's ack. Its p50/p99 are the latency the",
    "  gateway adds per event on top of a publish; its throughput against J (bare publishes, 500 in flight) is what one",
    "  PBX link can carry.",
    "- Recognition (issue 4), read against the baselines of the same run: RH1.p50 ≤ 1.5 × (E1.p50 + R1.p50) and",
    "  RH1.p99 ≤ 2 × (E1.p99 + R1.p99); RH32 ≥ 0.8 × E32's ops/s; RH8 (under load, below saturation) p99 ≤ 5 × RH1.p99",
    "  with no errors; RM1.p99 ≤ 2 × (E1 + R1 + P1 + one SET) at p99; RS ≥ 0.5 × U's rows/s and ≥ 20,000 records/s;",
    "  RS0 (nothing changed) ≥ 3 × RS. A hit is exactly one Redis GET and an unchanged re-sync writes zero record tuples:",
    "  both are asserted by services/recognition's tests (INFO commandstats of a private Redis; tuple versions), not here.",
    "  RM1's server lets cache entries expire after 1 ms, so each call is a miss: GET, Postgres, SET.",
    "- SP50/SP200 (issue 6) are open loop: calls arrive at 50 and 200 per second whatever the latency, and each is timed",
    "  from the DialBegin frame written on the fake AMI socket to the RINGING pop (recognised, script rendered) read by a",
    "  Connect client on the gateway: AMI adapter and publish (as in C64), the ring relay's JetStream copy, NATS fan-out to",
    "  the stream, a recognition Lookup with the agent's token, the scripts from Postgres, rendering, the gateway hop.",
    "  Recognition, screenpop and the gateway share one process on the other core. Goal: SP200.p99 under 25 ms. Here",
    "  ops/s is the arrival rate actually reached; below the target rate means 64 calls were in flight at once.",
    "  SP50/SP200 call from 1,000 numbers each looked up once before the run (cache hits, the steady state for callers",
    "  who call again within the cache's lifetime); SP200N calls from numbers none of which is cached yet (each lookup",
    "  a miss: Postgres, decryption, a cache fill). A pop whose lookup misses screenpop's 300 ms deadline arrives",
    "  unrecognised; the bench waits for the recognised one and counts an error after 5 s.",
    "",
  );
  const file = fileURLToPath(new URL("../RESULTS.md", import.meta.url));
  writeFileSync(file, lines.join("\n"));
  return file;
}
