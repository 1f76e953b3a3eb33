/** A command-line usage error: exit code 2, message and a pointer to --help. */
export class UsageError extends Error {
  /** The command whose help to point at, or `undefined` for the main help. */
  readonly command?: string;
  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}
