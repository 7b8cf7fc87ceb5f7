/**
 * Whether .dockerignore keeps `path` out of the build context: the last pattern that matches it or a
 * folder above it wins, `!` re-includes, `*` and `?` stay within one path segment, `**` spans any.
 */
export function dockerIgnores(dockerignore: string, path: string): boolean {
  const target = normalise(path);
  let ignored = false;
  for (const raw of dockerignore.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = patternRegExp(normalise(negated ? line.slice(1) : line));
    if (ancestry(target).some((candidate) => pattern.test(candidate))) ignored = !negated;
  }
  return ignored;
}

function normalise(path: string): string {
  return path
    .trim()
    .replace(/^(\.\/|\/)+/, '')
    .replace(/\/+$/, '');
}

/** `a/b/c` → `a`, `a/b`, `a/b/c`: excluding a folder excludes what it holds. */
function ancestry(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}

function patternRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
