/**
 * The dashboard app: what it holds (the selection, the log pane, the question asked, the action
 * running), the keys (./keys.ts) and what they set off (./actions.ts); ./screen.tsx draws it.
 * The app ends itself for quit and for attach: ./index.ts runs the attach with the terminal
 * given back, then mounts the app again from `ui`, which is kept up to date here.
 */
import { render, useApp, useInput, useStdout } from "ink";
import { useEffect, useRef, useState } from "react";
import type { AttachCommand } from "../../adapters/sessions/backend.ts";
import type { LogLine, RenderedSession } from "../logs/lines.ts";
import type { CommandContext } from "../main.ts";
import type { Outcome } from "./actions.ts";
import {
  approveStage,
  attachCommand,
  failed,
  gateEvidence,
  mergeStage,
  resumeStage,
  setFlowMode,
} from "./actions.ts";
import type { Command, StageAction } from "./keys.ts";
import { keyCommand, keyPresses } from "./keys.ts";
import { LogTail } from "./log-tail.ts";
import {
  FIXED_ROWS,
  evidenceLines,
  layout,
  moveSelection,
  reselect,
  scrollTop,
  sessionsOf,
} from "./model.ts";
import type { Message, Mode } from "./screen.tsx";
import { Screen } from "./screen.tsx";
import type { Snapshot, StatusSource } from "./source.ts";

export type { Message } from "./screen.tsx";

/** What outlives one mount of the app: the selection, the log pane, the last message. */
export interface UiState {
  selectedId: string | undefined;
  index: number;
  top: number;
  showLog: boolean;
  message: Message | undefined;
}

/** Why the app ended. */
export type Exit =
  | { kind: "quit" }
  | { kind: "attach"; stageId: string; command: AttachCommand }
  | { kind: "failed"; error: unknown };

export interface AppProps {
  ctx: CommandContext;
  /** `.work/`: the logs are under it. */
  work: string;
  source: StatusSource;
  /** Read at mount, written as it changes. */
  ui: UiState;
  color: boolean;
  /** Aborted on SIGINT, SIGTERM or SIGHUP: the app quits, giving the terminal back. */
  signal: AbortSignal;
}

/** Mounts the app; resolves with why it ended, once the terminal is given back. */
export async function runApp(props: AppProps): Promise<Exit> {
  let exit: Exit = { kind: "quit" };
  const instance = render(<App {...props} done={(how) => (exit = how)} />, {
    exitOnCtrlC: false,
    patchConsole: false,
  });
  await instance.waitUntilExit();
  return exit;
}

function useSize(): { rows: number; columns: number } {
  const { stdout } = useStdout();
  const read = () => ({ rows: stdout.rows || 24, columns: stdout.columns || 80 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const resized = () => setSize(read());
    stdout.on("resize", resized);
    return () => {
      stdout.off("resize", resized);
    };
    // `read` only reads `stdout`.
  }, [stdout]);
  return size;
}

function useSnapshot(source: StatusSource): Snapshot {
  const [snapshot, setSnapshot] = useState(source.current);
  useEffect(() => source.subscribe(() => setSnapshot(source.current)), [source]);
  return snapshot;
}

type Log = { lines: LogLine[]; error: string | undefined };

/** The session's log lines, followed while the pane shows; nothing while it is hidden. */
function useLog(work: string, session: RenderedSession | undefined, shown: boolean): Log {
  const [log, setLog] = useState<Log>({ lines: [], error: undefined });
  const id = shown ? session?.id : undefined;
  useEffect(() => {
    setLog({ lines: [], error: undefined });
    if (id === undefined || session === undefined) return;
    const { stageId, agent, interactive } = session;
    const tail = new LogTail(work, { id, stageId, agent, interactive }, () =>
      setLog({ lines: tail.lines.slice(), error: tail.error }),
    );
    tail.start();
    return () => tail[Symbol.dispose]();
    // Keyed by the id alone: a session's other fields do not change.
  }, [work, id]);
  return log;
}

