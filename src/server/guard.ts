/**
 * The DNS-rebinding and browser-CSRF guard, before anything else on every route: the Host must
 * name the daemon itself (127.0.0.1, localhost or [::1], with its own port), and an Origin, when
 * a browser sends one, must be one of those over http. A web page elsewhere can make a browser
 * send requests to 127.0.0.1, but not with these headers.
 */
import type { MiddlewareHandler } from "hono";
import { FluxError } from "../core/errors.ts";

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

/** The Host values the daemon answers to on `port`. */
export function allowedHosts(port: number): string[] {
  return LOOPBACK_NAMES.map((name) => `${name}:${port}`);
}

export function forbiddenHost(host: string | undefined): FluxError {
  return new FluxError(
    "FORBIDDEN_HOST",
    host === undefined
      ? "the request has no Host header"
      : `the daemon does not answer to Host ${JSON.stringify(host)}`,
    {
      hint: "call it at the address in .work/daemon.json (a loopback name and its port)",
      data: { host: host ?? null },
    },
  );
}

export function forbiddenOrigin(origin: string): FluxError {
  return new FluxError(
    "FORBIDDEN_ORIGIN",
    `the daemon does not answer requests from the web origin ${JSON.stringify(origin)}`,
    {
      hint: "only pages the daemon serves itself may call it from a browser",
      data: { origin },
    },
  );
}

/** `port()`: the daemon's port, known once it listens. */
export function hostAndOriginGuard(port: () => number): MiddlewareHandler {
  return async (c, next) => {
    const allowed = allowedHosts(port());
    const host = c.req.header("host")?.toLowerCase();
    if (host === undefined || !allowed.includes(host)) throw forbiddenHost(host);
    const origin = c.req.header("origin");
    if (origin !== undefined && !allowed.some((name) => origin.toLowerCase() === `http://${name}`))
      throw forbiddenOrigin(origin);
    await next();
  };
}
