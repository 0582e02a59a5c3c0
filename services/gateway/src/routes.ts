import type { DescService } from "@bufbuild/protobuf";
import type { Channel } from "@switchboard/rpc";
import type { Upstreams } from "./upstreams.js";

/** One internal service made public: every unary and server-streaming method forwards to `channel`. */
export interface ExposedService {
  readonly service: DescService;
  readonly channel: Channel;
}

export type RouteTable = readonly ExposedService[];

export function expose(service: DescService, channel: Channel): ExposedService {
  return { service, channel };
}

/**
 * THE table of what the outside world can call. Nothing else is reachable
 * through the gateway: an internal-only service simply is not listed.
 *
 * Exposing a service is one line (plus its import), e.g.
 *
 *   import { RecognitionService } from "@switchboard/proto/switchboard/recognition/v1/recognition_pb";
 *   expose(RecognitionService, upstreams.channel("recognition")),
 *
 * and making that upstream's address (RECOGNITION_ADDR) required in config.ts.
 * Empty for now: the internal services arrive with their own issues.
 */
export function publicRoutes(upstreams: Upstreams): RouteTable {
  return [];
}
