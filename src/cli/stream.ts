/**
 * Reading a stream in a command: a spinner on stderr (terminal only) until the first item
 * arrives, each item handed to the command as it comes. Ctrl-C aborts the signal the client
 * was given, which closes the connection; the loop then rejects with the signal's reason.
 */
import type { Session } from './context.js';

/** Hands every item of `source` to `each` as it arrives; `waiting` is the spinner's text until the first. */
export async function drain<T>(s: Session, source: AsyncIterable<T>, each: (item: T) => void | Promise<void>, waiting: string): Promise<void> {
  const stop = s.out.spinner(waiting);
  try {
    for await (const item of source) {
      stop();
      await each(item);
    }
  } finally {
    stop();
  }
}