function App({
  ctx,
  work,
  source,
  ui,
  color,
  signal,
  done,
}: AppProps & { done: (e: Exit) => void }) {
  const { exit } = useApp();
  const { rows, columns } = useSize();
  const snapshot = useSnapshot(source);
  // Keys come faster than renders ("jjv" in one read): they read and write these refs, and the
  // state mirrors them for drawing.
  const [state, setState] = useState<UiState>(() => ({ ...ui }));
  const [mode, setModeState] = useState<Mode>({ kind: "normal" });
  const stateRef = useRef(state);
  const modeRef = useRef(mode);
  const busyRef = useRef<string | undefined>(undefined);
  const endedRef = useRef(false);
  const view = snapshot.view;
  const stages = view?.stages ?? [];
  const ids = stages.map((s) => s.id);
  const index = reselect(ids, state.selectedId, state.index);
  const selected = stages[index];
  const sessions =
    view === undefined || selected === undefined ? [] : sessionsOf(view, selected.id);
  const log = useLog(work, sessions.at(-1), state.showLog);

  const height = rows - 1;
  const shape = layout(height, stages.length, sessions.length, state.showLog);
  // The first row shown follows the selection, from where it was (kept for a remount too).
  const top = scrollTop(index, ui.top, shape.stages, stages.length);
  ui.top = top;

  const update = (patch: Partial<UiState>) => {
    stateRef.current = { ...stateRef.current, ...patch };
    Object.assign(ui, { ...stateRef.current, top: ui.top });
    setState(stateRef.current);
  };
  const setMode = (next: Mode) => {
    modeRef.current = next;
    setModeState(next);
  };
  const say = (text: string, tone: Message["tone"]) => update({ message: { text, tone } });
  const end = (how: Exit) => {
    if (endedRef.current) return;
    endedRef.current = true;
    done(how);
    exit();
  };

  useEffect(() => {
    if (source.failure !== undefined) end({ kind: "failed", error: source.failure });
  });

  useEffect(() => {
    const stop = () => end({ kind: "quit" });
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop);
    return () => signal.removeEventListener("abort", stop);
    // `end` reads refs and ink's exit, which stay the same.
  }, [signal]);

  /** Runs one action at a time; its outcome goes to the status line, then the view is read. */
  const act = (what: string, run: () => Promise<Outcome>) => {
    if (busyRef.current !== undefined) {
      say(`Still ${busyRef.current}: one action at a time.`, "info");
      return;
    }
    busyRef.current = what;
    say(`${what[0]!.toUpperCase()}${what.slice(1)}…`, "info");
    void run()
      .then((outcome) => say(outcome.text, outcome.ok ? "ok" : "error"))
      .finally(() => {
        busyRef.current = undefined;
        void source.refresh();
      });
  };

  /** The selected stage as the keys so far left it. */
  const current = () => {
    const i = reselect(ids, stateRef.current.selectedId, stateRef.current.index);
    return { index: i, id: ids[i] };
  };
  const selectAt = (i: number) => {
    const next = moveSelection(i, 0, ids.length);
    update({ index: next, selectedId: ids[next] });
  };

  const stageAction = (action: StageAction, id: string) => {
    switch (action) {
      case "attach":
        try {
          if (view !== undefined)
            end({ kind: "attach", stageId: id, command: attachCommand(ctx, view, id) });
        } catch (error) {
          say(failed(error).text, "error");
        }
        return;
      case "verify":
        act(`running ${id}'s acceptance again`, async () => {
          try {
            const evidence = await gateEvidence(ctx, id, (line) => say(`${id}: ${line}`, "info"));
            const lines = evidenceLines(evidence);
            setMode({ kind: "confirm", action: "approve", stageId: id, lines });
            const text = `Approve ${id}? y approves · n leaves it at its gate`;
            return { ok: evidence.passed, text };
          } catch (error) {
            return failed(error);
          }
        });
        return;
      case "merge": {
        const base = view?.plan.baseBranch ?? "the base branch";
        setMode({
          kind: "confirm",
          action: "merge",
          stageId: id,
          lines: [`Merge ${id} into ${base} now?`],
        });
        say(`Merge ${id}? y merges · n does not`, "info");
        return;
      }
      case "resume":
        act(`resuming ${id}`, () => resumeStage(ctx, id));
        return;
    }
  };

  const run = (command: Command) => {
    const m = modeRef.current;
    switch (command.kind) {
      case "quit":
        return end({ kind: "quit" });
      case "help":
        return setMode({ kind: "help" });
      case "back":
        return setMode({ kind: "normal" });
      case "log":
        return update({ showLog: !stateRef.current.showLog });
      case "move":
        return selectAt(current().index + command.by);
      case "moveTo":
        return selectAt(command.to === "first" ? 0 : ids.length - 1);
      case "flow": {
        const what = { paused: "pausing", draining: "draining", running: "resuming the flow" };
        return act(what[command.mode], () => setFlowMode(ctx, command.mode));
      }
      case "stage": {
        const id = current().id;
        if (id === undefined) return say("No stage to act on.", "info");
        return stageAction(command.action, id);
      }
      case "answer": {
        if (m.kind !== "confirm") return;
        setMode({ kind: "normal" });
        const { action, stageId } = m;
        if (command.yes && action === "approve")
          act(`approving ${stageId}`, () => approveStage(ctx, stageId));
        else if (command.yes) act(`merging ${stageId}`, () => mergeStage(ctx, stageId));
        else
          say(
            action === "approve"
              ? `No decision: ${stageId} stays at its gate.`
              : `Not merged: ${stageId}.`,
            "info",
          );
        return;
      }
    }
  };

  useInput((input, key) => {
    for (const press of keyPresses({ ...key, input })) {
      if (endedRef.current) return;
      const command = keyCommand(modeRef.current.kind, press, Math.max(1, rows - FIXED_ROWS - 4));
      if (command !== undefined) run(command);
    }
  });

  return (
    <Screen
      snapshot={snapshot}
      rows={rows}
      columns={columns}
      color={color}
      shape={shape}
      index={index}
      top={top}
      mode={mode}
      message={state.message}
      sessions={sessions}
      log={log}
    />
  );
}
