// The audit-log's ingestion in a process of its own, as the service runs it,
// for figures I1/I8: the load worker publishes, this commits to the chains.
//   node --import tsx audit-ingestion.ts <database url> <durable>
import { connectEvents } from "@switchboard/events";
import { benchAuditRecorded, benchAuditStream } from "./figures/bench-audit-stream.js";
import { openDatabase } from "@switchboard/db";
import { silentLogger } from "@switchboard/rpc";
import { startAuditIngestion } from "../../services/audit-log/src/events/audit-consumer.js";
import type { AuditDatabase } from "../../services/audit-log/src/store/schema.js";

const [databaseUrl, durable] = process.argv.slice(2);
if (!databaseUrl || !durable || !process.env.NATS_URL) {
  console.error("usage: NATS_URL=... audit-ingestion.ts <database url> <durable>");
  process.exit(2);
}
const db = openDatabase<AuditDatabase>(databaseUrl, { maxConnections: 10 });
const events = await connectEvents({ url: process.env.NATS_URL, name: "bench-audit-ingestion" });
const ingestion = await startAuditIngestion(db, events, silentLogger, { durable, source: { stream: benchAuditStream, event: benchAuditRecorded } });
process.stdout.write("ready\n");
process.once("SIGTERM", async () => {
  await ingestion.stop();
  await events.close();
  await db.destroy();
  process.exit(0);
});
