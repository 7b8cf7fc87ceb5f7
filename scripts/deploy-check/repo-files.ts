import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Read access to the repository's files, by path relative to its root ('/' separators). */
export interface RepoFiles {
  /** The file's text; undefined when there is no such file. */
  read(path: string): string | undefined;
  /** Whether a file or folder exists at `path`. */
  exists(path: string): boolean;
}

/** The repository on disk at `root`. */
export function diskRepo(root: string): RepoFiles {
  return {
    read: (path) => (existsSync(join(root, path)) ? readFileSync(join(root, path), 'utf8') : undefined),
    exists: (path) => existsSync(join(root, path)),
  };
}

/**
 * `base` with some files replaced (a string) or removed (null): how the tests check altered copies of
 * the deployment files without touching the real ones.
 */
export function overlayRepo(base: RepoFiles, files: Readonly<Record<string, string | null>>): RepoFiles {
  const own = (path: string) => Object.prototype.hasOwnProperty.call(files, path);
  return {
    read: (path) => (own(path) ? (files[path] ?? undefined) : base.read(path)),
    exists: (path) => (own(path) ? files[path] !== null : base.exists(path)),
  };
}
