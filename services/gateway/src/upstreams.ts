import { openChannel, type Channel } from "@switchboard/rpc";
import { UPSTREAM_VARIABLES, type UpstreamName } from "./config.js";

/** One grpc-js channel per configured internal service; a channel carries all of that server's services. */
export interface Upstreams {
  /** The channel to `name`; throws, naming the variable to set, when its address is not configured. */
  channel(name: UpstreamName): Channel;
  /** The configured addresses, by name: what /readyz checks. */
  readonly targets: Readonly<Partial<Record<UpstreamName, string>>>;
  close(): void;
}

export function openUpstreams(targets: Partial<Record<UpstreamName, string>>): Upstreams {
  const channels = new Map<UpstreamName, Channel>();
  for (const [name, target] of Object.entries(targets) as [UpstreamName, string][]) {
    channels.set(name, openChannel(target));
  }
  return {
    targets,
    channel(name) {
      const channel = channels.get(name);
      if (!channel) {
        throw new Error(
          `the gateway exposes a service of ${name}, but ${UPSTREAM_VARIABLES[name]} is not set: set it to that service's gRPC address (e.g. dns:///127.0.0.1:50051)`,
        );
      }
      return channel;
    },
    close() {
      for (const channel of channels.values()) channel.close();
    },
  };
}
