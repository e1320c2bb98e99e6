// Progress lines of the bench runner, on stderr so that stdout carries only the table.
export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
