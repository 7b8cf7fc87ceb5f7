/** How one `${...}` or `$NAME` in a Compose file uses its variable. */
export interface VariableUse {
  name: string;
  /** `${NAME:?message}` or `${NAME?message}`: Compose refuses to start without it. */
  required: boolean;
  /** `${NAME:-default}` or `${NAME-default}`. */
  defaulted: boolean;
}

/** A string after Compose-style interpolation, with what it used and what was wrong in it. */
export interface Interpolated {
  value: string;
  uses: VariableUse[];
  problems: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPERATORS = [':-', '-', ':?', '?', ':+', '+'] as const;
type Operator = (typeof OPERATORS)[number];

/**
 * Interpolates `text` as `docker compose config` does: `$$` is a literal `$`; `$NAME` and `${NAME}`
 * take the variable's value (empty when unset); `${NAME:-default}` / `${NAME-default}` fall back when
 * it is unset or empty / unset; `${NAME:?message}` / `${NAME?message}` fail likewise; `${NAME:+alt}` /
 * `${NAME+alt}` give `alt` when it is set and non-empty / set. Defaults, messages and alternatives may
 * hold further interpolations. A `$` that starts none of these is an error, as in Compose.
 */
export function interpolate(text: string, vars: Readonly<Record<string, string | undefined>>): Interpolated {
  const uses: VariableUse[] = [];
  const problems: string[] = [];
  let value = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) {
      value += text.slice(i);
      break;
    }
    value += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      value += '$';
      i = dollar + 2;
      continue;
    }
    if (next === '{') {
      const close = matchingBrace(text, dollar + 1);
      if (close < 0) {
        problems.push(`"${text}": "\${" without its closing "}"`);
        return { value, uses, problems };
      }
      value += braced(text.slice(dollar + 2, close), vars, uses, problems);
      i = close + 1;
      continue;
    }
    const name = NAME.exec(text.slice(dollar + 1))?.[0];
    if (!name) {
      problems.push(`"${text}": a "$" that starts no variable (write "$$" for a literal "$")`);
      i = dollar + 1;
      continue;
    }
    uses.push({ name, required: false, defaulted: false });
    value += vars[name] ?? '';
    i = dollar + 1 + name.length;
  }
  return { value, uses, problems };
}

/** Index of the `}` closing the `{` at `open`, counting nested `${`; -1 when there is none. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{' && text[i - 1] === '$') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function braced(body: string, vars: Readonly<Record<string, string | undefined>>, uses: VariableUse[], problems: string[]): string {
  const name = NAME.exec(body)?.[0];
  if (!name) {
    problems.push(`"\${${body}}": not a variable name`);
    return '';
  }
  const rest = body.slice(name.length);
  const operator = OPERATORS.find((op) => rest.startsWith(op)) as Operator | undefined;
  if (rest !== '' && !operator) {
    problems.push(`"\${${body}}": unknown modifier "${rest}" (Compose knows :- - :? ? :+ +)`);
    return '';
  }
  uses.push({ name, required: operator === ':?' || operator === '?', defaulted: operator === ':-' || operator === '-' });
  const current = vars[name];
  const set = current !== undefined;
  const nonEmpty = set && current !== '';
  if (!operator) return current ?? '';
  // The argument is interpolated only when it is used, as Compose does.
  const argument = () => {
    const inner = interpolate(rest.slice(operator.length), vars);
    uses.push(...inner.uses);
    problems.push(...inner.problems);
    return inner.value;
  };
  switch (operator) {
    case ':-':
      return nonEmpty ? current : argument();
    case '-':
      return set ? current : argument();
    case ':?':
    case '?':
      if (operator === ':?' ? nonEmpty : set) return current as string;
      problems.push(`${name} is required ("${argument() || 'no message'}") and not set`);
      return '';
    case ':+':
      return nonEmpty ? argument() : '';
    case '+':
      return set ? argument() : '';
  }
}
