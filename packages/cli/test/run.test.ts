import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/program.js';
import { programFor } from '../src/run.js';

/** Every command below `cmd`, as the words a user types: [['tasks'], ['tasks', 'list'], ...]. */
function paths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((sub) => [[...prefix, sub.name()], ...paths(sub, [...prefix, sub.name()])]);
}

function find(program: Command, path: string[]): Command {
  return path.reduce((cmd, name) => cmd.commands.find((c) => c.name() === name)!, program);
}

describe('rapport loads only the command argv names', () => {
  const full = buildProgram();

  it('lists every command with the same terms and descriptions as the whole program, loading none', async () => {
    const program = await programFor(['--help']);
    expect(program.helpInformation()).toBe(full.helpInformation());
  });

  it.each(paths(full).map((path) => [path.join(' '), path]))('shows the same help for rapport %s', async (_name, path) => {
    expect(find(await programFor([...path, '--help']), path).helpInformation()).toBe(find(full, path).helpInformation());
  });

  it('loads the command named after help and after --db', async () => {
    for (const argv of [
      ['help', 'tasks'],
      ['--db', 'sqlite::memory:', 'tasks', 'list'],
    ]) {
      expect(
        find(await programFor(argv), ['tasks']).commands.map((c) => c.name()),
        argv.join(' '),
      ).toEqual(['list']);
    }
  });
});
