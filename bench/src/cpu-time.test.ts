import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cpuPerUnit, parseStat, postgresCpuUs, processCpuUs, ticksPerSecond } from "./cpu-time.js";

describe("cpu-time", () => {
  it("reads the name and utime + stime of a stat line whose name holds spaces and parentheses", () => {
    const stat = "4242 (postgres: a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 37 5 0 0 20 0 1 0 123 1000 10 18446744073709551615";
    expect(parseStat(stat)).toEqual({ name: "postgres: a (b) c", ticks: 42 });
  });

  it("counts the CPU a process burns, and nothing for one that is gone", async () => {
    // Burns 200 ms of its own CPU time (however long a busy machine takes to give it that), says so, then idles.
    const burner = "const t = process.cpuUsage(); while (process.cpuUsage(t).user < 200_000); console.log('burnt'); setInterval(() => {}, 1000);";
    const child = spawn(process.execPath, ["-e", burner], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await once(child.stdout!, "data");
      // Node's own start-up adds to it; a 10 ms tick can round down.
      expect(processCpuUs(child.pid)!).toBeGreaterThanOrEqual(190_000);
    } finally {
      child.kill();
    }
    await once(child, "exit");
    expect(processCpuUs(child.pid)).toBeUndefined();
    expect(processCpuUs(undefined)).toBeUndefined();
  });

  it("sums the CPU of every process named postgres, and of nothing else", () => {
    const proc = mkdtempSync(join(tmpdir(), "bench-proc-"));
    const stat = (pid: number, name: string, utime: number, stime: number) => {
      mkdirSync(join(proc, String(pid)));
      writeFileSync(join(proc, String(pid), "stat"), `${pid} (${name}) S 1 1 1 0 -1 0 0 0 0 0 ${utime} ${stime} 0 0 20 0 1 0 1 1 1`);
    };
    stat(10, "postgres", 100, 50);
    stat(11, "postgres", 7, 3);
    stat(12, "node", 900, 900);
    stat(13, "postgres-exporter", 900, 900);
    mkdirSync(join(proc, "self"));
    mkdirSync(join(proc, "14")); // a process that ended while the folder was listed: no stat file
    try {
      expect(postgresCpuUs(proc)).toBe(((150 + 10) / ticksPerSecond) * 1e6);
      expect(postgresCpuUs(join(proc, "missing"))).toBeUndefined();
    } finally {
      rmSync(proc, { recursive: true });
    }
  });

  it("divides by the units done, and leaves out a counter that either reading lacks", () => {
    expect(cpuPerUnit({ server: 1_000, postgres: 500 }, { server: 61_000, postgres: 30_500 }, 1_000)).toEqual({ server: 60, postgres: 30 });
    expect(cpuPerUnit({ server: 1_000 }, { server: 3_000, postgres: 9 }, 100)).toEqual({ server: 20 });
    expect(cpuPerUnit({ server: 1_000 }, { server: 3_000 }, 0)).toBeUndefined();
    expect(cpuPerUnit({}, {}, 10)).toBeUndefined();
  });
});
