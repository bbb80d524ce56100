/**
 * The plan's own commands are the user's shell by design (acceptance, setup, a `command`
 * agent): each runs as one `sh -c` argument. Placeholders expand to shell-quoted values, so
 * paths with spaces or quotes arrive intact and nothing from a plan is spliced in raw.
 */

/** A POSIX shell single-quoted word. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Replaces `{name}` placeholders with shell-quoted values; unknown `{…}` stay as written. */
export function expandCommand(command: string, values: Readonly<Record<string, string>>): string {
  return command.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : shellQuote(value);
  });
}
