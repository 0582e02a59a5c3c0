import { toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { ReflectionService } from "@grpc/reflection";
import { file_grpc_health_v1_health } from "@switchboard/proto/grpc/health/v1/health_pb";
import type { Server } from "@grpc/grpc-js";

function withDependencies(file: DescFile, seen: Map<string, DescFile>): void {
  if (seen.has(file.name)) return;
  seen.set(file.name, file);
  for (const dependency of file.dependencies) withDependencies(dependency, seen);
}

/**
 * Serves gRPC server reflection (v1 and v1alpha) so `grpcurl` can list and call
 * every service. @grpc/reflection reads proto-loader package definitions; the
 * only part it uses is each entry's `fileDescriptorProtos`, which we build from
 * the protobuf-es descriptors — the health service's too, from our vendored
 * copy of health.proto (the descriptor proto-loader derives for it has a map
 * entry grpcurl rejects).
 */
export function attachReflection(server: Server, services: readonly DescService[]): void {
  const files = new Map<string, DescFile>();
  for (const service of services) withDependencies(service.file, files);
  withDependencies(file_grpc_health_v1_health, files);
  const encoded = [...files.values()].map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));

  const root: Record<string, { fileDescriptorProtos: Buffer[] }> = {};
  for (const service of services) root[service.typeName] = { fileDescriptorProtos: encoded };
  root["grpc.health.v1.Health"] = { fileDescriptorProtos: encoded };

  new ReflectionService(root as never).addToServer(server);
}
