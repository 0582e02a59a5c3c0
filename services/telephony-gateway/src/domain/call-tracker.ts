import type { CallSignal } from "./call-signals.js";

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
    if (signal.kind === "ended") {
      this.calls.delete(signal.callId);
      this.ended.add(signal.callId);
      if (this.ended.size > this.maxCalls) this.ended.delete(this.ended.values().next().value!);
    }
    return change;
  }

  get size(): number {
    return this.calls.size;
  }

  private remember(callId: string, call: TrackedCall): void {
    this.calls.set(callId, call);
    // A PBX that never reports the end of its calls must not grow us without bound.
    if (this.calls.size > this.maxCalls) this.calls.delete(this.calls.keys().next().value!);
  }
}
