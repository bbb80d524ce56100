/**
 * What the dashboard draws, from what the app holds: one ink Text per terminal row, each cut to
 * the width, so the screen is exactly as tall as the terminal (./model.ts layout) and redraws in
 * place. No state and no effects here: ./app.tsx owns them.
 */
import { Box, Text } from "ink";
import type { ReactNode } from "react";
import type { ContextLevel } from "../../core/context/levels.ts";
import type { FlowMode } from "../../core/flow.ts";
import type { LogLine } from "../logs/lines.ts";
import type { Style } from "../output.ts";
import { STATE_STYLE } from "../output.ts";
import type { SessionStatus } from "../render/context.ts";
import type { Layout, StageRow } from "./model.ts";
import {
  KEYS,
  fit,
  gauge,
  header,
  liveSession,
  messageRows,
  paneText,
  sessionLine,
  stageKeys,
  stageRows,
  titleRow,
} from "./model.ts";
import type { Snapshot } from "./source.ts";

/** The status line's words and their tone. */
export interface Message {
  text: string;
  tone: "info" | "ok" | "error";
}

/** What the screen shows below the stage table, or instead of everything: the help. */
export type Mode =
  | { kind: "normal" }
  | { kind: "help" }
  | { kind: "confirm"; action: "approve" | "merge"; stageId: string; lines: string[] };

export interface ScreenProps {
  snapshot: Snapshot;
  rows: number;
  columns: number;
  color: boolean;
  shape: Layout;
  /** The selected stage's index, and the first stage row shown. */
  index: number;
  top: number;
  mode: Mode;
  message: Message | undefined;
  /** The selected stage's sessions, oldest first; the log is the last one's. */
  sessions: SessionStatus[];
  log: { lines: LogLine[]; error: string | undefined };
}

const STATE_WIDTH = "awaiting_verification".length + 2;
const GAUGE_WIDTH = 10;
const CONTEXT_WIDTH = GAUGE_WIDTH + 7;
const RETRIES_WIDTH = 9;
/** Rows of the status line. */
const MESSAGE_ROWS = 2;

const LEVEL_STYLE: Record<ContextLevel, Style> = {
  green: "green",
  yellow: "yellow",
  red: "red",
  limit: "red",
};

const FLOW_STYLE: Record<FlowMode, Style> = {
  running: "green",
  draining: "yellow",
  paused: "yellow",
};

/** Colour props for ink, or none when colour is off (NO_COLOR, `[ui] color = "never"`). */
function styled(color: boolean, style: Style | undefined): { color?: string; dimColor?: boolean } {
  if (!color || style === undefined) return {};
  return style === "dim" ? { dimColor: true } : style === "bold" ? {} : { color: style };
}

