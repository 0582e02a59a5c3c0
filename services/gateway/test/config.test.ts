import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@switchboard/config";
import { GatewayConfig, upstreamTargets } from "../src/config.js";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig("gateway", GatewayConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.variable}: ${p.problem}`);
    throw error;
  }
  return [];
}

describe("gateway configuration", () => {
  it("starts on 127.0.0.1:8080 with nothing configured", () => {
    const config = loadConfig("gateway", GatewayConfig, {});
    expect(config).toMatchObject({
      GATEWAY_HOST: "127.0.0.1",
      GATEWAY_PORT: 8080,
      CORS_ALLOWED_ORIGINS: [],
      MAX_REQUEST_BYTES: 1024 * 1024,
      DEFAULT_TIMEOUT: 30_000,
    });
    expect(upstreamTargets(config)).toEqual({});
  });

  it("reads upstream addresses, origins and durations", () => {
    const config = loadConfig("gateway", GatewayConfig, {
      IDENTITY_ADDR: "dns:///identity:50051",
      RECOGNITION_ADDR: "127.0.0.1:50052",
      CORS_ALLOWED_ORIGINS: "https://app.example.com, http://localhost:5173",
      DEFAULT_TIMEOUT: "5s",
    });
    expect(upstreamTargets(config)).toEqual({ identity: "dns:///identity:50051", recognition: "127.0.0.1:50052" });
    expect(config.CORS_ALLOWED_ORIGINS).toEqual(["https://app.example.com", "http://localhost:5173"]);
    expect(config.DEFAULT_TIMEOUT).toBe(5_000);
  });

  it("refuses a bad GATEWAY_PORT, origin, address and half a TLS pair, all at once", () => {
    const problems = problemsOf({
      GATEWAY_PORT: "http",
      CORS_ALLOWED_ORIGINS: "https://app.example.com/",
      IDENTITY_ADDR: "identity",
      TLS_CERT_FILE: "/etc/tls/cert.pem",
    });
    expect(problems).toHaveLength(4);
    expect(problems[0]).toBe('GATEWAY_PORT: expected a TCP port (1-65535), got "http"');
    expect(problems.join("\n")).toMatch(/CORS_ALLOWED_ORIGINS: expected comma-separated origins/);
    expect(problems.join("\n")).toMatch(/IDENTITY_ADDR: expected a gRPC target/);
    expect(problems.join("\n")).toMatch(/TLS_KEY_FILE: not set; required when TLS_CERT_FILE is set/);
  });
});
