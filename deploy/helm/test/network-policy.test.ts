import { describe, expect, it } from "vitest";
import { ofKind, RELEASE, render, renderValueSet, type Manifest } from "./chart.js";

type Peer = {
  podSelector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string; except?: string[] };
};
type Rule = { ports?: { protocol?: string; port: number }[]; from?: Peer[]; to?: Peer[] };

const COMPONENT = "app.kubernetes.io/component";

// What a peer stands for, one name per component it can match:
// a component of this release, "dns", "ns:<name>", "cidr:<cidr>", or "any".
function peerNames(peer: Peer): string[] {
  if (peer.ipBlock) return [`cidr:${peer.ipBlock.cidr}${peer.ipBlock.except ? ` except ${peer.ipBlock.except.join(",")}` : ""}`];
  const pods = peer.podSelector;
  if (peer.namespaceSelector) {
    const namespace = peer.namespaceSelector.matchLabels?.["kubernetes.io/metadata.name"];
    if (pods?.matchLabels?.["k8s-app"] === "kube-dns") return ["dns"];
    if (pods) throw new Error(`unexpected namespace+pod peer ${JSON.stringify(peer)}`);
    return [`ns:${namespace}`];
  }
  if (pods) {
    // A pod peer must stay inside this release: it names the release and its components.
    expect(pods.matchLabels?.["app.kubernetes.io/instance"]).toBe(RELEASE);
    const single = pods.matchLabels?.[COMPONENT];
    if (single) return [single];
    const expression = pods.matchExpressions?.find((e) => e.key === COMPONENT && e.operator === "In");
    if (expression) return expression.values;
    throw new Error(`a pod peer selecting the whole release: ${JSON.stringify(peer)}`);
  }
  throw new Error(`unexpected peer ${JSON.stringify(peer)}`);
}

/**
 * Every allowed flow, one line each:
 *   "identity <- gateway :50051/TCP"   (ingress to identity from the gateway)
 *   "identity -> any :5432/TCP"        (egress from identity to any address)
 * "*" is every pod of the release.
 */
function flows(manifests: readonly Manifest[]): string[] {
  const lines: string[] = [];
  for (const policy of ofKind(manifests, "NetworkPolicy")) {
    const selected = policy.spec.podSelector.matchLabels ?? {};
    expect(selected["app.kubernetes.io/instance"], policy.metadata.name).toBe(RELEASE);
    const subject = selected[COMPONENT] ?? "*";
    for (const [direction, rules, arrow] of [
      ["ingress", policy.spec.ingress as Rule[] | undefined, "<-"],
      ["egress", policy.spec.egress as Rule[] | undefined, "->"],
    ] as const) {
      if ((rules ?? []).length > 0) expect(policy.spec.policyTypes, policy.metadata.name).toContain(direction === "ingress" ? "Ingress" : "Egress");
      for (const rule of rules ?? []) {
        const peers = (direction === "ingress" ? rule.from : rule.to) ?? [];
        const names = peers.length === 0 ? ["any"] : peers.flatMap(peerNames);
        const ports = (rule.ports ?? []).map((port) => `:${port.port}/${port.protocol ?? "TCP"}`);
        expect(ports.length, `${policy.metadata.name}: a rule without ports opens every port`).toBeGreaterThan(0);
        for (const name of names) for (const port of ports) lines.push(`${subject} ${arrow} ${name} ${port}`);
      }
    }
  }
  return lines.sort();
}

function defaultDeny(manifests: readonly Manifest[]): Manifest | undefined {
  return ofKind(manifests, "NetworkPolicy").find(
    (policy) =>
      policy.spec.podSelector.matchLabels?.[COMPONENT] === undefined &&
      policy.spec.podSelector.matchExpressions === undefined &&
      policy.spec.policyTypes?.includes("Ingress") &&
      policy.spec.policyTypes?.includes("Egress") &&
      (policy.spec.ingress ?? []).length === 0 &&
      (policy.spec.egress ?? []).length === 0,
  );
}

// The flows every value set shares: DNS, the gateway's entry and the gRPC calls.
const DNS = ["* -> dns :53/TCP", "* -> dns :53/UDP"];
const CALLS = [
  "gateway -> identity :50051/TCP",
  "gateway -> audit-log :50055/TCP",
  "identity <- gateway :50051/TCP",
  "identity <- audit-log :50051/TCP",
  "audit-log <- gateway :50055/TCP",
  "audit-log -> identity :50051/TCP",
];

