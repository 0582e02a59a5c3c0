// Waits until a started service reports healthy, or fails early when its
// process has exited. gRPC services answer grpc.health.v1 Check with
// SERVING; the gateway answers GET /healthz with 200.
//
//   node scripts/wait-healthy.mjs grpc 127.0.0.1:50051 <pid> <timeout-seconds>
//   node scripts/wait-healthy.mjs http http://127.0.0.1:8080/healthz <pid> <timeout-seconds>
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";

const [kind, target, pidText, timeoutText = "30"] = process.argv.slice(2);
const pid = Number(pidText);
if (!["grpc", "http"].includes(kind) || !target || !Number.isInteger(pid)) {
  console.error("usage: node scripts/wait-healthy.mjs grpc|http <target> <pid> [timeout-seconds]");
  process.exit(2);
}

const check = kind === "grpc" ? await grpcCheck() : httpCheck;
const deadline = Date.now() + Number(timeoutText) * 1000;
let lastProblem = "no answer yet";
while (Date.now() < deadline) {
  if (!isAlive(pid)) {
    console.error(`process ${pid} exited before becoming healthy`);
    process.exit(1);
  }
  try {
    const problem = await check(target);
    if (problem === undefined) process.exit(0);
    lastProblem = problem;
  } catch (error) {
    lastProblem = error.message;
  }
  await sleep(250);
}
console.error(`not healthy after ${timeoutText}s: ${lastProblem}`);
process.exit(1);

function isAlive(processId) {
  try {
    process.kill(processId, 0);
    return true;
  } catch {
    return false;
  }
}

async function grpcCheck() {
  // libs/rpc's client for grpc.health.v1, the same check Kubernetes probes make.
  const { checkHealth } = await import("@switchboard/rpc");
  return async (address) => {
    const status = await checkHealth(address, "", 1_000);
    return status === "SERVING" ? undefined : `status ${status}`;
  };
}

async function httpCheck(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  return response.ok ? undefined : `HTTP ${response.status}`;
}
