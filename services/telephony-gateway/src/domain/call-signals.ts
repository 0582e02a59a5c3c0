/**
 * What an adapter observed about a call, in the PBX's own terms but no
 * longer in its protocol: the call tracker turns these into call states.
 * Several protocol events may say the same thing (DialBegin and Newstate
 * Ringing both mean "rings"); the tracker keeps one of each.
 */
export type CallSignal =
  | {
      kind: "ringing";
      /** The PBX's id for the whole call (AMI Linkedid, ESL Channel-Call-UUID, the webhook's call_id). */
      callId: string;
      /** The endpoint that rings, e.g. "1001". */
      extension: string;
      /** Calling and called number exactly as the PBX sent them. */
      caller: string;
      callee: string;
      time: Date;
      /** Set by vendors that say so themselves (webhooks). */
      direction?: "inbound" | "outbound";
      /**
       * The endpoint placing the call, when the PBX says (AMI: the dialling
       * channel, or the ringing channel's connected line; ESL: the leg's
       * Caller-Username). A call from one of the tenant's extensions to a
       * trunk is that extension's outbound call.
       */
      from?: string;
    }
  | { kind: "answered"; callId: string; time: Date }
  | { kind: "ended"; callId: string; time: Date };

/**
 * A call the PBX reports as in progress when the link comes up (AMI
 * CoreShowChannels): its ring as a ringing signal would have carried it,
 * and whether it has been answered since. Lets a replica that takes a
 * connection over, or a link that comes back, carry on where the last
 * one stopped.
 */
export interface CallInProgress {
  ring: Extract<CallSignal, { kind: "ringing" }>;
  answered: boolean;
}
