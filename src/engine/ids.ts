/** Generated ids and secrets: prefixed, sortable, unguessable where they must be. */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** `ses_` + time (base36, sortable) + randomness. Safe in paths, tmux names and URLs. */
export function newSessionId(now: number): string {
  return `ses_${now.toString(36).padStart(9, "0")}${randomBytes(5).toString("hex")}`;
}

/**
 * What a session id given by a person may look like before it names a file
 * (`.work/logs/<id>.ndjson`): `ses_`, then lowercase letters and digits.
 */
export const SESSION_ID_PATTERN = /^ses_[a-z0-9]{1,60}$/;

export function isSessionId(value: string): boolean {
  return SESSION_ID_PATTERN.test(value);
}

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Constant-time comparison of two tokens. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
