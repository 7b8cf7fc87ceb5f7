import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** The `packages` of a package-lock.json (v2/v3): install path → what is installed there. */
interface Lockfile {
  packages?: Record<string, { version?: string; link?: boolean; optional?: boolean }>;
}

/**
 * What the base's lockfile pins that the installed node_modules does not hold, one line per package
 * (empty when the installed tree serves the base as it is: packages only the working tree added are fine, and
 * optional ones npm left out on this platform).
 * Workspace links (`@cask/*`) are left out: the worktree links its own.
 */
export function lockfileDifferences(baseLock: Lockfile, installedLock: Lockfile): string[] {
  const installed = installedLock.packages ?? {};
  const out: string[] = [];
  for (const [path, entry] of Object.entries(baseLock.packages ?? {})) {
    if (!path.startsWith('node_modules/') || entry.link) continue;
    const have = installed[path];
    const name = path.slice('node_modules/'.length);
    // Optional packages for other platforms (the @parcel/watcher-darwin-x64 kind) are never installed here.
    if (!have && entry.optional) continue;
    if (!have) out.push(`${name} ${entry.version ?? '?'}: not installed`);
    else if (have.version !== entry.version) out.push(`${name}: ${entry.version ?? '?'} in the base, ${have.version ?? '?'} installed`);
  }
  return out;
}

/** The workspace folders a package.json declares (`"workspaces": ["packages/*", "libs/*"]`: plain paths and `dir/*`). */
export function workspaceDirs(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces?: string[] | { packages?: string[] } };
  const patterns = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
  const dirs: string[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory() && existsSync(join(parent, entry.name, 'package.json'))) dirs.push(join(parent, entry.name));
      }
    } else if (pattern.includes('*')) {
      throw new Error(`Workspace pattern "${pattern}" is not supported (only "dir" and "dir/*")`);
    } else if (existsSync(join(root, pattern, 'package.json'))) dirs.push(join(root, pattern));
  }
  return dirs;
}

/** The names of the workspace packages under root. */
export function workspaceNames(root: string): string[] {
  return workspaceDirs(root).map((dir) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string }).name);
}

/**
 * Gives the worktree a node_modules of its own that reuses the main checkout's installed packages: a symlink
 * to each of its entries, except that every workspace package links to the worktree's own folder (as npm
 * links it, relatively), so `tsc -b` and `node` resolve the base's packages and the main checkout's dependencies.
 * Returns the workspace packages linked.
 */
export function linkNodeModules(mainRoot: string, worktree: string): string[] {
  const mainModules = join(mainRoot, 'node_modules');
  const modules = join(worktree, 'node_modules');
  mkdirSync(modules, { recursive: true });
  const workspaces = workspaceDirs(worktree).map((dir) => ({
    dir,
    name: (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string }).name,
  }));
  const names = new Set(workspaces.map((w) => w.name));
  const scopes = new Set(workspaces.filter((w) => w.name.startsWith('@')).map((w) => w.name.split('/')[0]));
  for (const entry of readdirSync(mainModules)) {
    if (entry === '.cache' || names.has(entry)) continue;
    if (scopes.has(entry)) {
      // A scope holding workspaces: a folder of its own, its other packages linked one by one.
      mkdirSync(join(modules, entry), { recursive: true });
      for (const inner of readdirSync(join(mainModules, entry))) {
        if (!names.has(`${entry}/${inner}`)) symlinkSync(join(mainModules, entry, inner), join(modules, entry, inner));
      }
      continue;
    }
    symlinkSync(join(mainModules, entry), join(modules, entry));
  }
  for (const { dir, name } of workspaces) {
    const link = join(modules, name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), dir), link, 'dir');
  }
  return workspaces.map((w) => w.name);
}

/**
 * Removes a node_modules made of symlinks without following them (rmSync unlinks a symlink, never its
 * target), before git removes the worktree.
 */
export function unlinkNodeModules(worktree: string): void {
  const modules = join(worktree, 'node_modules');
  if (existsSync(modules) && !lstatSync(modules).isSymbolicLink()) rmSync(modules, { recursive: true, force: true });
}
