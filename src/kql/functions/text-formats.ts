/**
 * text-formats.ts — functions that read a structured text: parse_path(), parse_command_line(),
 * parse_user_agent() and the punycode family (runtime: src/kql/runtime/paths.ts, user-agent.ts,
 * punycode.ts).
 */
import { type ScalarFunction } from '../bound.js';
import { str, fn, anyScalar, constString, constArray, fail } from './define.js';

const TARGETS = ['browser', 'os', 'device'];

const stringFn = (name: string) => fn(name, [anyScalar], 0, 'string', (a) => `coalesce(kql_${name}(${str(a[0]!)}), '')`);

export const TEXT_FORMAT_FUNCTIONS: ScalarFunction[] = [
  fn('parse_path', [anyScalar], 0, 'dynamic', (a) => `CAST(kql_parse_path(${str(a[0]!)}) AS JSON)`),
  {
    // parse-command-line-function.md: "windows" (CommandLineToArgvW) is the only parser type
    name: 'parse_command_line', minArgs: 2, maxArgs: 2,
    bind(args) {
      const kind = constString(args[1]);
      if (kind !== undefined && kind.toLowerCase() !== 'windows') fail(`parse_command_line(): the parser type '${kind}' is not supported; the only one is "windows"`, 1);
      return 'dynamic';
    },
    emit: (a) => `(CASE WHEN lower(${str(a[1]!)}) = 'windows' THEN CAST(kql_parse_command_line(${str(a[0]!)}) AS JSON) END)`,
  },
  {
    // parse-user-agent-function.md: look-for is "browser", "os" or "device", or a dynamic array of them
    name: 'parse_user_agent', minArgs: 2, maxArgs: 2,
    bind(args) {
      const one = constString(args[1]);
      const list = one !== undefined ? [one] : constArray(args[1]);
      const bad = list?.find((t) => typeof t !== 'string' || !TARGETS.includes(t.toLowerCase()));
      if (bad !== undefined) fail(`parse_user_agent(): the look-for target ${JSON.stringify(bad)} is not one of "browser", "os", "device"`, 1);
      return 'dynamic';
    },
    emit(a) {
      const lookFor = a[1]!.type === 'dynamic' ? `CAST(${a[1]!.sql} AS VARCHAR)` : `CAST(to_json(${str(a[1]!)}) AS VARCHAR)`;
      return `CAST(kql_parse_user_agent(${str(a[0]!)}, ${lookFor}) AS JSON)`;
    },
  },
  stringFn('punycode_from_string'),
  stringFn('punycode_to_string'),
  stringFn('punycode_domain_to_string'),
  stringFn('punycode_domain_from_string'),
];
