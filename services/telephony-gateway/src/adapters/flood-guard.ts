import { ProtocolError } from "./adapter.js";

/** Counts frames per one-second window; a peer over the limit is cut, so one tenant's PBX cannot starve the others. */
export class FloodGuard {
  private windowStart = 0;
  private count = 0;

  constructor(private readonly maxPerSecond: number) {}

  frame(now = Date.now()): void {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.count = 0;
    }
    this.count += 1;
    if (this.count > this.maxPerSecond) throw new ProtocolError(`the PBX floods: more than ${this.maxPerSecond} frames in one second`);
  }
}
