import { connect, type Socket } from "node:net";
import { PbxUnavailableError } from "./adapter.js";

/** Opens a TCP connection, failing with a message an admin can act on. */
export function openTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new PbxUnavailableError(`no answer from ${host}:${port} within ${timeoutMs} ms: check host, port and firewall`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = err.code === "ECONNREFUSED" ? "connection refused" : err.code === "ENOTFOUND" ? "unknown host" : err.message;
      reject(new PbxUnavailableError(`cannot reach ${host}:${port}: ${why}`));
    });
  });
}

/** A promise with its resolve function, for "wait until this happens". */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