describe("NetworkPolicies", () => {
  it("deny everything by default for every pod of the release, in every value set", async () => {
    for (const valueSet of ["default", "kind", "production"] as const) {
      const policy = defaultDeny(await renderValueSet(valueSet));
      expect(policy, valueSet).toBeDefined();
      expect(policy?.spec.podSelector.matchLabels).toEqual({ "app.kubernetes.io/name": "switchboard", "app.kubernetes.io/instance": RELEASE });
    }
  });

  it("allow exactly the architecture's flows with external stores (default values)", async () => {
    expect(flows(await renderValueSet("default"))).toEqual(
      [
        ...DNS,
        ...CALLS,
        "gateway <- any :8080/TCP",
        "identity -> any :5432/TCP",
        "identity -> any :6379/TCP",
        "identity -> any :4222/TCP",
        "audit-log -> any :5432/TCP",
        "audit-log -> any :4222/TCP",
        "identity-migrations -> any :5432/TCP",
        "audit-log-migrations -> any :5432/TCP",
      ].sort(),
    );
  });

  it("allow exactly the architecture's flows with in-cluster stores (kind values)", async () => {
    expect(flows(await renderValueSet("kind"))).toEqual(
      [
        ...DNS,
        ...CALLS,
        "gateway <- any :8080/TCP",
        "identity -> postgres :5432/TCP",
        "identity -> redis :6379/TCP",
        "identity -> nats :4222/TCP",
        "audit-log -> postgres :5432/TCP",
        "audit-log -> nats :4222/TCP",
        "identity-migrations -> postgres :5432/TCP",
        "audit-log-migrations -> postgres :5432/TCP",
        "postgres <- identity :5432/TCP",
        "postgres <- identity-migrations :5432/TCP",
        "postgres <- audit-log :5432/TCP",
        "postgres <- audit-log-migrations :5432/TCP",
        "redis <- identity :6379/TCP",
        "nats <- identity :4222/TCP",
        "nats <- audit-log :4222/TCP",
      ].sort(),
    );
  });

  it("allow exactly the architecture's flows to the configured peers (production example)", async () => {
    const otlp = ["gateway", "identity", "audit-log"].map((name) => `${name} -> ns:observability :4317/TCP`);
    expect(flows(await renderValueSet("production"))).toEqual(
      [
        ...DNS,
        ...CALLS,
        ...otlp,
        "gateway <- ns:ingress-nginx :8080/TCP",
        "identity -> cidr:10.20.0.0/24 :5432/TCP",
        "identity -> cidr:10.20.1.0/24 :6380/TCP",
        "identity -> cidr:10.20.2.0/24 :4222/TCP",
        "audit-log -> cidr:10.20.0.0/24 :5432/TCP",
        "audit-log -> cidr:10.20.2.0/24 :4222/TCP",
        "identity-migrations -> cidr:10.20.0.0/24 :5432/TCP",
        "audit-log-migrations -> cidr:10.20.0.0/24 :5432/TCP",
      ].sort(),
    );
  });

  it("let telephony-gateway reach PBXes and receive webhooks, and NATS servers reach each other", async () => {
    const manifests = await render(
      ["values-kind.yaml"],
      ["services.telephony-gateway.enabled=true", "telephony.webhooks.enabled=true", "nats.inCluster.replicas=3"],
    );
    const all = flows(manifests);
    expect(all).toEqual(
      expect.arrayContaining([
        "telephony-gateway -> any :5038/TCP",
        "telephony-gateway -> any :8021/TCP",
        "telephony-gateway -> any :443/TCP",
        "telephony-gateway <- any :8090/TCP",
        "telephony-gateway <- gateway :50053/TCP",
        "telephony-gateway -> identity :50051/TCP",
        "identity <- telephony-gateway :50051/TCP",
        "postgres <- telephony-gateway-migrations :5432/TCP",
        "nats <- nats :6222/TCP",
        "nats -> nats :6222/TCP",
      ]),
    );
    // The PBX ports are telephony-gateway's alone.
    expect(all.filter((flow) => flow.includes(":5038/"))).toEqual(["telephony-gateway -> any :5038/TCP"]);
  });

  it("are left out entirely when turned off", async () => {
    expect(ofKind(await render([], ["networkPolicy.enabled=false"]), "NetworkPolicy")).toEqual([]);
  });
});
