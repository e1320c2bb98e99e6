// Questions a command asks on the terminal (or of piped input), with passwords not echoed.
import { createInterface } from "node:readline";
import { fail } from "./fail.js";

export interface Prompter {
  ask(question: string, options?: { hidden?: boolean }): Promise<string>;
  close(): void;
}

/**
 * Reads answers line by line from one interface: its iterator buffers lines, so answers piped in
 * at once (`printf 'pw\npw\n' | gatehouse changepassword bob`) are not lost between questions,
 * and running out of input fails instead of leaving the command hanging.
 */
function createPrompter(): Prompter {
  const isTerminal = process.stdin.isTTY;
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: isTerminal,
  });
  const lines = rl[Symbol.asyncIterator]();
  let isMuted = false;
  // Echo nothing while a password is typed (the legacy interface routes all echo through here).
  const output = rl as unknown as { _writeToOutput: (text: string) => void };
  const write = output._writeToOutput.bind(rl);
  output._writeToOutput = (text) => {
    if (!isMuted) write(text);
  };
  return {
    async ask(question, options = {}) {
      rl.setPrompt(question);
      rl.prompt();
      isMuted = options.hidden === true && isTerminal;
      const next = await lines.next();
      if (isMuted) process.stdout.write("\n");
      isMuted = false;
      if (next.done === true) fail("\nError: input ended before every answer was given.");
      return next.value;
    },
    close: () => {
      rl.close();
    },
  };
}

export async function askAll<T>(run: (prompter: Prompter) => Promise<T>): Promise<T> {
  const prompter = createPrompter();
  try {
    return await run(prompter);
  } finally {
    prompter.close();
  }
}
