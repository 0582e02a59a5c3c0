/** One bad or missing environment variable, already safe to print. */
export interface ConfigProblem {
  /** The environment variable name, or "(configuration)" for a rule across several. */
  readonly variable: string;
  /** What was expected and what was received, with secret values masked. */
  readonly problem: string;
}

/**
 * Thrown by `loadConfig` when the environment does not satisfy a service's
 * schema. The message lists every problem at once, one per line, so an
 * operator fixes the deployment in one pass instead of one restart per
 * variable.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(
    readonly service: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(formatProblems(service, problems));
  }
}

function formatProblems(service: string, problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const lines = problems.map((p) => `  ${p.variable}: ${p.problem}`);
  return [`${service}: invalid configuration (${count}); fix these environment variables:`, ...lines].join("\n");
}
