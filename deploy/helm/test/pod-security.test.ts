import { describe, expect, it } from "vitest";
import {
  chartValues,
  component,
  named,
  objectName,
  ofKind,
  podSpec,
  RELEASE,
  renderValueSet,
  serviceValues,
  VALUE_SET_NAMES,
  VALUE_SETS,
  workloads,
  type Manifest,
} from "./chart.js";

// Every container the chart runs, services and dependencies alike, with the
// workload it belongs to.
function containers(manifests: readonly Manifest[]) {
  return workloads(manifests).flatMap((workload) => {
    const spec = podSpec(workload);
    return [...(spec.initContainers ?? []), ...spec.containers].map((container) => ({ workload, spec, container }));
  });
}

const enabledServices = (manifests: readonly Manifest[]) =>
  ofKind(manifests, "Deployment")
    .map((deployment) => component(deployment) as string)
    .filter((name) => name in serviceValues());

describe.each(VALUE_SET_NAMES)("pods rendered with the %s values", (valueSet) => {
  it("run every container as non-root, read-only, unprivileged, all capabilities dropped, seccomp RuntimeDefault", async () => {
    const manifests = await renderValueSet(valueSet);
    const all = containers(manifests);
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const { workload, spec, container } of all) {
      const where = `${workload.kind} ${workload.metadata.name}, container ${container.name}`;
      const context = container.securityContext ?? {};
      expect(spec.securityContext?.runAsNonRoot, where).toBe(true);
      expect(spec.securityContext?.seccompProfile?.type, where).toBe("RuntimeDefault");
      expect(context.runAsNonRoot, where).toBe(true);
      expect(context.runAsUser, where).toBeGreaterThan(0);
      expect(context.readOnlyRootFilesystem, where).toBe(true);
      expect(context.allowPrivilegeEscalation, where).toBe(false);
      expect(context.privileged ?? false, where).toBe(false);
      expect(context.capabilities?.drop, where).toEqual(["ALL"]);
      expect(context.capabilities?.add ?? [], where).toEqual([]);
      expect(context.seccompProfile?.type, where).toBe("RuntimeDefault");
      expect(spec.hostNetwork ?? false, where).toBe(false);
      expect(spec.automountServiceAccountToken, where).toBe(false);
    }
  });

  it("give every container CPU and memory requests and limits", async () => {
    for (const { workload, container } of containers(await renderValueSet(valueSet))) {
      const where = `${workload.metadata.name}/${container.name}`;
      for (const bound of ["requests", "limits"]) {
        expect(container.resources?.[bound]?.cpu, `${where} ${bound}.cpu`).toBeDefined();
        expect(container.resources?.[bound]?.memory, `${where} ${bound}.memory`).toBeDefined();
      }
    }
  });

  it("label every pod as part of the release, so the default-deny NetworkPolicy selects it", async () => {
    for (const workload of workloads(await renderValueSet(valueSet))) {
      const labels = workload.kind === "CronJob" ? {} : workload.spec.template.metadata.labels;
      expect(labels["app.kubernetes.io/instance"], workload.metadata.name).toBe(RELEASE);
      expect(labels["app.kubernetes.io/name"], workload.metadata.name).toBe("switchboard");
      expect(labels["app.kubernetes.io/component"], workload.metadata.name).toBeTruthy();
    }
  });

  it("probe gRPC services with native gRPC probes on their port, and the gateway over HTTP", async () => {
    const manifests = await renderValueSet(valueSet);
    const services = serviceValues();
    const names = enabledServices(manifests);
    expect(names).toEqual(expect.arrayContaining(["gateway", "identity", "audit-log"]));
    for (const name of names) {
      const container = podSpec(named(manifests, "Deployment", objectName(name))).containers[0];
      const port = container.ports[0].containerPort;
      expect(port, name).toBe(services[name]?.port);
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        if (services[name]?.healthCheck === "grpc") {
          // Liveness asks the always-SERVING "liveness" name: a store outage must not restart pods.
          const grpc = probe === "livenessProbe" ? { port, service: "liveness" } : { port };
          expect(container[probe], `${name} ${probe}`).toEqual(expect.objectContaining({ grpc }));
          expect(container[probe].httpGet, `${name} ${probe}`).toBeUndefined();
        } else {
          expect(container[probe].httpGet, `${name} ${probe}`).toEqual({ path: probe === "readinessProbe" ? "/readyz" : "/healthz", port });
        }
      }
    }
  });

  it("give each service its Deployment, ServiceAccount, ConfigMap, disruption budget, autoscaler and spread over nodes", async () => {
    const manifests = await renderValueSet(valueSet);
    const defaults = chartValues();
    const overrides = VALUE_SETS[valueSet].map((file) => chartValues(file));
    for (const name of enabledServices(manifests)) {
      const deployment = named(manifests, "Deployment", objectName(name));
      const spec = podSpec(deployment);
      expect(spec.serviceAccountName).toBe(named(manifests, "ServiceAccount", objectName(name)).metadata.name);
      expect(spec.containers[0].envFrom).toEqual([{ configMapRef: { name: named(manifests, "ConfigMap", objectName(name)).metadata.name } }]);
      const budget = named(manifests, "PodDisruptionBudget", objectName(name));
      expect(budget.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      const keys = spec.topologySpreadConstraints.map((constraint: { topologyKey: string }) => constraint.topologyKey);
      expect(keys).toEqual(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
      const autoscaler = ofKind(manifests, "HorizontalPodAutoscaler").find((hpa) => hpa.metadata.name === objectName(name));
      const autoscaled = [defaults, ...overrides].reduce<boolean>(
        (enabled, values) => values.services?.[name]?.autoscaling?.enabled ?? enabled,
        false,
      );
      expect(autoscaler !== undefined).toBe(autoscaled);
      // With an autoscaler the Deployment leaves replicas to it (an upgrade would otherwise reset them).
      expect(deployment.spec.replicas === undefined).toBe(autoscaled);
      if (autoscaler) expect(autoscaler.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: objectName(name) });
    }
  });

  it("put each gRPC service behind a headless Service, for grpc-js round-robin over every pod", async () => {
    const manifests = await renderValueSet(valueSet);
    for (const name of enabledServices(manifests)) {
      const service = named(manifests, "Service", objectName(name));
      if (serviceValues()[name]?.healthCheck === "grpc") {
        expect(service.spec.clusterIP, name).toBe("None");
        expect(service.spec.ports[0].port).toBe(serviceValues()[name]?.port);
      } else {
        expect(service.spec.clusterIP, name).toBeUndefined();
      }
    }
  });
});

describe("the gateway's entry", () => {
  it("is an Ingress with TLS in the production example, and a node port in kind", async () => {
    const production = await renderValueSet("production");
    const ingress = named(production, "Ingress", objectName("gateway"));
    expect(ingress.spec.tls[0].hosts).toEqual(["switchboard.example.com"]);
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: objectName("gateway"), port: { name: "http" } });
    const kind = await renderValueSet("kind");
    expect(ofKind(kind, "Ingress")).toEqual([]);
    expect(named(kind, "Service", objectName("gateway")).spec).toEqual(
      expect.objectContaining({ type: "NodePort", ports: [expect.objectContaining({ nodePort: 30080, targetPort: "http" })] }),
    );
  });
});
