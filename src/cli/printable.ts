/** Longest text taken from a file or an argument that a CLI message quotes. */
export const MAX_QUOTED_CHARS = 200;

/**
 * `text` made safe to print on a terminal in one line: control characters (C0, DEL, C1 — e.g. an
 * `ESC]0;…BEL` sequence that would retitle the terminal, or a line break) become `\xNN` / `\uNNNN`
 * escapes, and anything beyond `maxChars` is cut with a note of how much was left out.
 *
 * @example
 * ```ts
 * printable('open_time\u001b]0;pwned\u0007'); // 'open_time\\x1b]0;pwned\\x07'
 * printable('x'.repeat(500), 10);             // 'xxxxxxxxxx… (490 more characters)'
 * ```
 */
export function printable(text: string, maxChars = MAX_QUOTED_CHARS): string {
  const cut = text.length > maxChars ? text.slice(0, maxChars) : text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we escape.
  const escaped = cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return text.length > maxChars ? `${escaped}… (${text.length - maxChars} more characters)` : escaped;
}
