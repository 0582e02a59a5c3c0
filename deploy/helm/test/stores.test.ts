import { describe, expect, it } from "vitest";
import { named, objectName, ofKind, podSpec, render, renderValueSet, serviceValues, VALUE_SET_NAMES, workloads } from "./chart.js";

describe("the in-cluster Redis (kind values)", () => {
  it("never persists: no RDB snapshots, no append-only file, no volume at all", async () => {
    const redis = named(await renderValueSet("kind"), "Deployment", objectName("redis"));
    const spec = podSpec(redis);
    const args: string[] = spec.containers[0].args;
    expect(args).toEqual(expect.arrayContaining(["--save", "--appendonly"]));
    expect(args[args.indexOf("--save") + 1]).toBe("");
    expect(args[args.indexOf("--appendonly") + 1]).toBe("no");
    expect(spec.volumes ?? []).toEqual([]);
    expect(spec.containers[0].volumeMounts ?? []).toEqual([]);
  });

  it("carries Velero's backup exclusion on the Deployment, its pods and its Service", async () => {
    const manifests = await renderValueSet("kind");
    const deployment = named(manifests, "Deployment", objectName("redis"));
    for (const labels of [
      deployment.metadata.labels,
      deployment.spec.template.metadata.labels,
      named(manifests, "Service", objectName("redis")).metadata.labels,
    ]) {
      expect(labels?.["velero.io/exclude-from-backup"]).toBe("true");
    }
  });

  it("is not rendered when Redis is external (default values)", async () => {
    const manifests = await renderValueSet("default");
    expect(workloads(manifests).map((workload) => workload.metadata.name)).not.toContain(objectName("redis"));
  });
});

describe("NATS JetStream in the cluster", () => {
  it("runs one server for evaluation, with JetStream on", async () => {
    const manifests = await renderValueSet("kind");
    expect(named(manifests, "StatefulSet", objectName("nats")).spec.replicas).toBe(1);
    const config = named(manifests, "ConfigMap", objectName("nats")).data?.["nats.conf"] ?? "";
    expect(config).toContain("jetstream {");
    expect(config).not.toContain("cluster {");
  });

  it("runs three clustered servers that route to each other", async () => {
    const manifests = await render(["values-kind.yaml"], ["nats.inCluster.replicas=3"]);
    expect(named(manifests, "StatefulSet", objectName("nats")).spec.replicas).toBe(3);
    const config = named(manifests, "ConfigMap", objectName("nats")).data?.["nats.conf"] ?? "";
    for (const index of [0, 1, 2]) {
      expect(config).toContain(`nats://${objectName("nats")}-${index}.${objectName("nats")}-cluster:6222`);
    }
    expect(named(manifests, "Service", `${objectName("nats")}-cluster`).spec.clusterIP).toBe("None");
  });
});

describe("the in-cluster PostgreSQL", () => {
  it("is one instance marked evaluation-only, with its password from an existing Secret", async () => {
    const postgres = named(await renderValueSet("kind"), "StatefulSet", objectName("postgres"));
    expect(postgres.spec.replicas).toBe(1);
    expect(postgres.metadata.annotations?.["switchboard.io/evaluation-only"]).toBe("true");
    expect(podSpec(postgres).containers[0].env[0]).toEqual({
      name: "POSTGRES_PASSWORD",
      valueFrom: { secretKeyRef: { name: "switchboard-postgres", key: "POSTGRES_PASSWORD" } },
    });
  });
});

describe("credentials", () => {
  it.each(VALUE_SET_NAMES)("never appear in what the chart renders (%s values): no Secret, no password in a URL", async (valueSet) => {
    const manifests = await renderValueSet(valueSet);
    expect(ofKind(manifests, "Secret")).toEqual([]);
    const values: string[] = [];
    for (const configMap of ofKind(manifests, "ConfigMap")) values.push(...Object.values(configMap.data ?? {}));
    for (const workload of workloads(manifests)) {
      for (const container of podSpec(workload).containers) {
        for (const variable of container.env ?? []) if (typeof variable.value === "string") values.push(variable.value);
      }
    }
    const withPassword = values
      .flatMap((value) => value.match(/[a-z]+:\/\/[^\s/@]*:[^\s/@]*@/g) ?? [])
      // The only password in a URL is the one Kubernetes substitutes from a Secret at start.
      .filter((userinfo) => !/:\$\([A-Z_]+\)@$/.test(userinfo));
    expect(withPassword).toEqual([]);
  });

  it("of each service come from its existing Secret: the database password, and the keys it lists", async () => {
    const manifests = await renderValueSet("default");
    const env = podSpec(named(manifests, "Deployment", objectName("identity"))).containers[0].env;
    expect(env).toEqual([
      { name: "DATABASE_PASSWORD", valueFrom: { secretKeyRef: { name: "switchboard-identity", key: "DATABASE_PASSWORD" } } },
      { name: "DATABASE_URL", value: "postgresql://sb_identity:$(DATABASE_PASSWORD)@postgres:5432/switchboard_identity" },
      { name: "KEY_ENCRYPTION_KEY", valueFrom: { secretKeyRef: { name: "switchboard-identity", key: "KEY_ENCRYPTION_KEY" } } },
    ]);
  });

  it("keep the connection parameters of the external PostgreSQL URL", async () => {
    const manifests = await renderValueSet("production");
    const env = podSpec(named(manifests, "Deployment", objectName("audit-log"))).containers[0].env;
    expect(env.find((variable: { name: string }) => variable.name === "DATABASE_URL")?.value).toBe(
      "postgresql://sb_audit_log_app:$(DATABASE_PASSWORD)@pg.example.internal:5432/switchboard_audit_log?sslmode=verify-full",
    );
  });
});

describe("database migrations", () => {
  const migrating = () =>
    Object.entries(serviceValues())
      .filter(([, service]) => service.enabled && service.migrations)
      .map(([name]) => name);

  it.each(["default", "production"] as const)("run as a pre-install,pre-upgrade hook Job per service (%s values)", async (valueSet) => {
    const manifests = await renderValueSet(valueSet);
    const jobs = ofKind(manifests, "Job");
    expect(jobs.map((job) => job.metadata.name).sort()).toEqual(migrating().map((name) => objectName(`${name}-migrate`)).sort());
    for (const job of jobs) {
      expect(job.metadata.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
      expect(job.metadata.annotations?.["helm.sh/hook-delete-policy"]).toBe("before-hook-creation,hook-succeeded");
      const container = podSpec(job).containers[0];
      expect(container.args).toEqual(["migrate"]);
      expect(podSpec(job).restartPolicy).toBe("Never");
      expect(container.env.map((variable: { name: string }) => variable.name)).toContain("DATABASE_URL");
    }
  });

  it("run after the in-cluster PostgreSQL exists on the first install, and create each database (kind values)", async () => {
    const jobs = ofKind(await renderValueSet("kind"), "Job");
    expect(jobs.length).toBe(migrating().length);
    for (const job of jobs) {
      expect(job.metadata.annotations?.["helm.sh/hook"]).toBe("post-install,pre-upgrade");
      const names = podSpec(job).containers[0].env.map((variable: { name: string }) => variable.name);
      expect(names).toEqual(expect.arrayContaining(["DATABASE_URL", "DATABASE_ADMIN_URL"]));
    }
  });
});
