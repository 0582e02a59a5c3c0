import { RecognitionService } from "@switchboard/proto/switchboard/recognition/v1/recognition_pb";
import { maxLength, registerService, required, violations, type ServiceImpl } from "@switchboard/rpc";
import type { RecognitionDeps } from "../deps.js";
import { lookupNumber } from "../lookup/lookup-number.js";
import { callerOf } from "./caller.js";

export function recognitionHandlers(deps: RecognitionDeps): ServiceImpl<typeof RecognitionService> {
  return {
    async lookup(request, context) {
      const { tenantId } = callerOf(context);
      // The caller's deadline, less a margin for the answer's way back, and never more than LOOKUP_DEADLINE.
      const deadline = Math.min(Date.now() + deps.lookupDeadlineMs, context.deadline - 5);
      return lookupNumber(deps, tenantId, request.number, deadline);
    },
  };
}

export function recognitionService(deps: RecognitionDeps) {
  return registerService(RecognitionService, recognitionHandlers(deps), {
    validate: {
      lookup: (r) => violations(required(r.number, "number") ?? maxLength(r.number, 64, "number")),
    },
  });
}
