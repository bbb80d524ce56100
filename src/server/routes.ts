/** The daemon's HTTP API (v1). Every route is authenticated; see http.ts for the principals. */
import type { ServerResponse } from "node:http";
import { ExitCode, FluxError } from "../core/errors.ts";
import type { Engine } from "../engine/engine.ts";
import type { FluxEvent } from "../store/events.ts";
import type { SessionTelemetry } from "../adapters/agents/types.ts";
import type { Request } from "./http.ts";
import {
  Router,
  requireAdmin,
  requireSession,
  requireStage,
  sendJson,
  startStream,
} from "./http.ts";

export interface RouteContext {
  engine: Engine;
  version: string;
  /** Live followers of the event stream. */
  subscribe(listener: (event: FluxEvent) => void, onSettled?: () => void): () => void;
  /** Reads events other processes committed and passes them on. */
  pump(): void;
  shutdown(): void;
}

function text(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string")
    throw new FluxError("BAD_REQUEST", `${key} must be a string`, { exitCode: ExitCode.usage });
  return value;
}

export function buildRoutes(ctx: RouteContext): Router {
  const { engine } = ctx;
  const router = new Router();

  router.on("GET", "/v1/health", (req) =>
    Promise.resolve({
      ok: true,
      pid: process.pid,
      version: ctx.version,
      principal: req.principal.kind,
    }),
  );

  router.on("POST", "/v1/notify", (req) => {
    ctx.pump();
    // A tmux session closed (`flux daemon poke`): was it a runner that could not report?
    if (req.body.sessions === true) engine.checkSessions();
    engine.wake("notify");
    return Promise.resolve({ ok: true });
  });

  router.on("GET", "/v1/events", async (req, res) => {
    const since = Number(req.query.get("since") ?? "0");
    const write = startStream(res);
    let last = since;
    const send = (event: FluxEvent) => {
      if (event.seq <= last) return;
      last = event.seq;
      write(event);
    };
    const stop = ctx.subscribe(send, () => write({ type: "settled", seq: last }));
    for (const event of engine.store.eventsSince(since)) send(event);
    write({ type: "caught_up", seq: last });
    await new Promise<void>((resolve) => res.once("close", resolve));
    stop();
    return undefined;
  });

  router.on("POST", "/v1/run", (req) => {
    requireAdmin(req);
    const maxParallel = req.body.maxParallel;
    if (
      maxParallel !== undefined &&
      (typeof maxParallel !== "number" || !Number.isInteger(maxParallel) || maxParallel < 1)
    ) {
      throw new FluxError("BAD_REQUEST", "maxParallel must be a whole number above 0", {
        exitCode: ExitCode.usage,
      });
    }
    const env = req.body.env;
    const accepted = engine.requestRun({
      stage: text(req.body, "stage"),
      withDeps: req.body.withDeps === true,
      manual: req.body.manual === true,
      maxParallel: maxParallel,
      env: typeof env === "object" && env !== null ? (env as NodeJS.ProcessEnv) : undefined,
    });
    return Promise.resolve(accepted);
  });

  router.on("GET", "/v1/progress", (req) => {
    requireAdmin(req);
    return Promise.resolve(engine.progress());
  });

  router.on("POST", "/v1/stages/:id/complete", async (req, res) => {
    const id = req.params.id ?? "";
    requireStage(req, id);
    const sessionId = req.principal.kind === "session" ? req.principal.sessionId : undefined;
    // requestCompletion refuses synchronously (before the stream starts) or starts the run.
    const early: unknown[] = [];
    let send: (value: unknown) => void = (value) => void early.push(value);
    const { result: verdict } = await engine.complete(id, {
      sessionId,
      onProgress: (event) => send(event),
    });
    const write = startStream(res);
    send = write;
    early.forEach(write);
    write({ type: "accepted", stage: id });
    const result = await verdict;
    write({ type: "verdict", ...result });
    res.end();
    return undefined;
  });

  router.on("POST", "/v1/stages/:id/verify", async (req, res) => {
    requireAdmin(req);
    const id = req.params.id ?? "";
    const action = text(req.body, "action") ?? "check";
    const reviewer = text(req.body, "reviewer") ?? "human";
    if (action === "approve") {
      return { ok: true, state: engine.approve(id, reviewer).state };
    }
    if (action === "reject") {
      const reason = text(req.body, "reason");
      if (reason === undefined || reason.trim() === "") {
        throw new FluxError(
          "REASON_REQUIRED",
          "a rejection needs a reason: it is what the next session works from",
          { exitCode: ExitCode.usage },
        );
      }
      return { ok: true, state: engine.reject(id, reason, reviewer).state };
    }
    const early: unknown[] = [];
    let send: (value: unknown) => void = (value) => void early.push(value);
    const { result: evidence } = await engine.evidence(id, (event) => send(event));
    const write = startStream(res);
    send = write;
    early.forEach(write);
    write({ type: "evidence", ...(await evidence) });
    res.end();
    return undefined;
  });

  router.on("POST", "/v1/stages/:id/merge", async (req) => {
    requireAdmin(req);
    return { outcome: await engine.merge(req.params.id ?? "") };
  });

  router.on("POST", "/v1/stages/:id/resume", (req) => {
    requireAdmin(req);
    engine.resume(req.params.id ?? "");
    return Promise.resolve({ ok: true });
  });

  router.on("POST", "/v1/sessions/:id/started", (req) => {
    const id = req.params.id ?? "";
    requireSession(req, id);
    const pid = typeof req.body.pid === "number" ? req.body.pid : null;
    engine.sessionStarted(id, pid);
    return Promise.resolve({ ok: true });
  });

  router.on("POST", "/v1/sessions/:id/exited", (req) => {
    const id = req.params.id ?? "";
    requireSession(req, id);
    const code = typeof req.body.code === "number" ? req.body.code : null;
    const signal = typeof req.body.signal === "string" ? req.body.signal : null;
    const telemetry = req.body.telemetry;
    engine.sessionExited(id, {
      code,
      signal,
      telemetry:
        typeof telemetry === "object" && telemetry !== null
          ? (telemetry as SessionTelemetry)
          : undefined,
    });
    return Promise.resolve({ ok: true });
  });

  // An interactive agent's hooks (`flux hook <event>`): waiting for input, Stop reminders.
  router.on("POST", "/v1/sessions/:id/hook", (req) => {
    const id = req.params.id ?? "";
    requireSession(req, id);
    return Promise.resolve(engine.hook(id, req.body));
  });

  router.on("POST", "/v1/sessions/:id/kill", async (req) => {
    requireAdmin(req);
    const session = await engine.killSession(req.params.id ?? "");
    return { session };
  });

  router.on("GET", "/v1/sessions/:id", (req) => {
    const id = req.params.id ?? "";
    requireSession(req, id);
    return Promise.resolve({ session: engine.session(id) ?? null });
  });

  router.on("POST", "/v1/shutdown", (req) => {
    requireAdmin(req);
    setImmediate(() => ctx.shutdown());
    return Promise.resolve({ ok: true });
  });

  return router;
}

export type { Request, ServerResponse };
export { sendJson };
