/**
 * paths.ts — parse_path() and parse_command_line().
 *
 * parse_path splits a Windows, UNC, POSIX or URI-style file path into the parts
 * parse-path-function.md shows (Scheme, RootPath, DirectoryPath, DirectoryName, Filename,
 * Extension, AlternateDataStreamName), separators `\` and `/` alike.
 * parse_command_line splits a command line into arguments as Windows' CommandLineToArgvW does.
 */
import { VARCHAR } from '@duckdb/node-api';
import { runtimeFunction } from './udf.js';

export interface PathParts {
  Scheme: string;
  RootPath: string;
  DirectoryPath: string;
  DirectoryName: string;
  Filename: string;
  Extension: string;
  AlternateDataStreamName: string;
}

export function parsePath(path: string): PathParts {
  let rest = path;
  let scheme = '';
  const s = /^([A-Za-z][A-Za-z0-9+.-]+):\/\//.exec(rest); // two characters at least: `C:` is a drive
  if (s) {
    scheme = s[1]!;
    rest = rest.slice(s[0].length);
  }
  const root = /^[A-Za-z]:/.exec(rest)?.[0] ?? '';
  const cut = Math.max(rest.lastIndexOf('/'), rest.lastIndexOf('\\'));
  const dir = cut >= 0 ? rest.slice(0, cut) : '';
  let file = cut >= 0 ? rest.slice(cut + 1) : rest;
  if (cut < 0 && root) file = rest.slice(root.length);
  let stream = '';
  const colon = file.indexOf(':');
  if (colon >= 0) {
    stream = file.slice(colon + 1);
    file = file.slice(0, colon);
  }
  const dot = file.lastIndexOf('.');
  const dirName = Math.max(dir.lastIndexOf('/'), dir.lastIndexOf('\\'));
  const directoryName = dir.slice(dirName + 1);
  return {
    Scheme: scheme,
    RootPath: root,
    DirectoryPath: dir,
    DirectoryName: directoryName === root ? '' : directoryName,
    Filename: file,
    Extension: dot >= 0 ? file.slice(dot + 1) : '',
    AlternateDataStreamName: stream,
  };
}

/**
 * CommandLineToArgvW: arguments are separated by spaces and tabs; the first (the program) ends at
 * the next quote when it starts with one and takes backslashes literally; in the others 2n
 * backslashes before a quote give n backslashes and the quote opens or closes a quoted part,
 * 2n+1 give n backslashes and a literal quote, and `""` inside a quoted part is a literal quote.
 */
export function parseCommandLine(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  const n = line.length;
  const blank = (c: string | undefined) => c === ' ' || c === '\t';
  while (i < n && blank(line[i])) i++;
  if (i >= n) return args;
  // the program name
  let prog = '';
  if (line[i] === '"') {
    i++;
    while (i < n && line[i] !== '"') prog += line[i++];
    if (i < n) i++;
  }
  while (i < n && !blank(line[i])) prog += line[i++];
  args.push(prog);
  for (;;) {
    while (i < n && blank(line[i])) i++;
    if (i >= n) break;
    let arg = '';
    let quoted = false;
    while (i < n && (quoted || !blank(line[i]))) {
      const c = line[i]!;
      if (c === '\\') {
        let k = 0;
        while (line[i] === '\\') { k++; i++; }
        if (line[i] === '"') {
          arg += '\\'.repeat(k >> 1);
          if (k % 2 === 1) { arg += '"'; i++; }
        } else arg += '\\'.repeat(k);
      } else if (c === '"') {
        if (quoted && line[i + 1] === '"') { arg += '"'; i += 2; continue; }
        quoted = !quoted;
        i++;
      } else {
        arg += c;
        i++;
      }
    }
    args.push(arg);
  }
  return args;
}

export const PATH_FUNCTIONS = [
  runtimeFunction('kql_parse_path', [VARCHAR], VARCHAR, (path: string) => JSON.stringify(parsePath(path))),
  runtimeFunction('kql_parse_command_line', [VARCHAR], VARCHAR, (line: string) => JSON.stringify(parseCommandLine(line))),
];
