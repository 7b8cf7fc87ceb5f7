/** The parts of amqplib's connection that {@link coalesceWrites} reaches into (amqplib 2.x, lib/connection.js and lib/mux.js). */
interface AmqplibInternals {
  connection?: {
    stream?: { cork?: () => void; uncork?: () => void };
    muxer?: { _readIncoming?: () => void; [PATCHED]?: true };
  };
}

const PATCHED = Symbol('cask.coalescedWrites');

/**
 * Makes the connection behind an amqplib channel hand the socket everything it has to send at once in one
 * write. amqplib queues each frame (an ack, a published message) as its own chunk and its multiplexer
 * writes them one by one: with `noDelay`, one system call and usually one TCP segment per frame, which
 * at a few thousand jobs per second cost a worker about a third of its CPU, and the broker as much again
 * to read. Corking the socket around the multiplexer's pass sends that pass's frames in one `writev`.
 * Order and flow control are unchanged: the multiplexer still writes the same chunks, in the same order.
 *
 * amqplib exposes no option for this, so this reaches into its internals; it returns false (and changes
 * nothing) when they are not what it expects, and a test checks that it applies to the amqplib we ship.
 */
export function coalesceWrites(channel: object): boolean {
  const connection = (channel as AmqplibInternals).connection;
  const stream = connection?.stream;
  const muxer = connection?.muxer;
  if (!stream?.cork || !stream.uncork || typeof muxer?._readIncoming !== 'function') return false;
  if (muxer[PATCHED]) return true;
  const readIncoming = muxer._readIncoming.bind(muxer);
  const cork = stream.cork.bind(stream);
  const uncork = stream.uncork.bind(stream);
  muxer._readIncoming = () => {
    cork();
    try {
      readIncoming();
    } finally {
      uncork();
    }
  };
  muxer[PATCHED] = true;
  return true;
}
