import type { CallInProgress, CallSignal } from "./call-signals.js";

export type CallStateName = "ringing" | "answered" | "ended";
export type Direction = "inbound" | "outbound";

/** One call state, once: what the events module publishes. */
export interface CallStateChange {
  callId: string;
  state: CallStateName;
  direction: Direction;
  extension: string;
  caller: string;
  callee: string;
  time: Date;
  startTime: Date;
}

interface TrackedCall {
  direction: Direction;
  extension: string;
  caller: string;
  callee: string;
  startTime: Date | undefined;
  reached: number;
}

const order: Record<CallStateName, number> = { ringing: 1, answered: 2, ended: 3 };

/**
 * Per connection: which state each call has reached, so that a state is
 * reported once however many protocol events announce it, and never after
 * a later one (a late DialBegin after BridgeEnter is not a new ring). Calls
 * first seen after they rang (the link came up mid-call) are not reported:
 * without the ring there is no caller to show. Memory is bounded.
 */
export class CallTracker {
  private readonly calls = new Map<string, TrackedCall>();
  private readonly ended = new Set<string>();

  constructor(private readonly maxCalls = 20_000) {}

  /** A call placed by Dial: its ring is outbound, with the numbers Dial knows. */
  expectOutbound(callId: string, extension: string, number: string): void {
    this.remember(callId, { direction: "outbound", extension, caller: extension, callee: number, startTime: undefined, reached: 0 });
  }

  observe(signal: CallSignal): CallStateChange | undefined {
    if (this.ended.has(signal.callId)) return undefined;
    let call = this.calls.get(signal.callId);
    // Remembered even unseen: a list of calls in progress taken just before must not bring it back.
    if (signal.kind === "ended" && !call) this.forget(signal.callId);
    if (signal.kind === "ringing") {
      if (!call) {
        call = { direction: signal.direction ?? "inbound", extension: signal.extension, caller: signal.caller, callee: signal.callee, startTime: undefined, reached: 0 };
        this.remember(signal.callId, call);
      }
      if (call.reached >= order.ringing) return undefined;
      if (!call.extension) call.extension = signal.extension;
      call.startTime = signal.time;
    } else if (!call || call.reached === 0 || call.reached >= order[signal.kind]) {
      return undefined;
    }
    call.reached = order[signal.kind];
    const change: CallStateChange = {
      callId: signal.callId,
      state: signal.kind,
      direction: call.direction,
      extension: call.extension,
      caller: call.caller,
      callee: call.callee,
      time: signal.time,
      startTime: call.startTime ?? signal.time,
    };
    if (signal.kind === "ended") this.forget(signal.callId);
    return change;
  }

  /**
   * Takes the PBX's list of calls in progress when the link comes up
   * (`calls`, complete) as the truth, and returns what changed unseen:
   * a tracked call missing from it ended while the link was down; a
   * tracked ringing call listed as answered was answered meanwhile; a
   * ringing call not tracked yet rings now (a replica that held the link
   * before may have reported it too: the event id is the same, and
   * JetStream drops the repeat). An answered call not tracked yet is
   * taken on without an event, so that its end is reported.
   */
  reconcile(calls: readonly CallInProgress[], time: Date): CallStateChange[] {
    const changes: CallStateChange[] = [];
    const listed = new Set(calls.map((c) => c.ring.callId));
    for (const [callId, call] of [...this.calls]) {
      if (call.reached > 0 && !listed.has(callId)) changes.push(this.observe({ kind: "ended", callId, time })!);
    }
    for (const { ring, answered } of calls) {
      if (this.ended.has(ring.callId)) continue;
      const known = this.calls.get(ring.callId);
      if (answered && (!known || known.reached === 0)) {
        const placed = known ?? { direction: ring.direction ?? "inbound", extension: ring.extension, caller: ring.caller, callee: ring.callee, startTime: undefined, reached: 0 };
        this.remember(ring.callId, { ...placed, extension: placed.extension || ring.extension, startTime: ring.time, reached: order.answered });
        continue;
      }
      const rang = this.observe(ring);
      if (rang) changes.push(rang);
      const answer = answered ? this.observe({ kind: "answered", callId: ring.callId, time }) : undefined;
      if (answer) changes.push(answer);
    }
    return changes;
  }

  get size(): number {
    return this.calls.size;
  }

  private forget(callId: string): void {
    this.calls.delete(callId);
    this.ended.add(callId);
    if (this.ended.size > this.maxCalls) this.ended.delete(this.ended.values().next().value!);
  }

  private remember(callId: string, call: TrackedCall): void {
    this.calls.set(callId, call);
    // A PBX that never reports the end of its calls must not grow us without bound.
    if (this.calls.size > this.maxCalls) this.calls.delete(this.calls.keys().next().value!);
  }
}
