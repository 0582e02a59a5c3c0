import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes, randomUUID } from "node:crypto";
import { withTenant } from "@switchboard/db";
import { defineEvent, publishEvent } from "@switchboard/events";
import { OrganizationCreatedSchema } from "@switchboard/proto/switchboard/identity/v1/events_pb";
import { silentLogger } from "@switchboard/rpc";
import { startRegionLearning } from "../src/events/organization-events.js";
import { regionOf } from "../src/store/tenant-regions.js";
import { eventually, Harness } from "./support/harness.js";

let harness: Harness;
const tag = randomBytes(5).toString("hex");
const stream = { name: `T_${tag}_ID`, subjects: [`switchboard.t${tag}.>`] };
const created = defineEvent(`switchboard.t${tag}.organization.created`, OrganizationCreatedSchema);

beforeAll(async () => {
  harness = await Harness.start("regions");
});

afterAll(async () => {
  await harness?.events.jsm.streams.delete(stream.name).catch(() => {});
  await harness?.close();
});

describe("default regions", () => {
  it("learns each organisation's default region from identity's organization.created events", async () => {
    const consumer = await startRegionLearning(harness.database.db, harness.events, silentLogger, { durable: `regions-${tag}`, stream, event: created });
    try {
      const nl = randomUUID();
      const unknown = randomUUID();
      await publishEvent(harness.events.js, created, { organizationId: nl, defaultRegion: "NL" }, { msgId: randomUUID() });
      await publishEvent(harness.events.js, created, { organizationId: unknown, defaultRegion: "ZZ" }, { msgId: randomUUID() });
      const region = (tenantId: string) => withTenant(harness.database.db, tenantId, (trx) => regionOf(trx));
      await eventually("NL learnt", async () => (await region(nl)) === "NL");
      expect(await region(unknown)).toBeUndefined();
    } finally {
      await consumer.stop();
    }
  });
});
