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

// The architecture, written out by hand (not derived from the chart): the
// services enabled by default, their gRPC ports, the stores each uses, and who
// calls whom.
const PORTS: Record<string, number> = { identity: 50051, recognition: 50052, "telephony-gateway": 50053, screenpop: 50054, "audit-log": 50055, support: 50057 };
type Store = "postgres" | "redis" | "nats";
const STORES: Record<string, Store[]> = {
  identity: ["postgres", "redis", "nats"],
  recognition: ["postgres", "redis", "nats"],
  "telephony-gateway": ["postgres", "nats"],
  screenpop: ["postgres", "nats"],
  "audit-log": ["postgres", "nats"],
  support: ["postgres", "nats"],
};
const CALLS_MADE: [string, string][] = [
  ...Object.keys(PORTS).map((service): [string, string] => ["gateway", service]),
  ["recognition", "identity"],
  ["telephony-gateway", "identity"],
  ["screenpop", "identity"],
  ["screenpop", "recognition"],
  ["audit-log", "identity"],
  ["support", "identity"],
];
const SERVICES = Object.keys(STORES);

const DNS = ["* -> dns :53/TCP", "* -> dns :53/UDP"];
const CALLS = CALLS_MADE.flatMap(([from, to]) => [`${from} -> ${to} :${PORTS[to]}/TCP`, `${to} <- ${from} :${PORTS[to]}/TCP`]);
// telephony-gateway alone opens connections to customers' PBXes (AMI, ESL, HTTPS).
const pbxFlows = (peer: string) => [5038, 8021, 443].map((port) => `telephony-gateway -> ${peer} :${port}/TCP`);

/** Egress to the stores (and the migration Jobs' to PostgreSQL), given where each store is and its port. */
function storeFlows(where: Record<Store, { peer: string; port: number }>): string[] {
  return SERVICES.flatMap((service) => [
    ...STORES[service]!.map((store) => `${service} -> ${where[store].peer} :${where[store].port}/TCP`),
    `${service}-migrations -> ${where.postgres.peer} :${where.postgres.port}/TCP`,
  ]);
}

describe("NetworkPolicies", () => {
  it("deny everything by default for every pod of the release, in every value set", async () => {
    for (const valueSet of ["default", "kind", "production"] as const) {
      const policy = defaultDeny(await renderValueSet(valueSet));
      expect(policy, valueSet).toBeDefined();
      expect(policy?.spec.podSelector.matchLabels).toEqual({ "app.kubernetes.io/name": "switchboard", "app.kubernetes.io/instance": RELEASE });
    }
  });

  it("allow exactly the architecture's flows with external stores (default values)", async () => {
    const anywhere = (port: number) => ({ peer: "any", port });
    expect(flows(await renderValueSet("default"))).toEqual(
      [...DNS, ...CALLS, ...pbxFlows("any"), "gateway <- any :8080/TCP", ...storeFlows({ postgres: anywhere(5432), redis: anywhere(6379), nats: anywhere(4222) })].sort(),
    );
  });

  it("allow exactly the architecture's flows with in-cluster stores (kind values)", async () => {
    const inCluster = storeFlows({ postgres: { peer: "postgres", port: 5432 }, redis: { peer: "redis", port: 6379 }, nats: { peer: "nats", port: 4222 } });
    // Each store admits exactly the services that use it (and PostgreSQL the migration Jobs).
    const storesAdmit = SERVICES.flatMap((service) => [
      ...STORES[service]!.map((store) => `${store} <- ${service} :${{ postgres: 5432, redis: 6379, nats: 4222 }[store]}/TCP`),
      `postgres <- ${service}-migrations :5432/TCP`,
    ]);
    expect(flows(await renderValueSet("kind"))).toEqual([...DNS, ...CALLS, ...pbxFlows("any"), "gateway <- any :8080/TCP", ...inCluster, ...storesAdmit].sort());
  });

  it("allow exactly the architecture's flows to the configured peers (production example)", async () => {
    const otlp = ["gateway", ...SERVICES].map((name) => `${name} -> ns:observability :4317/TCP`);
    const stores = storeFlows({
      postgres: { peer: "cidr:10.20.0.0/24", port: 5432 },
      redis: { peer: "cidr:10.20.1.0/24", port: 6380 },
      nats: { peer: "cidr:10.20.2.0/24", port: 4222 },
    });
    expect(flows(await renderValueSet("production"))).toEqual(
      [...DNS, ...CALLS, ...otlp, ...pbxFlows("cidr:0.0.0.0/0 except 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"), "gateway <- ns:ingress-nginx :8080/TCP", ...stores].sort(),
    );
  });

  it("let telephony-gateway reach PBXes and receive webhooks, and NATS servers reach each other", async () => {
    const manifests = await render(["values-kind.yaml"], ["telephony.webhooks.enabled=true", "nats.inCluster.replicas=3"]);
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
