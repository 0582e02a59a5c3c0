export { tokenAudience, tokenIssuer, readClaims, toCaller, type AccessTokenClaims } from "./claims.js";
export { permissions, permissionsOf, rolePermissions, staffOnlyPermissions, staffRoles, isStaffRole, type Permission } from "./permissions.js";
export { createTokenVerifier, expiredToken, invalidToken, revokedToken, type TokenVerifier, type TokenVerifierOptions } from "./token-verifier.js";
export { createRevocationList, type Revocation, type RevocationList } from "./revocations.js";
export { revocationOf, watchRevocations, type RevocationWatchOptions } from "./revocation-watch.js";
export { jwksFromIdentity } from "./jwks-from-identity.js";
export { assertEveryMethodDeclared, authenticated, declarePolicies, publicMethod, requires, type Policy, type PolicyTable } from "./policies.js";
export { bearerToken, createAuthHook, verifyBearer, type AuthHookOptions } from "./auth-hook.js";
