/** zod schema of the stage states, for HTTP bodies, MCP inputs and event payloads. */
import { z } from "zod";
import { STAGE_STATES } from "./states.ts";

export const StageState = z.enum(STAGE_STATES);
