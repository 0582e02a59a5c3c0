import type { DescService } from "@bufbuild/protobuf";
import { methodPath } from "@switchboard/rpc";
import type { Permission } from "./permissions.js";

/** What a method demands of its caller. */
export type Policy =
  | { kind: "public" }
  | { kind: "authenticated"; allowSetupToken: boolean }
  | { kind: "permission"; permission: Permission };

/** No token needed (Login, GetJwks, IssueServiceToken). */
export const publicMethod = (): Policy => ({ kind: "public" });

/** Any valid token; set-up tokens only where allowed (ChangePassword, EnrollTotp, ConfirmTotp). */
export const authenticated = (options: { allowSetupToken?: boolean } = {}): Policy => ({
  kind: "authenticated",
  allowSetupToken: options.allowSetupToken ?? false,
});

/** A token whose roles grant `permission` (and a second factor for staff-only permissions). */
export const requires = (permission: Permission): Policy => ({ kind: "permission", permission });

/** Policies keyed by method path (`/package.Service/Method`). */
export type PolicyTable = Readonly<Record<string, Policy>>;

/**
 * Declares the policy of every method of a service. The type demands an
 * entry per method, so adding an RPC without deciding who may call it does
 * not compile.
 */
export function declarePolicies<S extends DescService>(service: S, policies: { [M in keyof S["method"]]: Policy }): PolicyTable {
  const table: Record<string, Policy> = {};
  for (const method of service.methods) {
    const policy = (policies as Record<string, Policy | undefined>)[method.localName];
    if (policy) table[methodPath(method)] = policy;
  }
  return table;
}

/** Fails start-up when a served method has no policy (the hook would refuse it anyway: fail closed). */
export function assertEveryMethodDeclared(services: readonly DescService[], policies: PolicyTable): void {
  const missing = services.flatMap((s) => s.methods.map(methodPath)).filter((path) => !(path in policies));
  if (missing.length > 0) throw new Error(`no authorization policy declared for: ${missing.join(", ")}`);
}
