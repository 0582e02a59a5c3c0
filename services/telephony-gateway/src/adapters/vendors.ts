import { PbxVendor } from "@switchboard/proto/switchboard/telephony/v1/resources_pb";
import type { z } from "zod";
import type { AdapterFactory } from "./adapter.js";
import { createAmiAdapter } from "./asterisk-ami/ami-adapter.js";
import { AmiSettings } from "./asterisk-ami/ami-settings.js";
import { createEslAdapter } from "./freeswitch-esl/esl-adapter.js";
import { EslSettings } from "./freeswitch-esl/esl-settings.js";
import { createWebhookAdapter } from "./webhook/webhook-adapter.js";
import { WebhookSettings } from "./webhook/webhook-settings.js";
import type { VendorName } from "../store/schema.js";

/** What the rest of the service needs to know about a vendor. */
export interface Vendor {
  name: VendorName;
  proto: PbxVendor;
  createAdapter: AdapterFactory;
  /** Validates and completes the connection's `settings` map. */
  settings: z.ZodType<Record<string, unknown>>;
  /** Whether a TCP host and port are needed (AMI, ESL) or the PBX calls us (webhook). */
  tcp: boolean;
  /** Whether `username` is part of the credentials. */
  username: boolean;
  minSecretLength: number;
}

export const vendors: Record<VendorName, Vendor> = {
  asterisk_ami: { name: "asterisk_ami", proto: PbxVendor.ASTERISK_AMI, createAdapter: createAmiAdapter, settings: AmiSettings, tcp: true, username: true, minSecretLength: 1 },
  webhook: { name: "webhook", proto: PbxVendor.WEBHOOK, createAdapter: createWebhookAdapter, settings: WebhookSettings, tcp: false, username: false, minSecretLength: 32 },
  freeswitch_esl: { name: "freeswitch_esl", proto: PbxVendor.FREESWITCH_ESL, createAdapter: createEslAdapter, settings: EslSettings, tcp: true, username: false, minSecretLength: 1 },
};

export function vendorOf(proto: PbxVendor): Vendor | undefined {
  return Object.values(vendors).find((vendor) => vendor.proto === proto);
}

/** The dial format a connection's settings ask for (every vendor has `dial_format`). */
export function dialFormatOf(vendor: Vendor, settings: Record<string, string>): "national" | "e164" | "digits" {
  const parsed = vendor.settings.parse(settings) as { dial_format?: "national" | "e164" | "digits" };
  return parsed.dial_format ?? "national";
}
