#!/usr/bin/env node
// The support engineer's command line: `npm run support -- debug start --user … --ticket …`.
// It talks to the gateway (Connect protocol) with the engineer's access token.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ConnectError } from "@connectrpc/connect";
import { DebugLevel } from "@switchboard/proto/switchboard/support/v1/debug_sessions_pb";
import { TOTP } from "otpauth";
import { describeSession, logLine, parseDuration, sessionTable } from "./format.js";
import { gatewayClients, withToken, type GatewayClients } from "./gateway-client.js";

const usage = `usage: npm run support -- <command> [options]

  login --demo                          sign in as the local demo's staff user (.run/demo.json)
  login --org ORG --username NAME       sign in (password from SWITCHBOARD_PASSWORD, code from --code)
        [--code 123456]                 prints: export SWITCHBOARD_TOKEN=…  (use: eval "$(npm run -s support -- login --demo)")
  demo-user admin|agent                 the ids of a local demo account (to try a session on)

  debug start --org ORG_ID --user USER_ID --ticket TICKET --reason TEXT [--duration 1h] [--level debug|trace]
  debug list [--org ORG_ID] [--user USER_ID] [--all]
  debug extend --id SESSION_ID --duration 2h
  debug end --id SESSION_ID             ends the session and deletes its logs
  debug read --ticket TICKET [--json]   prints the ticket's log lines

  options: --gateway URL (default: SWITCHBOARD_GATEWAY, .run/demo.json, http://127.0.0.1:8080)
           --token TOKEN (default: SWITCHBOARD_TOKEN)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    gateway: { type: "string" },
    token: { type: "string" },
    demo: { type: "boolean" },
    org: { type: "string" },
    username: { type: "string" },
    code: { type: "string" },
    user: { type: "string" },
    ticket: { type: "string" },
    reason: { type: "string" },
    duration: { type: "string" },
    level: { type: "string" },
    id: { type: "string" },
    all: { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});

interface DemoFile {
  gateway?: string;
  organization: string;
  admin: { username: string; password: string };
  agent: { username: string; password: string };
  staff: { organization: string; username: string; password: string; totpSecret: string };
}

class UsageError extends Error {}

function demoFile(): DemoFile | undefined {
  const file = path.join(process.cwd(), ".run", "demo.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as DemoFile) : undefined;
}

function need(name: keyof typeof values, hint: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required: ${hint}`);
  return value;
}

function token(): string {
  const value = values.token ?? process.env.SWITCHBOARD_TOKEN;
  if (!value) throw new UsageError('no access token: sign in first, e.g. eval "$(npm run -s support -- login --demo)"');
  return value;
}

async function signIn(clients: GatewayClients, organization: string, username: string, password: string, code: () => string): Promise<string> {
  const login = await clients.auth.login({ organization, username, password });
  if (login.result.case === "tokens") return login.result.value.accessToken;
  if (login.result.case !== "mfaChallenge") throw new Error(`cannot sign in: ${login.result.case ?? "no answer"} (finish setting up the account first)`);
  const verified = await clients.auth.verifyMfa({ challengeId: login.result.value.challengeId, code: code() });
  if (!verified.tokens) throw new Error("the second factor was not accepted");
  return verified.tokens.accessToken;
}

function claimsOf(accessToken: string): { sub: string; tid: string } {
  return JSON.parse(Buffer.from(accessToken.split(".")[1] ?? "", "base64url").toString("utf8")) as { sub: string; tid: string };
}

