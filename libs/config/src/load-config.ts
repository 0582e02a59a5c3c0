import type { z } from "zod";
import { ConfigError, type ConfigProblem } from "./config-error.js";
import { SECRET_PARAM } from "./fields.js";
import { describeReceived } from "./mask.js";

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Parses a service's environment with its zod schema, whose keys are the
 * environment variable names (`z.object({ PORT: port().default(50051), … })`).
 * Returns the typed result, or throws one ConfigError listing every bad or
 * missing variable. An empty variable counts as unset, so `FOO=` falls back to
 * FOO's default the way an absent FOO does.
 */
export function loadConfig<S extends z.ZodType>(service: string, schema: S, env: Environment = process.env): z.output<S> {
  const input: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== "") input[name] = value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(service, describeIssues(result.error.issues, input));
}

function describeIssues(issues: readonly z.core.$ZodIssue[], input: Readonly<Record<string, string>>): ConfigProblem[] {
  return issues.map((issue) => {
    const [first] = issue.path;
    if (typeof first !== "string") return { variable: "(configuration)", problem: issue.message };
    const received = input[first];
    if (received === undefined) return { variable: first, problem: `not set; ${issue.message}` };
    const shown = isSecretIssue(issue)
      ? `a hidden value of ${received.length} characters`
      : describeReceived(first, received);
    return { variable: first, problem: `${issue.message}, got ${shown}` };
  });
}

function isSecretIssue(issue: z.core.$ZodIssue): boolean {
  return issue.code === "custom" && issue.params?.[SECRET_PARAM] === true;
}
