import type { JWTPayload } from "jose";
import type { Caller } from "@switchboard/rpc";

/** What identity writes into an access token (see services/identity). */
export const tokenIssuer = "switchboard-identity";
export const tokenAudience = "switchboard";

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  tid: string;
  roles: string[];
  amr: string[];
  sid?: string;
  typ: "user" | "service" | "setup";
  exp: number;
}

const kinds = new Set(["user", "service", "setup"]);

/** Narrows a verified payload to our claim set; undefined when a claim is missing or malformed. */
export function readClaims(payload: JWTPayload): AccessTokenClaims | undefined {
  const { sub, tid, roles, amr, typ, exp, sid } = payload as Record<string, unknown>;
  const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === "string");
  if (typeof sub !== "string" || typeof tid !== "string" || typeof exp !== "number") return undefined;
  if (!strings(roles) || !strings(amr) || typeof typ !== "string" || !kinds.has(typ)) return undefined;
  if (sid !== undefined && typeof sid !== "string") return undefined;
  return payload as AccessTokenClaims;
}

export function toCaller(claims: AccessTokenClaims): Caller {
  return {
    subject: claims.sub,
    tenantId: claims.tid,
    roles: claims.roles,
    amr: claims.amr,
    sessionId: claims.sid,
    kind: claims.typ,
  };
}
