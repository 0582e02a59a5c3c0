import { randomBytes, randomUUID, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkpointProblem, checkpointStatement, createCheckpointSigner, publicKeyFromRaw, trustedKeys, type Checkpoint } from "./checkpoint.js";

const checkpoint = (): Checkpoint => ({ tenantId: randomUUID(), kind: "periodic", sequence: 42, hash: "ab".repeat(32), signedAt: new Date().toISOString(), removedEntries: 0 });

describe("checkpoint signatures", () => {
  const signer = createCheckpointSigner(randomBytes(32).toString("base64"));

  it("signs the statement so a plain Ed25519 verification accepts it", () => {
    const signed = signer.sign(checkpoint());
    expect(verify(null, Buffer.from(checkpointStatement(signed)), publicKeyFromRaw(signed.publicKey), signed.signature)).toBe(true);
    expect(checkpointProblem(signed, trustedKeys([signer.publicKey]))).toBeUndefined();
  });

  it("refuses an altered checkpoint", () => {
    const signed = signer.sign(checkpoint());
    expect(checkpointProblem({ ...signed, sequence: 41 }, trustedKeys([signer.publicKey]))).toContain("invalid signature");
    expect(checkpointProblem({ ...signed, hash: "cd".repeat(32) }, trustedKeys([signer.publicKey]))).toContain("invalid signature");
  });

  it("refuses a checkpoint signed by a key it does not trust, even a valid signature", () => {
    const forger = createCheckpointSigner(randomBytes(32).toString("base64"));
    const forged = forger.sign(checkpoint());
    expect(checkpointProblem(forged, trustedKeys([signer.publicKey]))).toContain("does not trust");
    // An earlier key listed as trusted still verifies its old checkpoints.
    expect(checkpointProblem(forged, trustedKeys([signer.publicKey, forger.publicKey]))).toBeUndefined();
  });

  it("says what is wrong with a seed of the wrong size", () => {
    expect(() => createCheckpointSigner(randomBytes(16).toString("base64"))).toThrow(/32 bytes, got 16/);
  });
});
