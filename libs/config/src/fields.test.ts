import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { bool, csv, durationMs, logLevel, port, positiveInt, secret, url } from "./fields.js";

function accepts(schema: z.ZodType, raw: string): unknown {
  const result = schema.safeParse(raw);
  if (!result.success) throw new Error(`refused ${JSON.stringify(raw)}: ${result.error.issues[0]?.message}`);
  return result.data;
}

function refuses(schema: z.ZodType, raw: string | undefined): string {
  const result = schema.safeParse(raw);
  if (result.success) throw new Error(`accepted ${JSON.stringify(raw)} as ${JSON.stringify(result.data)}`);
  return result.error.issues[0]?.message ?? "";
}

describe("port()", () => {
  it("accepts 1 to 65535 as numbers", () => {
    expect(accepts(port(), "1")).toBe(1);
    expect(accepts(port(), "50051")).toBe(50051);
    expect(accepts(port(), " 65535 ")).toBe(65535);
  });
  it("refuses 0, too-large, negative, fractional and non-numeric values", () => {
    for (const raw of ["0", "65536", "-1", "80.5", "http", "8080abc", "0x50"]) {
      expect(refuses(port(), raw)).toBe("expected a TCP port (1-65535)");
    }
  });
});

describe("positiveInt()", () => {
  it("accepts whole numbers from 1", () => {
    expect(accepts(positiveInt(), "1")).toBe(1);
    expect(accepts(positiveInt(), "300")).toBe(300);
  });
  it("refuses 0, negatives, fractions, exponents and unsafe integers", () => {
    for (const raw of ["0", "-3", "2.5", "1e3", "ten", "9007199254740993"]) {
      expect(refuses(positiveInt(), raw)).toMatch(/^expected a whole number/);
    }
  });
});

describe("durationMs()", () => {
  it("accepts ms, s, m and h suffixes", () => {
    expect(accepts(durationMs(), "250ms")).toBe(250);
    expect(accepts(durationMs(), "5s")).toBe(5_000);
    expect(accepts(durationMs(), "2m")).toBe(120_000);
    expect(accepts(durationMs(), "1h")).toBe(3_600_000);
    expect(accepts(durationMs(), "0ms")).toBe(0);
  });
  it("refuses bare numbers, unknown units, fractions and negatives", () => {
    for (const raw of ["5", "5 s", "5sec", "1.5s", "-1s", "2d", "s"]) {
      expect(refuses(durationMs(), raw)).toBe("expected a duration such as 250ms, 5s, 2m or 1h");
    }
  });
});

describe("bool()", () => {
  it("accepts true/false/1/0 in any case", () => {
    expect(accepts(bool(), "true")).toBe(true);
    expect(accepts(bool(), "TRUE")).toBe(true);
    expect(accepts(bool(), "1")).toBe(true);
    expect(accepts(bool(), "false")).toBe(false);
    expect(accepts(bool(), "0")).toBe(false);
  });
  it("refuses yes/no and other words", () => {
    for (const raw of ["yes", "no", "on", "2", "tru"]) {
      expect(refuses(bool(), raw)).toBe('expected "true", "false", "1" or "0"');
    }
  });
});

describe("csv()", () => {
  it("splits, trims and drops empty items", () => {
    expect(accepts(csv(), "a, b ,,c,")).toEqual(["a", "b", "c"]);
    expect(accepts(csv(), "single")).toEqual(["single"]);
  });
  it("refuses a missing value when required", () => {
    expect(refuses(csv(), undefined)).toBe("expected a comma-separated list");
  });
});

describe("url()", () => {
  it("accepts absolute URLs of the allowed schemes, with or without the colon in the option", () => {
    const pg = url({ protocols: ["postgres", "postgresql:"] });
    expect(accepts(pg, "postgres://postgres@127.0.0.1:15432/postgres")).toBe("postgres://postgres@127.0.0.1:15432/postgres");
    expect(accepts(pg, "postgresql://db/app")).toBe("postgresql://db/app");
    expect(accepts(url(), "nats://127.0.0.1:4222")).toBe("nats://127.0.0.1:4222");
  });
  it("refuses other schemes and relative or malformed URLs", () => {
    const redis = url({ protocols: ["redis", "rediss"] });
    expect(refuses(redis, "http://cache:6379")).toBe("expected a URL starting with redis:// or rediss://");
    expect(refuses(redis, "cache:6379x")).toMatch(/^expected a URL/);
    expect(refuses(url(), "/relative/path")).toBe("expected an absolute URL");
    expect(refuses(url(), "not a url")).toBe("expected an absolute URL");
  });
});

describe("logLevel()", () => {
  it("accepts pino levels in any case", () => {
    expect(accepts(logLevel(), "debug")).toBe("debug");
    expect(accepts(logLevel(), "WARN")).toBe("warn");
    expect(accepts(logLevel(), "silent")).toBe("silent");
  });
  it("refuses unknown levels", () => {
    expect(refuses(logLevel(), "verbose")).toBe("expected one of fatal, error, warn, info, debug, trace, silent");
  });
});

describe("secret()", () => {
  it("accepts values of at least the minimum length", () => {
    expect(accepts(secret(), "x".repeat(32))).toBe("x".repeat(32));
    expect(accepts(secret({ minLength: 8 }), "12345678")).toBe("12345678");
  });
  it("refuses shorter values", () => {
    expect(refuses(secret(), "x".repeat(31))).toBe("expected a secret of at least 32 characters");
    expect(refuses(secret({ minLength: 8 }), "short")).toBe("expected a secret of at least 8 characters");
  });
});
