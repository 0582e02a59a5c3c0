import { AuthService } from "@switchboard/proto/switchboard/identity/v1/auth_pb";
import { registerService, required, violations, type ServiceImpl } from "@switchboard/rpc";
import { changePassword, confirmTotp, enrollTotp, logout } from "../sign-in/account-security.js";
import type { IdentityDeps } from "../sign-in/dependencies.js";
import { login } from "../sign-in/login.js";
import { refreshTokens } from "../sign-in/refresh.js";
import { verifyMfa } from "../sign-in/verify-mfa.js";
import { clientAddress } from "./client-address.js";

export function authHandlers(deps: IdentityDeps, options: { totpIssuer: string }): ServiceImpl<typeof AuthService> {
  return {
    login: (request, context) =>
      login(deps, { organization: request.organization, username: request.username, password: request.password, clientAddress: clientAddress(context) }),
    verifyMfa: async (request, context) => ({
      tokens: await verifyMfa(deps, { challengeId: request.challengeId, code: request.code, clientAddress: clientAddress(context) }),
    }),
    refreshToken: async (request) => ({ tokens: await refreshTokens(deps, request.refreshToken) }),
    logout: async (_request, context) => {
      await logout(deps, context.caller);
      return {};
    },
    changePassword: async (request, context) => {
      await changePassword(deps, context.caller, request.currentPassword, request.newPassword);
      return {};
    },
    enrollTotp: (_request, context) => enrollTotp(deps, context.caller, options.totpIssuer),
    confirmTotp: async (request, context) => ({ recoveryCodes: await confirmTotp(deps, context.caller, request.code) }),
    getJwks: async () => ({
      keys: (await deps.keys.publicKeys()).map((jwk) => ({
        kty: String(jwk.kty),
        crv: String(jwk.crv),
        x: String(jwk.x),
        kid: String(jwk.kid),
        alg: String(jwk.alg ?? "EdDSA"),
        use: String(jwk.use ?? "sig"),
      })),
    }),
  };
}

export function authService(deps: IdentityDeps, options: { totpIssuer: string }) {
  return registerService(AuthService, authHandlers(deps, options), {
    validate: {
      login: (r) => violations(required(r.organization, "organization"), required(r.username, "username"), required(r.password, "password")),
      verifyMfa: (r) => violations(required(r.challengeId, "challenge_id"), required(r.code, "code")),
      refreshToken: (r) => violations(required(r.refreshToken, "refresh_token")),
      changePassword: (r) => violations(required(r.currentPassword, "current_password"), required(r.newPassword, "new_password")),
      confirmTotp: (r) => violations(required(r.code, "code")),
    },
  });
}
