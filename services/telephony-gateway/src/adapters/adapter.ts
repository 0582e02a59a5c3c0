import type { Logger } from "@switchboard/rpc";
import type { CallInProgress, CallSignal } from "../domain/call-signals.js";

/** Where and how to reach one PBX, with its credentials decrypted (held in memory only). */
export interface PbxEndpoint {
  connectionId: string;
  host: string;
  port: number;
  username: string;
  secret: string;
  settings: Readonly<Record<string, string>>;
}

/** A click-to-dial: ring `extension`, then call `dial` (already in the form the PBX dials). */
export interface OriginateRequest {
  callId: string;
  extension: string;
  dial: string;
  e164: string;
}

/** Protection against a PBX (or something posing as one) that misbehaves. */
export interface FrameLimits {
  /** A frame larger than this cuts the link. */
  maxFrameBytes: number;
  /** More frames than this in one second cut the link. */
  maxFramesPerSecond: number;
}

export interface AdapterOptions {
  endpoint: PbxEndpoint;
  /** Called for every call observation, in the order the PBX sent them. */
  onSignal(signal: CallSignal): void;
  /**
   * Called once per link, right after sign-in, with the calls the PBX has in
   * progress, before any signal that came after the list was asked for.
   * Adapters whose PBX cannot list its calls never call it.
   */
  onCallsInProgress?(calls: CallInProgress[]): void;
  limits: FrameLimits;
  timeouts: { connectMs: number; replyMs: number; keepaliveMs: number };
  log: Logger;
}

/**
 * The one interface every vendor implements. An adapter is one attempt:
 * `connect` signs in (or fails saying why), `lost` resolves once the link
 * drops, and the supervisor makes a new adapter to try again.
 */
export interface PbxAdapter {
  connect(): Promise<void>;
  /** Resolves (never rejects) with why an established link ended. */
  readonly lost: Promise<Error>;
  originate(request: OriginateRequest): Promise<void>;
  close(): Promise<void>;
}

export type AdapterFactory = (options: AdapterOptions) => PbxAdapter;

/** The PBX answered and said no (bad login, Originate refused). Not retried faster than usual. */
export class PbxRefusedError extends Error {
  override name = "PbxRefusedError";
}

/** The PBX is not reachable or did not answer in time. */
export class PbxUnavailableError extends Error {
  override name = "PbxUnavailableError";
}

/** The peer broke the protocol (garbage, oversized frames, floods): the link is cut. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}
