// One measured run of one figure, in its own process: builds the operation,
// runs the closed-loop load, prints the measurement as JSON on its last line.
import { runLoad } from "./measure.js";
import { operations } from "./figures/operations.js";

interface WorkerRequest {
  operation: string;
  args: Record<string, string>;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

const request = JSON.parse(process.argv[2] ?? "{}") as WorkerRequest;
const factory = operations[request.operation];
if (!factory) {
  console.error(`unknown operation ${request.operation}; known: ${Object.keys(operations).join(", ")}`);
  process.exit(2);
}
const operation = await factory({ ...request.args, concurrency: String(request.concurrency) });
const measurement = await runLoad(() => operation.run(), {
  concurrency: request.concurrency,
  warmupMs: request.warmupMs,
  durationMs: request.durationMs,
  unitsPerOp: operation.unitsPerOp,
  cpuNow: operation.cpuNow,
});
await operation.close();
process.stdout.write(`${JSON.stringify(measurement)}\n`);
process.exit(0);