async function run(): Promise<void> {
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return;
  }
  const demo = demoFile();
  const gateway = values.gateway ?? process.env.SWITCHBOARD_GATEWAY ?? demo?.gateway ?? "http://127.0.0.1:8080";
  const clients = gatewayClients(gateway);

  if (command === "login") {
    let accessToken: string;
    if (values.demo) {
      if (!demo) throw new UsageError("no .run/demo.json here: run `make up` first, from the repository root");
      const staff = demo.staff;
      accessToken = await signIn(clients, staff.organization, staff.username, staff.password, () => new TOTP({ secret: staff.totpSecret }).generate());
    } else {
      const password = process.env.SWITCHBOARD_PASSWORD;
      if (!password) throw new UsageError("set SWITCHBOARD_PASSWORD (kept out of the shell history and the process list)");
      accessToken = await signIn(clients, need("org", "your organisation"), need("username", "your user name"), password, () => need("code", "the code of your authenticator app"));
    }
    console.log(`export SWITCHBOARD_TOKEN=${accessToken}`);
    return;
  }

  if (command === "demo-user") {
    if (!demo) throw new UsageError("no .run/demo.json here: run `make up` first, from the repository root");
    const account = sub === "admin" ? demo.admin : sub === "agent" ? demo.agent : undefined;
    if (!account) throw new UsageError("which demo account: demo-user admin or demo-user agent");
    const accessToken = await signIn(clients, demo.organization, account.username, account.password, () => {
      throw new Error("the demo account unexpectedly asks for a second factor");
    });
    const claims = claimsOf(accessToken);
    console.log(`${sub} of ${demo.organization}: --org ${claims.tid} --user ${claims.sub}`);
    return;
  }

  if (command !== "debug") throw new UsageError(`unknown command ${command}\n\n${usage}`);
  const auth = withToken(token());
  switch (sub) {
    case "start": {
      const durationText = values.duration ?? "1h";
      const duration = parseDuration(durationText);
      if (duration === undefined) throw new UsageError(`--duration ${durationText}: write it like 90m, 2h or 1h30m`);
      const level = values.level === undefined || values.level === "debug" ? DebugLevel.DEBUG : values.level === "trace" ? DebugLevel.TRACE : undefined;
      if (level === undefined) throw new UsageError("--level must be debug or trace");
      const { session } = await clients.sessions.startDebugSession(
        {
          organizationId: need("org", "the user's organisation id (see `demo-user` locally)"),
          userId: need("user", "the id of the user to debug"),
          ticket: need("ticket", "the support ticket, e.g. SUP-1234"),
          reason: need("reason", "why, in a few words (kept in the audit trail)"),
          level,
          duration: { seconds: BigInt(Math.floor(duration / 1000)), nanos: 0 },
        },
        auth,
      );
      console.log(`debug logging is ON for user ${session?.userId} until ${session?.expireTime ? new Date(Number(session.expireTime.seconds) * 1000).toISOString() : "?"}\n${describeSession(session)}`);
      console.log(`\nread:  npm run support -- debug read --ticket ${session?.ticket}\nclose: npm run support -- debug end --id ${session?.id}`);
      return;
    }
    case "list": {
      const { sessions } = await clients.sessions.listDebugSessions({ organizationId: values.org ?? "", userId: values.user ?? "", includeEnded: values.all ?? false, pageSize: 200 }, auth);
      console.log(sessionTable(sessions));
      return;
    }
    case "extend": {
      const duration = parseDuration(need("duration", "how much longer, e.g. 2h"));
      if (duration === undefined) throw new UsageError("--duration: write it like 90m, 2h or 1h30m");
      const { session } = await clients.sessions.extendDebugSession({ id: need("id", "the session id"), duration: { seconds: BigInt(Math.floor(duration / 1000)), nanos: 0 } }, auth);
      console.log(`extended\n${describeSession(session)}`);
      return;
    }
    case "end": {
      const ended = await clients.sessions.endDebugSession({ id: need("id", "the session id") }, auth);
      console.log(`debug logging is OFF; ${ended.linesBefore} stored line(s) deleted, ${ended.linesAfter} left\n${describeSession(ended.session)}`);
      if (ended.linesAfter > 0n) process.exitCode = 1;
      return;
    }
    case "read": {
      let count = 0;
      for await (const line of clients.sessions.readDebugLogs({ ticket: need("ticket", "the support ticket") }, auth)) {
        console.log(logLine(line, values.json ?? false));
        count += 1;
      }
      console.error(`${count} line(s)`);
      return;
    }
    default:
      throw new UsageError(`unknown debug command ${sub ?? "(none)"}: start, list, extend, end or read\n\n${usage}`);
  }
}

run().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exitCode = 2;
  } else if (error instanceof ConnectError) {
    console.error(`${error.code === undefined ? "error" : `[${codeName(error)}]`} ${error.rawMessage}`);
    process.exitCode = 1;
  } else {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
});

function codeName(error: ConnectError): string {
  return ["ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists", "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range", "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated"][error.code] ?? String(error.code);
}
