// How a command gives up on bad input: a clear message and a non-zero exit code (SPEC §1).
export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}
