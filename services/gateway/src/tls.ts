import { readFileSync } from "node:fs";
import type { GatewayConfig } from "./config.js";

/** The PEM certificate and key named by TLS_CERT_FILE/TLS_KEY_FILE, or undefined to serve plain HTTP/1.1. */
export function readTlsFiles(config: GatewayConfig): { cert: Buffer; key: Buffer } | undefined {
  if (config.TLS_CERT_FILE === undefined || config.TLS_KEY_FILE === undefined) return undefined;
  return { cert: readPem("TLS_CERT_FILE", config.TLS_CERT_FILE), key: readPem("TLS_KEY_FILE", config.TLS_KEY_FILE) };
}

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${variable}: cannot read ${path} (${reason}): point it at a readable PEM file`);
  }
}
