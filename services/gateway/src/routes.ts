import type { DescService } from "@bufbuild/protobuf";
import { AuditService } from "@switchboard/proto/switchboard/audit/v1/audit_pb";
import { AccessReviewService } from "@switchboard/proto/switchboard/identity/v1/access_reviews_pb";
import { AuthService } from "@switchboard/proto/switchboard/identity/v1/auth_pb";
import { OrganizationService } from "@switchboard/proto/switchboard/identity/v1/organizations_pb";
import { ServiceAccountService } from "@switchboard/proto/switchboard/identity/v1/service_accounts_pb";
import { UserService } from "@switchboard/proto/switchboard/identity/v1/users_pb";
import { DebugSessionService } from "@switchboard/proto/switchboard/support/v1/debug_sessions_pb";
import { PbxConnectionService } from "@switchboard/proto/switchboard/telephony/v1/pbx_connections_pb";
import { TelephonyService } from "@switchboard/proto/switchboard/telephony/v1/telephony_pb";
import { DataSourceService } from "@switchboard/proto/switchboard/recognition/v1/data_sources_pb";
import { RecognitionService } from "@switchboard/proto/switchboard/recognition/v1/recognition_pb";
import { SyncService } from "@switchboard/proto/switchboard/recognition/v1/sync_pb";
import { ScreenPopService } from "@switchboard/proto/switchboard/screenpop/v1/screen_pops_pb";
import { ScriptService } from "@switchboard/proto/switchboard/screenpop/v1/scripts_pb";
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
 * and setting that upstream's address (RECOGNITION_ADDR). A service whose
 * address is not configured is left out, so a partial local platform starts.
 */
export function publicRoutes(upstreams: Upstreams): RouteTable {
  const routes: ExposedService[] = [];
  if (upstreams.targets.identity) {
    const identity = upstreams.channel("identity");
    routes.push(
      expose(AuthService, identity),
      expose(UserService, identity),
      expose(OrganizationService, identity),
      expose(ServiceAccountService, identity),
      expose(AccessReviewService, identity),
    );
  }
  if (upstreams.targets.recognition) {
    const recognition = upstreams.channel("recognition");
    routes.push(expose(RecognitionService, recognition), expose(DataSourceService, recognition), expose(SyncService, recognition));
  }
  if (upstreams.targets.auditLog) routes.push(expose(AuditService, upstreams.channel("auditLog")));
  if (upstreams.targets.support) routes.push(expose(DebugSessionService, upstreams.channel("support")));
  if (upstreams.targets.telephony) routes.push(expose(TelephonyService, upstreams.channel("telephony")));
  if (upstreams.targets.telephony) routes.push(expose(PbxConnectionService, upstreams.channel("telephony")));
  if (upstreams.targets.screenpop) routes.push(expose(ScriptService, upstreams.channel("screenpop")), expose(ScreenPopService, upstreams.channel("screenpop")));
  return routes;
}
