// How the tests start a Deno child. The test command installs node_modules
// once; a child that checks it again takes a lock on it, and many children
// started at once then print "Blocking waiting for file lock" to stderr.

/** The start of a `deno run` command line for a child of a test. */
export function denoRun(...flags: string[]): string[] {
  return ["run", "--node-modules-dir=manual", ...flags];
}
