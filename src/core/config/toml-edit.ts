/**
 * Rewrites one table of a TOML document in place, keeping every other line — the user's keys,
 * tables and comments — exactly as it was. Flux owns only `[plan]` in `.work/config.toml`.
 */

const HEADER = /^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$/;
const ARRAY_HEADER = /^\s*\[\[/;

/** TOML basic string with the escapes TOML requires. */
export function tomlString(value: string): string {
  return JSON.stringify(value);
}

export function setTableKeys(
  text: string,
  table: string,
  entries: Readonly<Record<string, string>>,
): string {
  const lines = text.split("\n");
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    const m = HEADER.exec(lines[i] ?? "");
    if (m !== null && m[1] === table) {
      start = i;
      break;
    }
  }
  const rendered = (key: string) => `${key} = ${tomlString(entries[key] ?? "")}`;
  if (start === -1) {
    const body = Object.keys(entries).map(rendered);
    const sep = text === "" || text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
    return `${text}${sep}[${table}]\n${body.join("\n")}\n`;
  }
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (HEADER.test(line) || ARRAY_HEADER.test(line)) {
      end = i;
      break;
    }
  }
  const pending = new Set(Object.keys(entries));
  let lastKeyLine = start;
  for (let i = start + 1; i < end; i++) {
    const m = /^(\s*)([A-Za-z0-9_-]+)\s*=/.exec(lines[i] ?? "");
    if (m === null) continue;
    lastKeyLine = i;
    const key = m[2] ?? "";
    if (!pending.has(key)) continue;
    const comment = trailingComment(lines[i] ?? "");
    lines[i] = `${m[1] ?? ""}${rendered(key)}${comment}`;
    pending.delete(key);
  }
  lines.splice(lastKeyLine + 1, 0, ...[...pending].map(rendered));
  return lines.join("\n");
}

/** A `# comment` after a simple value (strings without `#` inside, numbers, booleans). */
function trailingComment(line: string): string {
  const m = /^[^=]*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^#\s]+)(\s+#.*)$/.exec(line);
  return m?.[2] ?? "";
}
