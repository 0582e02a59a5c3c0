// CPU time that processes have used, from /proc: what a figure costs in CPU,
// as opposed to how long it takes. On a busy or shared machine throughput
// moves with everything else; the CPU an operation burns per unit moves far
// less, and it says whether a throughput goal fits in the machine at all.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** CPU time per unit of the figure (a record, a row), in microseconds, by who spent it. */
export interface CpuPerUnit {
  /** The figure's server process (bench/src/*-server.ts), all of its threads. */
  server?: number;
  /** Every PostgreSQL process on the machine: backends, WAL writer, checkpointer, autovacuum. */
  postgres?: number;
}

/** Cumulative CPU microseconds so far, by the same names. */
export type CpuCounters = { [K in keyof CpuPerUnit]: number };

/** The kernel clock ticks /proc counts CPU time in (USER_HZ, 100 almost everywhere). */
export const ticksPerSecond = (() => {
  const answer = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const value = Number(answer.stdout?.trim());
  return answer.status === 0 && value > 0 ? value : 100;
})();

/** A /proc/<pid>/stat line's command name and utime + stime in clock ticks. */
export function parseStat(stat: string): { name: string; ticks: number } {
  // The name is in parentheses and may itself hold spaces or parentheses.
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  const fields = stat.slice(close + 2).split(" ");
  // utime and stime are fields 14 and 15 of proc(5); fields[0] here is field 3.
  return { name: stat.slice(open + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** utime + stime of one process in microseconds, and its command name; undefined once it is gone. */
function readProcess(pid: number | string, proc = "/proc"): { name: string; cpuUs: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`${proc}/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const { name, ticks } = parseStat(stat);
  return { name, cpuUs: (ticks / ticksPerSecond) * 1e6 };
}

/** CPU microseconds process `pid` has used; undefined where /proc cannot tell. */
export function processCpuUs(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : readProcess(pid)?.cpuUs;
}

/**
 * CPU microseconds every running PostgreSQL process has used. Backends that
 * ended between two readings drop out, so read it around work whose
 * connections stay open. `proc`: where procfs is (tests give a folder of their own).
 */
export function postgresCpuUs(proc = "/proc"): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  let total = 0;
  for (const pid of pids) {
    const found = readProcess(pid, proc);
    if (found?.name === "postgres") total += found.cpuUs;
  }
  return total;
}

/** Per unit between two readings; a counter missing from either is left out. */
export function cpuPerUnit(before: CpuCounters, after: CpuCounters, units: number): CpuPerUnit | undefined {
  if (units <= 0) return undefined;
  const result: CpuPerUnit = {};
  for (const who of ["server", "postgres"] as const) {
    const start = before[who];
    const end = after[who];
    if (start !== undefined && end !== undefined) result[who] = (end - start) / units;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}
