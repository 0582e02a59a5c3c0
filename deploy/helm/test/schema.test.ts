import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CHART, chartValues, renderError } from "./chart.js";

type Schema = {
  type?: string | string[];
  $ref?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  description?: string;
};

const schema: Schema & { definitions: Record<string, Schema> } = JSON.parse(readFileSync(`${CHART}values.schema.json`, "utf8"));

function resolve(node: Schema): Schema {
  return node.$ref ? resolve(schema.definitions[node.$ref.replace("#/definitions/", "")] as Schema) : node;
}

// Every leaf path of a value, e.g. "services.identity.autoscaling.minReplicas";
// arrays and free-form maps (env, labels) end the walk where the schema says so.
function undescribed(value: unknown, node: Schema, path: string): string[] {
  const resolved = resolve(node);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  const missing: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const childSchema = resolved.properties?.[key] ?? (typeof resolved.additionalProperties === "object" ? resolved.additionalProperties : undefined);
    if (!childSchema) missing.push(`${path}${key}`);
    else missing.push(...undescribed(child, childSchema, `${path}${key}.`));
  }
  return missing;
}

describe("values.schema.json", () => {
  it.each(["values.yaml", "values-kind.yaml", "values-production.example.yaml"])("describes every value in %s", (file) => {
    expect(undescribed(chartValues(file), schema, "")).toEqual([]);
  });

  it("closes every object that is not a free-form map, so a misspelt key is an error", () => {
    const open: string[] = [];
    const walk = (node: Schema, path: string) => {
      const resolved = resolve(node);
      if (resolved.properties) {
        if (resolved.additionalProperties !== false) open.push(path || "(root)");
        for (const [key, child] of Object.entries(resolved.properties)) walk(child, `${path}.${key}`);
      }
      if (resolved.items) walk(resolved.items, `${path}[]`);
    };
    walk(schema, "");
    expect(open).toEqual([]);
  });

  it("refuses a replica count that is not a number, naming the value", async () => {
    expect(await renderError([], ["services.identity.replicas=three"])).toContain("at '/services/identity/replicas': got string, want integer");
  });

  it("refuses a negative replica count", async () => {
    expect(await renderError([], ["services.identity.replicas=-1"])).toContain("at '/services/identity/replicas': minimum: got -1, want 1");
  });

  it("refuses an unknown key", async () => {
    expect(await renderError([], ["services.identity.replica=3"])).toContain("at '/services/identity': additional properties 'replica' not allowed");
    expect(await renderError([], ["imagee.tag=x"])).toContain("additional properties 'imagee' not allowed");
  });

  it("refuses a database address that is not a postgres:// URL, or one carrying credentials", async () => {
    for (const url of ["db.example.com:5432", "https://db.example.com", "postgresql://admin:secret@db.example.com:5432"]) {
      expect(await renderError([], [`postgres.external.url=${url}`]), url).toContain("at '/postgres/external/url': '");
    }
  });

  it("refuses a NATS cluster of two (JetStream needs a majority: 1 or 3)", async () => {
    expect(await renderError(["values-kind.yaml"], ["nats.inCluster.replicas=2"])).toContain("at '/nats/inCluster/replicas'");
  });

  it("refuses a call to a service the chart does not know", async () => {
    expect(await renderError([], ["services.audit-log.calls={identiy}"])).toContain("at '/services/audit-log/calls/0'");
  });

  it("refuses a service without the Secret its credentials come from, naming the keys", async () => {
    expect(await renderError([], ["services.identity.existingSecret="])).toContain(
      "services.identity.existingSecret is empty: name the Secret holding its DATABASE_PASSWORD, KEY_ENCRYPTION_KEY",
    );
  });

  it("refuses an autoscaler whose minimum exceeds its maximum", async () => {
    expect(await renderError([], ["services.identity.autoscaling.minReplicas=9", "services.identity.autoscaling.maxReplicas=3"])).toContain(
      "services.identity.autoscaling: minReplicas (9) is larger than maxReplicas (3)",
    );
  });
});