export function Screen(props: ScreenProps) {
  const { snapshot, rows, columns, color, shape, index, top, mode, sessions, log } = props;
  const view = snapshot.view;
  const height = rows - 1;
  const lines: ReactNode[] = [];
  const line = (key: string, node: ReactNode) =>
    lines.push(
      <Text key={key} wrap="truncate">
        {node}
      </Text>,
    );
  const blank = (key: string, count: number) => {
    for (let i = 0; i < count; i++) line(`${key}${i}`, " ");
  };

  if (view === undefined) {
    line("h1", <Text bold>Flux</Text>);
    line("h2", snapshot.problem ?? "Reading .work/flux.db…");
  } else {
    const h = header(view, snapshot.daemon);
    const bar = gauge(h.progress, 20);
    line(
      "h1",
      <>
        <Text bold>Flux · {h.title}</Text>
        <Text {...styled(color, "dim")}>
          {"  "}
          {h.file} → {h.baseBranch}
        </Text>
        {"  "}
        <Text {...styled(color, snapshot.daemon.up ? "green" : "red")}>{h.daemon}</Text>
      </>,
    );
    line(
      "h2",
      <>
        <Text {...styled(color, "green")}>{bar.filled}</Text>
        <Text {...styled(color, "gray")}>{bar.empty}</Text> {h.progress}% {h.done}
        {"  "}
        <Text {...styled(color, FLOW_STYLE[h.flow])} bold={h.flow !== "running"}>
          flow: {h.flow === "running" ? h.flow : h.flow.toUpperCase()}
        </Text>
        {h.flowNote === "" ? "" : ` — ${h.flowNote}`}
        {"  "}
        <Text {...styled(color, "dim")}>{h.counts}</Text>
      </>,
    );
  }

  const stages = view?.stages ?? [];
  const selected = stages[index];
  if (mode.kind === "help") {
    // Between the header (2 rows) and the status line and keys (3): the title and the keys.
    const body = height - 6;
    line("kt", titleRow("Keys", columns));
    KEYS.slice(0, body).forEach((k, i) => line(`k${i}`, `  ${fit(k.keys, 14)}${k.does}`));
    blank("kf", body - Math.min(body, KEYS.length));
  } else {
    const rowsOf = view === undefined ? [] : stageRows(view);
    const widths = {
      id: Math.min(32, Math.max(5, ...rowsOf.map((r) => r.id.length))) + 2,
      agent: Math.min(24, Math.max(5, ...rowsOf.map((r) => r.agent.length))) + 2,
    };
    line("st", titleRow(`Stages (${stages.length})`, columns));
    line(
      "sh",
      <Text {...styled(color, "dim")}>
        {`  ${fit("STAGE", widths.id)}${fit("STATE", STATE_WIDTH)}${fit("AGENT", widths.agent)}${fit("CONTEXT", CONTEXT_WIDTH)}${fit("RETRIES", RETRIES_WIDTH)}DETAIL`}
      </Text>,
    );
    rowsOf
      .slice(top, top + shape.stages)
      .forEach((row, i) =>
        line(
          `s-${row.id}`,
          <StageLine row={row} selected={top + i === index} color={color} widths={widths} />,
        ),
      );
    if (mode.kind === "confirm") {
      // In place of the sessions and the log: what the question is about.
      const below = height - 7 - shape.stages - 1;
      const title = mode.action === "approve" ? `Verify ${mode.stageId}` : `Merge ${mode.stageId}`;
      line("ct", titleRow(title, columns));
      const shown = mode.lines.slice(0, Math.max(0, below));
      shown.forEach((text, i) => line(`c${i}`, text));
      blank("cf", below - shown.length);
    } else {
      line(
        "sst",
        titleRow(selected === undefined ? "Sessions" : `Sessions · ${selected.id}`, columns),
      );
      const listed = sessions.slice(-shape.sessions);
      const now = Date.now();
      const hard = selected?.context.hard ?? 90;
      if (listed.length === 0)
        line("ss-none", <Text {...styled(color, "dim")}> no session yet</Text>);
      for (const s of listed)
        line(
          `ss-${s.id}`,
          <Text {...styled(color, s.endedAt === null ? undefined : "dim")}>
            {"  "}
            {sessionLine(s, hard, now)}
          </Text>,
        );
      blank("ssf", shape.sessions - Math.max(1, listed.length));
      if (shape.log > 0) {
        const latest = sessions.at(-1);
        line("lt", titleRow(latest === undefined ? "Log" : `Log · ${latest.id}`, columns));
        const shown: ReactNode[] = [];
        if (log.error !== undefined)
          shown.push(<Text {...styled(color, "red")}>{`cannot read the log: ${log.error}`}</Text>);
        for (const l of log.lines.slice(-(shape.log - shown.length)))
          shown.push(
            <Text {...styled(color, l.from === "flux" ? "dim" : undefined)}>
              {paneText(l.text, color) || " "}
            </Text>,
          );
        shown.forEach((node, i) => line(`l${i}`, node));
        blank("lf", shape.log - shown.length);
      }
      blank("f", shape.filler);
    }
  }

  const message = props.message;
  const status = message === undefined ? [] : messageRows(message.text, columns, MESSAGE_ROWS);
  const tone: Style | undefined =
    message?.tone === "error" ? "red" : message?.tone === "ok" ? "green" : undefined;
  for (let i = 0; i < MESSAGE_ROWS; i++)
    line(`m${i}`, <Text {...styled(color, tone)}>{status[i] ?? " "}</Text>);
  line("keys", <Footer mode={mode} snapshot={snapshot} index={index} color={color} />);

  return (
    <Box flexDirection="column" width={columns} height={height}>
      {lines.slice(0, height)}
    </Box>
  );
}

function StageLine(props: {
  row: StageRow;
  selected: boolean;
  color: boolean;
  widths: { id: number; agent: number };
}) {
  const { row, selected, color, widths } = props;
  const context = row.context;
  return (
    <Text inverse={selected && color}>
      {selected ? "▶ " : "  "}
      <Text bold={selected}>{fit(row.id, widths.id)}</Text>
      <Text {...styled(color, STATE_STYLE[row.state])}>{fit(row.state, STATE_WIDTH)}</Text>
      {fit(row.agent, widths.agent)}
      {context === null ? fit("", CONTEXT_WIDTH) : <Gauge {...context} color={color} />}
      {fit(row.retries === 0 ? "" : String(row.retries), RETRIES_WIDTH)}
      {row.detail}
    </Text>
  );
}

/** A live session's context: a bar and its figure, in its level's colour. */
function Gauge(props: { percent: number; level: ContextLevel; text: string; color: boolean }) {
  const bar = gauge(props.percent, GAUGE_WIDTH);
  const style = styled(props.color, LEVEL_STYLE[props.level]);
  return (
    <>
      <Text {...style}>{bar.filled}</Text>
      <Text {...styled(props.color, "gray")}>{bar.empty}</Text>
      <Text {...style} bold={props.level === "limit"}>
        {fit(` ${props.text}`, CONTEXT_WIDTH - GAUGE_WIDTH)}
      </Text>
    </>
  );
}

function Footer(props: { mode: Mode; snapshot: Snapshot; index: number; color: boolean }) {
  const { mode, color } = props;
  if (mode.kind === "confirm")
    return <Text bold>y {mode.action === "approve" ? "approve" : "merge"} · n no</Text>;
  if (mode.kind === "help") return <Text {...styled(color, "dim")}>? or Esc: back · q quit</Text>;
  const view = props.snapshot.view;
  const stage = view?.stages[props.index];
  const hints =
    view === undefined || stage === undefined
      ? []
      : stageKeys(stage, liveSession(view, stage.id) !== undefined);
  return (
    <Text>
      {hints.length === 0 ? "" : `${hints.join(" · ")} │ `}
      <Text {...styled(color, "dim")}>
        p pause · d drain · u resume flow · l log · ? help · q quit
      </Text>
    </Text>
  );
}
