import { create } from "@bufbuild/protobuf";
import { withTenant } from "@switchboard/db";
import { ScreenPopSchema, ScreenPopState, type ScreenPop } from "@switchboard/proto/switchboard/screenpop/v1/screen_pops_pb";
import { CallDirection, CallState, type CallEvent } from "@switchboard/proto/switchboard/telephony/v1/events_pb";
import type { Logger } from "@switchboard/rpc";
import type { CallFacts } from "../domain/call-values.js";
import { chooseAndRender, type ScriptDefinition } from "../domain/script-choice.js";
import type { ScreenPopDeps } from "../deps.js";
import type { LookupAnswer } from "../recognition/recognition-client.js";
import { listScripts, toDefinition } from "../store/scripts.js";

export interface PopBuilder {
  /** The pop a call event means for this user, looked up and rendered with their own token. */
  build(user: { tenantId: string; userId: string; authorization: string }, event: CallEvent, log: Logger): Promise<ScreenPop>;
}

const states = { [CallState.RINGING]: ScreenPopState.RINGING, [CallState.ANSWERED]: ScreenPopState.ANSWERED, [CallState.ENDED]: ScreenPopState.ENDED } as Record<CallState, ScreenPopState>;

/** The other party: the caller of an inbound call, the called number of a click-to-dial. */
export function otherParty(event: CallEvent): CallFacts {
  const outbound = event.direction === CallDirection.OUTBOUND;
  const number = outbound ? event.callee : event.caller;
  return { e164: number?.e164 ?? "", raw: number?.raw ?? "", extension: event.extension, direction: outbound ? "outbound" : "inbound" };
}

/**
 * Builds pops; a user's several streams on this replica share one lookup per
 * call (memoised for the replay window), and the answered/ended updates reuse
 * the ringing pop's content.
 */
export function createPopBuilder(deps: ScreenPopDeps, options: { memoMs: number; scriptsCacheMs?: number }): PopBuilder {
  const scriptsCacheMs = options.scriptsCacheMs ?? 2_000;
  const memo = new Map<string, { at: number; pop: Promise<ScreenPop> }>();
  // A burst of calls reads the tenant's scripts once; a change applies within scriptsCacheMs.
  const scriptCache = new Map<string, { at: number; scripts: Promise<ScriptDefinition[]> }>();
  const scriptsOf = (tenantId: string, now: number): Promise<ScriptDefinition[]> => {
    const cached = scriptCache.get(tenantId);
    if (cached && now - cached.at < scriptsCacheMs) return cached.scripts;
    if (scriptCache.size > 1_000) scriptCache.clear();
    const scripts = withTenant(deps.db, tenantId, (trx) => listScripts(trx)).then((rows) => rows.map(toDefinition));
    scripts.catch(() => scriptCache.delete(tenantId));
    scriptCache.set(tenantId, { at: now, scripts });
    return scripts;
  };
  // Entries are (re)inserted in time order, so the expired ones are at the front.
  const forget = (now: number) => {
    for (const [key, entry] of memo) {
      if (now - entry.at <= options.memoMs) break;
      memo.delete(key);
    }
  };

  const lookup = async (authorization: string, call: CallFacts, log: Logger): Promise<LookupAnswer> => {
    if (!call.e164) return { recognized: false, matches: [] };
    try {
      return await deps.recognition.lookup(authorization, call.e164, deps.lookupTimeoutMs);
    } catch (error) {
      // Better an unrecognised pop in time than none: the agent can still take the call.
      log.warn({ event: "pop.lookup_failed", code: (error as { code?: number }).code, reason: (error as Error).message });
      return { recognized: false, matches: [] };
    }
  };

  const ringing = async (user: { tenantId: string; authorization: string }, event: CallEvent, log: Logger): Promise<ScreenPop> => {
    const call = otherParty(event);
    const [answer, scripts] = await Promise.all([lookup(user.authorization, call, log), scriptsOf(user.tenantId, Date.now())]);
    const matches = answer.recognized ? answer.matches : [];
    const { actions, skipped } = chooseAndRender(scripts, call, matches);
    for (const skip of skipped) log.warn({ event: "pop.script_skipped", scriptId: skip.scriptId, problem: skip.problem.replace(/\{[^}]*\}/g, "{…}") });
    log.debug({ event: "pop.built", callId: event.callId, recognized: matches.length > 0, matches: matches.length, actions: actions.length });
    return create(ScreenPopSchema, {
      callId: event.callId,
      connectionId: event.connectionId,
      state: ScreenPopState.RINGING,
      callerNumber: call.e164 || call.raw,
      extension: event.extension,
      recognized: matches.length > 0,
      displayFields: matches[0]?.displayFields ?? {},
      matchCount: matches.length,
      actions,
      ringTime: event.startTime ?? event.time,
    });
  };

  return {
    async build(user, event, log) {
      const now = Date.now();
      forget(now);
      const key = `${user.tenantId}:${user.userId}:${event.connectionId}:${event.callId}`;
      let entry = memo.get(key);
      if (event.state === CallState.RINGING) {
        if (!entry || now - entry.at > options.memoMs) {
          entry = { at: now, pop: ringing(user, event, log) };
          memo.delete(key);
          memo.set(key, entry);
        }
        return entry.pop;
      }
      const state = states[event.state] ?? ScreenPopState.UNSPECIFIED;
      if (event.state === CallState.ENDED) memo.delete(key);
      const earlier = entry ? await entry.pop.catch(() => undefined) : undefined;
      if (earlier && state === ScreenPopState.ANSWERED) return create(ScreenPopSchema, { ...earlier, state });
      // A retraction says which call, nothing more.
      return create(ScreenPopSchema, { callId: event.callId, connectionId: event.connectionId, state, extension: event.extension, ringTime: event.startTime ?? event.time });
    },
  };
}
