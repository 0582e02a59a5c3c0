import { create, type DescMethod, type DescMethodServerStreaming, type DescMethodUnary, type DescService, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { Client as GrpcClient, credentials as grpcCredentials, Metadata, type ChannelCredentials, type ClientReadableStream } from "@grpc/grpc-js";
import { fromServiceError } from "./errors.js";
import { deserializerFor, methodPath, serializerFor } from "./service-definition.js";
import { injectTraceContext } from "./trace-context.js";

export interface ChannelOptions {
  credentials?: ChannelCredentials;
  maxMessageBytes?: number;
}

/**
 * A connection to one service address. Dial `dns:///name:port`: with the
 * round_robin policy below the channel resolves every address behind a
 * headless Kubernetes Service and spreads calls over all pods (one long-lived
 * HTTP/2 connection through kube-proxy would pin every call to one pod).
 * One channel can carry several services of the same server.
 */
export type Channel = GrpcClient;

export function openChannel(target: string, options: ChannelOptions = {}): Channel {
  const maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
  return new GrpcClient(target, options.credentials ?? grpcCredentials.createInsecure(), {
    "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    "grpc.keepalive_time_ms": 60_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.enable_retries": 1,
  });
}

export interface CallOptions {
  /** Absolute deadline (epoch ms or Date); pass a handler's `context.deadline` on. */
  deadline?: number | Date;
  /** Relative deadline, used when `deadline` is absent. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra request metadata, e.g. `{ authorization: "Bearer …" }`. */
  metadata?: Metadata | Record<string, string>;
}

type UnaryMethod<I extends DescMethodUnary["input"], O extends DescMethodUnary["output"]> = (
  request: MessageInitShape<I>,
  options?: CallOptions,
) => Promise<MessageShape<O>>;

type StreamMethod<I extends DescMethodUnary["input"], O extends DescMethodUnary["output"]> = (
  request: MessageInitShape<I>,
  options?: CallOptions,
) => AsyncIterable<MessageShape<O>>;

/** Promise-based client: one method per RPC, named by its localName (`lookup`). */
export type Client<S extends DescService> = {
  [P in keyof S["method"]]: S["method"][P] extends DescMethodUnary<infer I, infer O>
    ? UnaryMethod<I, O>
    : S["method"][P] extends DescMethodServerStreaming<infer I, infer O>
      ? StreamMethod<I, O>
      : never;
};

function toMetadata(options: CallOptions): Metadata {
  let metadata: Metadata;
  if (options.metadata instanceof Metadata) {
    metadata = options.metadata.clone();
  } else {
    metadata = new Metadata();
    for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
  }
  injectTraceContext(metadata);
  return metadata;
}

function deadlineOf(options: CallOptions, defaultTimeoutMs: number | undefined): Date | number {
  if (options.deadline !== undefined) return options.deadline;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  return timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
}

function unaryCall(channel: Channel, method: DescMethod, defaultTimeoutMs: number | undefined) {
  const path = methodPath(method);
  const serialize = serializerFor(method.input);
  const deserialize = deserializerFor(method.output);
  return (request: unknown, options: CallOptions = {}) =>
    new Promise((resolve, reject) => {
      const call = channel.makeUnaryRequest(
        path,
        serialize,
        deserialize,
        create(method.input, request as never),
        toMetadata(options),
        { deadline: deadlineOf(options, defaultTimeoutMs) },
        (error, response) => (error ? reject(fromServiceError(error)) : resolve(response)),
      );
      options.signal?.addEventListener("abort", () => call.cancel(), { once: true });
    });
}

function streamingCall(channel: Channel, method: DescMethod, defaultTimeoutMs: number | undefined) {
  const path = methodPath(method);
  const serialize = serializerFor(method.input);
  const deserialize = deserializerFor(method.output);
  return (request: unknown, options: CallOptions = {}): AsyncIterable<unknown> => ({
    async *[Symbol.asyncIterator]() {
      const call: ClientReadableStream<unknown> = channel.makeServerStreamRequest(
        path,
        serialize,
        deserialize,
        create(method.input, request as never),
        toMetadata(options),
        { deadline: deadlineOf(options, defaultTimeoutMs) },
      );
      const cancel = () => call.cancel();
      options.signal?.addEventListener("abort", cancel, { once: true });
      try {
        for await (const message of call) yield message;
      } catch (error) {
        throw fromServiceError(error);
      } finally {
        options.signal?.removeEventListener("abort", cancel);
        call.cancel(); // no-op when the stream already ended; frees it when the consumer stopped early
      }
    },
  });
}

/** A typed client for `service` over `channel`; `defaultTimeoutMs` applies when a call gives no deadline. */
export function createClient<S extends DescService>(service: S, channel: Channel, defaults: { timeoutMs?: number } = {}): Client<S> {
  const client: Record<string, unknown> = {};
  for (const method of service.methods) {
    if (method.methodKind === "unary") client[method.localName] = unaryCall(channel, method, defaults.timeoutMs);
    else if (method.methodKind === "server_streaming") client[method.localName] = streamingCall(channel, method, defaults.timeoutMs);
  }
  return client as Client<S>;
}
