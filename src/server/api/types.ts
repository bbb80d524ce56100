/**
 * Types of each route's input and answer, derived from the route table. The CLI's client imports
 * this module with `import type` only, so zod never loads on its paths; the runtime half it needs
 * (methods and paths) is ./spec.ts.
 */
import type { z, ZodType } from "zod";
import type { FluxEvent } from "../../store/events.ts";
import type { CaughtUp, Settled } from "./schemas/events.ts";
import type { ErrorLine } from "./schemas/common.ts";
import type { JsonRouteName, RouteName, StreamRouteName } from "./spec.ts";
import type { LINES, Table } from "./table.ts";

type Lines = typeof LINES;

type Request<N extends RouteName> = Table[N] extends { request: infer R } ? R : object;

type Part<R, K extends string> = R extends { [P in K]: infer S extends ZodType }
  ? z.input<S>
  : never;
type BodyPart<R> = R extends {
  body: { content: { "application/json": { schema: infer S extends ZodType } } };
}
  ? z.input<S>
  : never;

type Defined<T> = { [K in keyof T as [T[K]] extends [never] ? never : K]: T[K] };

/** What a call of route `N` sends: path params, query and JSON body, each as the route has it. */
export type ApiInput<N extends RouteName> = Defined<{
  params: Part<Request<N>, "params">;
  query: Part<Request<N>, "query">;
  body: BodyPart<Request<N>>;
}>;

type ReplySchema<N extends RouteName> = Table[N]["responses"][200] extends {
  content: { "application/json": { schema: infer S extends ZodType } };
}
  ? S
  : never;

/** The JSON answer of route `N`. */
export type ApiReply<N extends JsonRouteName> = z.output<ReplySchema<N>>;

/** The lines of each stream, as the server writes them (the error line aside). */
type StreamLines = { [N in Exclude<StreamRouteName, "events">]: z.output<Lines[N]> } & {
  /** Events carry the data EventDataMap gives their type, not just an object. */
  events: FluxEvent | z.output<typeof CaughtUp> | z.output<typeof Settled>;
};

/** One line of the NDJSON stream of route `N`, other than the error line ending a failed one. */
export type ApiLine<N extends StreamRouteName> = StreamLines[N];

/** The line that ends a stream which failed after it started. */
export type ApiErrorLine = z.output<typeof ErrorLine>;

/** The `error` of a failed reply or error line: code, message, hint, exit code, data. */
export type ApiError = ApiErrorLine["error"];
