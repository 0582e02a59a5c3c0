import { Service, ServiceAccount, ConfigMap, Secret } from "kubernetes-models/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { describe, expect, it } from "vitest";
import { helm, renderValueSet, VALUE_SET_NAMES, VALUE_SETS, type Manifest } from "./chart.js";

// The Kubernetes API schemas (OpenAPI of Kubernetes 1.27, compiled into
// kubernetes-models), one model per kind the chart may render. A kind missing
// here fails the test: add its model rather than skip its validation.
const MODELS: Record<string, { new (data: never): { validate(): void } }> = {
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "batch/v1/Job": Job,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/Ingress": Ingress,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
};

function validationErrors(manifests: readonly Manifest[]): string[] {
  const errors: string[] = [];
  for (const manifest of manifests) {
    const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
    if (!Model) {
      errors.push(`${manifest.apiVersion} ${manifest.kind} ${manifest.metadata.name}: no Kubernetes model to validate it against`);
      continue;
    }
    try {
      new Model(manifest as never).validate();
    } catch (error) {
      errors.push(`${manifest.kind} ${manifest.metadata.name}: ${(error as Error).message}`);
    }
  }
  return errors;
}

describe.each(VALUE_SET_NAMES)("the chart with the %s values", (valueSet) => {
  it("passes helm lint --strict", async () => {
    const result = await helm(["lint", ".", "--strict", ...VALUE_SETS[valueSet].flatMap((file) => ["-f", file])]);
    expect(result.stderr + result.stdout).toContain("0 chart(s) failed");
    expect(result.code).toBe(0);
  });

  it("renders manifests that validate against the Kubernetes API schemas", async () => {
    const manifests = await renderValueSet(valueSet);
    expect(manifests.length).toBeGreaterThan(10);
    expect(validationErrors(manifests)).toEqual([]);
  });

  it("names every object uniquely within its kind, within Kubernetes' 63-character limit", async () => {
    const manifests = await renderValueSet(valueSet);
    const keys = manifests.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const manifest of manifests) expect(manifest.metadata.name.length, manifest.metadata.name).toBeLessThanOrEqual(63);
  });
});

describe("the Kubernetes schema validation", () => {
  it("catches a manifest Kubernetes would refuse", () => {
    const broken = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "broken" },
      spec: { selector: {}, template: { spec: { containers: [{ name: "x", image: "x", ports: [{ containerPort: "http" }] }] } } },
    } as unknown as Manifest;
    expect(validationErrors([broken]).join("\n")).toContain("containerPort must be integer");
  });
});
