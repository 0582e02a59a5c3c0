import { fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { encodeProtobufTextWithBuffers } from "./text-encoding.js";

encodeProtobufTextWithBuffers();

/** The HTTP/2 path of a method: `/package.Service/Method`. */
export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

export function serializerFor(schema: DescMessage) {
  return (message: unknown): Buffer => {
    const bytes = toBinary(schema, message as never);
    // A view, not a copy: grpc-js only needs a Buffer around the same bytes.
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

export function deserializerFor(schema: DescMessage) {
  return (bytes: Buffer): unknown => fromBinary(schema, bytes);
}

/**
 * Builds a grpc-js service definition from a protobuf-es service descriptor,
 * so services are declared once (in proto/) and served without proto-loader.
 * Client and bidi streaming are refused: no Switchboard API uses them.
 */
export function toGrpcServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    if (method.methodKind !== "unary" && method.methodKind !== "server_streaming") {
      throw new Error(`${service.typeName}.${method.name}: ${method.methodKind} methods are not supported`);
    }
    definition[method.localName] = {
      path: methodPath(method),
      requestStream: false,
      responseStream: method.methodKind === "server_streaming",
      requestSerialize: serializerFor(method.input),
      requestDeserialize: deserializerFor(method.input),
      responseSerialize: serializerFor(method.output),
      responseDeserialize: deserializerFor(method.output),
      originalName: method.name,
    };
  }
  return definition as ServiceDefinition;
}
