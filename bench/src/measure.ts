import hdr from "hdr-histogram-js";
import { cpuPerUnit, type CpuCounters, type CpuPerUnit } from "./cpu-time.js";

/** One measured figure: latency percentiles in microseconds and throughput. */
export interface Measurement {
  p50Us: number;
  p99Us: number;
  maxUs: number;
  count: number;
  opsPerSec: number;
  errors: number;
  /** Extra unit for throughput-style figures (e.g. rows/s for batch inserts). */
  unitsPerSec?: number;
  /** CPU spent per unit (per op when there are no units) over the measured window, where the operation can tell. */
  cpuPerUnit?: CpuPerUnit;
}

export interface LoadOptions {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Work units one operation carries (rows in a batch); 1 by default. */
  unitsPerOp?: number;
  /** Cumulative CPU of the processes doing the work, read when the measured window opens and closes. */
  cpuNow?: () => CpuCounters;
}

/**
 * Closed-loop load: `concurrency` workers each run `op` back to back, first
 * for the warm-up (discarded), then for the measured duration. Latencies go
 * into an HDR histogram, so percentiles are real, not derived from averages.
 * Bounded in time: it stops by itself.
 */
export async function runLoad(op: () => Promise<unknown>, options: LoadOptions): Promise<Measurement> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let errors = 0;
  let measuring = false;
  let stopAt = Date.now() + options.warmupMs;
  const worker = async () => {
    while (Date.now() < stopAt) {
      const started = process.hrtime.bigint();
      try {
        const result = await op();
        // An open-loop op waits for its arrival slot first, and reports the latency that counts itself.
        const reported = typeof result === "object" && result !== null && "latencyUs" in result ? Number(result.latencyUs) : undefined;
        if (measuring) histogram.recordValue(Math.max(1, reported ?? Number((process.hrtime.bigint() - started) / 1000n)));
      } catch {
        if (measuring) errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  measuring = true;
  const cpuBefore = options.cpuNow?.();
  const started = Date.now();
  stopAt = started + options.durationMs;
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (Date.now() - started) / 1000;
  const cpuAfter = options.cpuNow?.();
  const count = histogram.totalCount;
  const cpu = cpuBefore && cpuAfter ? cpuPerUnit(cpuBefore, cpuAfter, count * (options.unitsPerOp ?? 1)) : undefined;
  return {
    p50Us: histogram.getValueAtPercentile(50),
    p99Us: histogram.getValueAtPercentile(99),
    maxUs: histogram.maxValue,
    count,
    opsPerSec: count / seconds,
    errors,
    ...(options.unitsPerOp ? { unitsPerSec: (count * options.unitsPerOp) / seconds } : {}),
    ...(cpu ? { cpuPerUnit: cpu } : {}),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Each number the median over the runs (three by default), errors summed. */
export function medianOf(runs: Measurement[]): Measurement {
  const pick = (field: Exclude<keyof Measurement, "cpuPerUnit">) => median(runs.map((r) => r[field] ?? 0));
  return {
    p50Us: pick("p50Us"),
    p99Us: pick("p99Us"),
    maxUs: pick("maxUs"),
    count: pick("count"),
    opsPerSec: pick("opsPerSec"),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    ...(runs[0]?.unitsPerSec !== undefined ? { unitsPerSec: pick("unitsPerSec") } : {}),
    ...medianCpu(runs),
  };
}

function medianCpu(runs: Measurement[]): { cpuPerUnit?: CpuPerUnit } {
  const cpu: CpuPerUnit = {};
  for (const who of ["server", "postgres"] as const) {
    const values = runs.map((r) => r.cpuPerUnit?.[who]).filter((v): v is number => v !== undefined);
    if (values.length === runs.length && values.length > 0) cpu[who] = median(values);
  }
  return Object.keys(cpu).length > 0 ? { cpuPerUnit: cpu } : {};
}
