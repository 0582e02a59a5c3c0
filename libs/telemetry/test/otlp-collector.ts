import http2 from "node:http2";
import type { AddressInfo } from "node:net";

/**
 * A minimal OTLP/gRPC trace collector: answers every TraceService/Export call
 * with an empty success response and keeps the raw request bodies, so a test
 * can check what the real exporter sent over a real HTTP/2 connection.
 */
export interface OtlpCollector {
  readonly endpoint: string;
  /** All request bodies received so far, as latin1 text for substring checks. */
  received(): string;
  close(): Promise<void>;
}

const EXPORT_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const bodies: Buffer[] = [];
  const server = http2.createServer();
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      if (headers[":path"] === EXPORT_PATH) bodies.push(Buffer.concat(chunks));
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      // One gRPC frame: not compressed, zero-length ExportTraceServiceResponse.
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received: () => Buffer.concat(bodies).toString("latin1"),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
