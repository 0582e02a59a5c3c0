import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ConfigError,
  bool,
  csv,
  durationMs,
  exitOnConfigError,
  loadConfig,
  loadConfigOrExit,
  logLevel,
  port,
  positiveInt,
  secret,
  url,
  type ExitIo,
} from "../src/index.js";

const ServiceConfig = z.object({
  PORT: port().default(50051),
  DATABASE_URL: url({ protocols: ["postgres", "postgresql"] }),
  REDIS_URL: url({ protocols: ["redis"] }),
  LOG_LEVEL: logLevel().default("info"),
  POOL_SIZE: positiveInt().default(10),
  SHUTDOWN_GRACE: durationMs().default(10_000),
  TRUST_PROXY: bool().default(false),
  ALLOWED_ORIGINS: csv().default([]),
  TOKEN_SECRET: secret(),
});

const goodEnv = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:15432/identity",
  REDIS_URL: "redis://127.0.0.1:16379",
  TOKEN_SECRET: "s".repeat(40),
  UNRELATED: "ignored",
};

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("returns typed values with defaults filled in", () => {
    const config = loadConfig("identity", ServiceConfig, goodEnv);
    expect(config).toEqual({
      PORT: 50051,
      DATABASE_URL: "postgres://postgres@127.0.0.1:15432/identity",
      REDIS_URL: "redis://127.0.0.1:16379",
      LOG_LEVEL: "info",
      POOL_SIZE: 10,
      SHUTDOWN_GRACE: 10_000,
      TRUST_PROXY: false,
      ALLOWED_ORIGINS: [],
      TOKEN_SECRET: "s".repeat(40),
    });
    expect(config).not.toHaveProperty("UNRELATED");
  });

  it("parses given values over defaults", () => {
    const config = loadConfig("identity", ServiceConfig, {
      ...goodEnv,
      PORT: "6000",
      LOG_LEVEL: "debug",
      SHUTDOWN_GRACE: "2m",
      TRUST_PROXY: "1",
      ALLOWED_ORIGINS: "https://a.example, https://b.example",
    });
    expect(config.PORT).toBe(6000);
    expect(config.LOG_LEVEL).toBe("debug");
    expect(config.SHUTDOWN_GRACE).toBe(120_000);
    expect(config.TRUST_PROXY).toBe(true);
    expect(config.ALLOWED_ORIGINS).toEqual(["https://a.example", "https://b.example"]);
  });

  it("treats an empty variable as unset, so its default applies", () => {
    expect(loadConfig("identity", ServiceConfig, { ...goodEnv, PORT: "" }).PORT).toBe(50051);
  });

  it("reports every bad or missing variable in one error, one line each", () => {
    const error = configErrorOf(() =>
      loadConfig("identity", ServiceConfig, {
        PORT: "http",
        REDIS_URL: "http://127.0.0.1:16379",
        LOG_LEVEL: "verbose",
        POOL_SIZE: "0",
        SHUTDOWN_GRACE: "5",
        TRUST_PROXY: "yes",
        TOKEN_SECRET: "short",
      }),
    );
    expect(error.service).toBe("identity");
    expect(error.problems.map((p) => p.variable).sort()).toEqual(
      ["DATABASE_URL", "LOG_LEVEL", "POOL_SIZE", "PORT", "REDIS_URL", "SHUTDOWN_GRACE", "TOKEN_SECRET", "TRUST_PROXY"].sort(),
    );
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("identity: invalid configuration (8 problems); fix these environment variables:");
    expect(lines).toHaveLength(9);
    expect(lines).toContain('  PORT: expected a TCP port (1-65535), got "http"');
    expect(lines).toContain("  DATABASE_URL: not set; expected a URL starting with postgres:// or postgresql://");
    expect(lines).toContain('  REDIS_URL: expected a URL starting with redis://, got "http://127.0.0.1:16379"');
    expect(lines).toContain('  SHUTDOWN_GRACE: expected a duration such as 250ms, 5s, 2m or 1h, got "5"');
  });

  it("never echoes a secret, nor the password inside a URL", () => {
    const error = configErrorOf(() =>
      loadConfig(
        "identity",
        z.object({
          DATABASE_URL: url({ protocols: ["postgres"] }),
          DB_PASSWORD: z.string().min(12),
          SIGNING_MATERIAL: secret({ minLength: 20 }),
          TOKEN_SECRET: secret(),
        }),
        {
          DATABASE_URL: "mysql://app:hunter2-db@db/app",
          DB_PASSWORD: "hunter2-pw",
          SIGNING_MATERIAL: "hunter2-sm",
          TOKEN_SECRET: "hunter2-ts",
        },
      ),
    );
    expect(error.problems).toHaveLength(4);
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain('DATABASE_URL: expected a URL starting with postgres://, got "mysql://app:***@db/app"');
    expect(error.message).toContain("TOKEN_SECRET: expected a secret of at least 32 characters, got a hidden value of 10 characters");
    expect(error.message).toContain("SIGNING_MATERIAL: expected a secret of at least 20 characters, got a hidden value");
  });

  it("reports rules spanning several variables under (configuration)", () => {
    const schema = z
      .object({ MIN_POOL: positiveInt(), MAX_POOL: positiveInt() })
      .refine((c) => c.MIN_POOL <= c.MAX_POOL, "MIN_POOL must not exceed MAX_POOL");
    const error = configErrorOf(() => loadConfig("audit-log", schema, { MIN_POOL: "9", MAX_POOL: "3" }));
    expect(error.problems).toEqual([{ variable: "(configuration)", problem: "MIN_POOL must not exceed MAX_POOL" }]);
  });
});

describe("exitOnConfigError", () => {
  function recordingIo() {
    const written: string[] = [];
    const exits: number[] = [];
    const io: ExitIo = {
      writeError: (text) => written.push(text),
      exit: (code) => {
        exits.push(code);
        throw new Error("exited");
      },
    };
    return { io, written, exits };
  }

  it("prints the message without a stack and exits 1", () => {
    const { io, written, exits } = recordingIo();
    expect(() => loadConfigOrExit("screenpop", ServiceConfig, { PORT: "0" }, io)).toThrow("exited");
    expect(exits).toEqual([1]);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^screenpop: invalid configuration \(4 problems\)/);
    expect(written[0]).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it("returns the loaded value when the environment is good", () => {
    const { io, exits } = recordingIo();
    expect(exitOnConfigError(() => loadConfig("x", ServiceConfig, goodEnv), io).PORT).toBe(50051);
    expect(exits).toEqual([]);
  });

  it("rethrows errors that are not configuration errors", () => {
    const { io, exits } = recordingIo();
    expect(() =>
      exitOnConfigError(() => {
        throw new TypeError("bug");
      }, io),
    ).toThrow(TypeError);
    expect(exits).toEqual([]);
  });
});
