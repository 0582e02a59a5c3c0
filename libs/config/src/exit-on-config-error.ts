import { ConfigError } from "./config-error.js";
import { loadConfig, type Environment } from "./load-config.js";
import type { z } from "zod";

export interface ExitIo {
  readonly writeError: (text: string) => void;
  readonly exit: (code: number) => never;
}

const processIo: ExitIo = {
  writeError: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
};

/**
 * Runs `load` and, when it throws a ConfigError, prints the error's message
 * (no stack trace: the message is the whole story) to stderr and exits with
 * status 1. Any other error is rethrown untouched.
 */
export function exitOnConfigError<T>(load: () => T, io: ExitIo = processIo): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.writeError(`${error.message}\n`);
    return io.exit(1);
  }
}

/** `loadConfig` for main.ts: on a bad environment, print every problem and exit 1. */
export function loadConfigOrExit<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Environment = process.env,
  io: ExitIo = processIo,
): z.output<S> {
  return exitOnConfigError(() => loadConfig(service, schema, env), io);
}
