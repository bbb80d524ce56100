/**
 * The log pane's lines: the last lines of one session's output as its pane shows them, read
 * with `flux logs`' readers (../logs/) from the end of its files and again as they grow. Woken
 * by file-system events of the directories those files live in (../logs/follow.ts DirWatch),
 * never by a timer.
 */
import { sessionDir } from "../../engine/session-files.ts";
import { DirWatch } from "../logs/follow.ts";
import type { LogLine, RenderedSession } from "../logs/lines.ts";
import { sessionRenderer } from "../logs/lines.ts";
import { SessionFiles, renderingSink } from "../logs/read.ts";

/** How much of each file's end is read first, in bytes. */
const TAIL_BYTES = 256 * 1024;

export class LogTail implements Disposable {
  /** The last `keep` lines, oldest first. */
  lines: LogLine[] = [];
  /** What stopped the reading, if something did (a file that cannot be read). */
  error: string | undefined;
  private readonly watch = new DirWatch();
  private closed = false;

  constructor(
    private readonly work: string,
    readonly session: RenderedSession,
    private readonly onChange: () => void,
    private readonly keep = 500,
  ) {}

  start(): void {
    void this.follow().catch((error: unknown) => {
      this.error = error instanceof Error ? error.message : String(error);
      this.onChange();
    });
  }

  private async follow(): Promise<void> {
    const files = new SessionFiles(this.work, this.session, TAIL_BYTES);
    const renderer = sessionRenderer(this.session, { fromMiddle: files.log.fromMiddle });
    let grew = false;
    const sink = renderingSink(this.session, renderer, (more) => {
      this.lines.push(...more);
      if (this.lines.length > this.keep * 2) this.lines = this.lines.slice(-this.keep);
      grew = true;
    });
    // An interactive session's transcript is named in its session directory once it starts.
    if (this.session.interactive) this.watch.watch(sessionDir(this.work, this.session.id));
    while (!this.closed) {
      for (const dir of files.dirs()) this.watch.watch(dir);
      // Taken before reading, so that a write made while reading is not missed.
      const changed = this.watch.changed();
      files.read(sink);
      if (grew) {
        grew = false;
        this.lines = this.lines.slice(-this.keep);
        this.onChange();
      }
      await changed;
    }
  }

  [Symbol.dispose](): void {
    this.closed = true;
    // Wakes the loop above, which then ends.
    this.watch[Symbol.dispose]();
  }
}
