import type { CallSignal } from "./call-signals.js";

/**
 * A ring the PBX reports at an endpoint that is none of the tenant's
 * extensions (a trunk, a provider), placed from one that is, is a user
 * dialling out from the handset: report it as that extension's outbound
 * call to the number it dialled. Everything else keeps the vendor's word,
 * or is inbound (an outside caller, or a colleague ringing this extension).
 */
export function withDirection(signal: CallSignal, isExtension: (endpoint: string) => boolean): CallSignal {
  if (signal.kind !== "ringing" || signal.direction || !signal.from) return signal;
  if (isExtension(signal.extension) || !isExtension(signal.from)) return signal;
  return { ...signal, direction: "outbound", extension: signal.from };
}
