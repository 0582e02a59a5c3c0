// The E baseline's servers, in a process (and on a core) of their own: the
// diagnostics EchoService with a constant reply, once through libs/rpc (what
// every service runs) and once on bare grpc-js (what that runtime costs).
// Prints both ports, runs until killed.
import { create } from "@bufbuild/protobuf";
import { Server, ServerCredentials, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { EchoResponseSchema, EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { registerService, serve, toGrpcServiceDefinition } from "@switchboard/rpc";

const reply = { text: "x" };
const server = await serve({
  host: "127.0.0.1",
  port: 0,
  services: [registerService(EchoService, { echo: () => reply, async *echoStream() {} })],
});

const bare = new Server();
const bareReply = create(EchoResponseSchema, reply);
const bareHandlers: UntypedServiceImplementation = {
  echo: (_call: unknown, callback: (error: null, response: unknown) => void) => callback(null, bareReply),
  echoStream: (call: { end(): void }) => call.end(),
};
bare.addService(toGrpcServiceDefinition(EchoService), bareHandlers);
const barePort = await new Promise<number>((resolve, reject) =>
  bare.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
);

process.stdout.write(`listening ${server.port} ${barePort}\n`);
process.on("SIGTERM", () => {
  bare.forceShutdown();
  void server.close(1_000).then(() => process.exit(0));
});
