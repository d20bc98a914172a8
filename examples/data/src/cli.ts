// The examples' command lines, read option by option: `--name value` or `--name=value` for a
// value, `--name` alone for a flag. A value of the wrong kind (`--steps abc`) stops the example
// with a message that names the option, rather than turning into NaN further on.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What `--out` defaults to: the example's own folder, or a fresh temporary one in quick mode. */
export interface OutputFolderOptions {
  /** Quick (CI) runs write to a temporary folder, so they never overwrite the committed results. */
  quick: boolean;
  /** Where full runs write, usually the example's folder. */
  folder: string;
  /** Name prefix of the temporary folder, e.g. `basin-grokking-`. */
  tempPrefix: string;
}

export interface CommandLine {
  /** True when `--name` is given. */
  flag(name: string): boolean;
  /** The value of `--name`, or `fallback` when the option is absent. */
  string(name: string, fallback: string): string;
  /** A finite number (`0.5`, `1e-3`, `-2`). */
  number(name: string, fallback: number): number;
  /** A whole number of at least 1 (sizes, epochs, steps). */
  count(name: string, fallback: number): number;
  /** Finite numbers separated by commas: `--lrs 0.01,0.1,1`. */
  numberList(name: string, fallback: readonly number[]): number[];
  /** One of `choices`. */
  choice<C extends string>(name: string, fallback: C, choices: readonly C[]): C;
  /** Names separated by commas, each one of `choices`: `--optimizers sgd,sam`. */
  choiceList<C extends string>(name: string, fallback: readonly C[], choices: readonly C[]): C[];
  /** `--out DIR`, else the default of `options`; the folder is created if it is missing. */
  outputFolder(options: OutputFolderOptions): string;
  /** Prints `usage` and exits 0 when `--help` is given. */
  showUsageOnHelp(usage: string): void;
  /** Stops on anything on the command line that no call above has read (a typo, a stray word). */
  refuseUnknownOptions(): void;
}

/** Exit status for a command line the example cannot use (as most CLI tools do). */
const USAGE_ERROR = 2;

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(USAGE_ERROR);
}

/** Reads options from `argv` (usually `process.argv.slice(2)`); when an option is given twice, the last one counts. */
export function commandLine(argv: readonly string[]): CommandLine {
  // Positions of argv that some call has read, for refuseUnknownOptions.
  const read = new Set<number>();

  /** The text of `--name`, or undefined when it is absent. */
  const valueOf = (name: string): string | undefined => {
    const option = `--${name}`;
    for (let i = argv.length - 1; i >= 0; i--) {
      if (argv[i].startsWith(`${option}=`)) {
        read.add(i);
        return argv[i].slice(option.length + 1);
      }
      if (argv[i] === option) {
        read.add(i);
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) fail(`${option} needs a value`);
        read.add(i + 1);
        return value;
      }
    }
    return undefined;
  };

  const toNumber = (name: string, text: string): number => {
    const value = Number(text);
    // Number('') and Number(' ') are 0: an empty value is refused too.
    if (text.trim() === '' || !Number.isFinite(value)) fail(`--${name} wants a number, got '${text}'`);
    return value;
  };

  const toChoice = <C extends string>(name: string, text: string, choices: readonly C[]): C => {
    if (!(choices as readonly string[]).includes(text)) fail(`--${name}: unknown value '${text}' (known: ${choices.join(', ')})`);
    return text as C;
  };

  const cli: CommandLine = {
    flag(name) {
      const i = argv.lastIndexOf(`--${name}`);
      if (i >= 0) read.add(i);
      return i >= 0;
    },
    string(name, fallback) {
      return valueOf(name) ?? fallback;
    },
    number(name, fallback) {
      const text = valueOf(name);
      return text === undefined ? fallback : toNumber(name, text);
    },
    count(name, fallback) {
      const text = valueOf(name);
      if (text === undefined) return fallback;
      const value = toNumber(name, text);
      if (!Number.isInteger(value) || value < 1) fail(`--${name} wants a whole number of at least 1, got '${text}'`);
      return value;
    },
    numberList(name, fallback) {
      const text = valueOf(name);
      return text === undefined ? [...fallback] : text.split(',').map((part) => toNumber(name, part));
    },
    choice(name, fallback, choices) {
      const text = valueOf(name);
      return text === undefined ? fallback : toChoice(name, text, choices);
    },
    choiceList(name, fallback, choices) {
      const text = valueOf(name);
      return text === undefined ? [...fallback] : text.split(',').map((part) => toChoice(name, part, choices));
    },
    outputFolder({ quick, folder, tempPrefix }) {
      const out = valueOf('out') ?? (quick ? mkdtempSync(path.join(tmpdir(), tempPrefix)) : folder);
      mkdirSync(out, { recursive: true });
      return out;
    },
    showUsageOnHelp(usage) {
      if (!cli.flag('help')) return;
      console.log(usage);
      process.exit(0);
    },
    refuseUnknownOptions() {
      const unread = argv.findIndex((_, i) => !read.has(i));
      if (unread < 0) return;
      const token = argv[unread];
      fail(token.startsWith('--') ? `unknown option ${token.split('=')[0]} (try --help)` : `unexpected argument '${token}' (try --help)`);
    },
  };
  return cli;
}
